"""POST /classify: forwards the rows to the "iris" runner over its Unix socket (BENTO_RUNNER_MAP)."""
import http.client
import json
import os
import socket


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def predict(body):
    address = json.loads(os.environ["BENTO_RUNNER_MAP"])["iris"]
    conn = UnixConnection(address[len("unix://"):])
    conn.request("POST", "/predict", body, {"content-type": "application/json"})
    return conn.getresponse().read()


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    answer = predict(body)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": answer})
