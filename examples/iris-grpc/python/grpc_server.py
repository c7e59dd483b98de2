"""The iris gRPC API in Python (grpcio, standard library otherwise), served
like ../grpc-api.ts: iris.v1.IrisClassifier/Classify calls the iris runner
from BENTO_RUNNER_MAP; grpc.health.v1.Health answers SERVING; server
reflection (list services; files when python3-protobuf is there) with
--enable-reflection. Debian ships no grpcio-health-checking nor
grpcio-reflection and no protoc plugin, so the services are generic handlers
over raw bytes, with the few protobuf fields they need encoded by hand.

    python3 grpc_server.py --host 0.0.0.0 --port 3000 [--ssl-certfile C --ssl-keyfile K [--ssl-ca-certs CA]]

grpcio cannot adopt an inherited socket: it binds host:port itself with
SO_REUSEPORT (grpcio's default on Linux), beside the other workers.

TLS (grpc.ssl_server_credentials) when bento-kit's TLS plugin hands the
worker BENTO_SSL_CERTFILE / BENTO_SSL_KEYFILE (+ BENTO_SSL_CA_CERTS,
BENTO_SSL_CERT_REQS), or when the command passes them as --ssl-* (the
placeholders {ssl_certfile}, {ssl_keyfile}, {ssl_ca_certs}, {ssl_cert_reqs}).
The key file is never encrypted: the supervisor hands workers a decrypted copy.
BENTO_SSL_CERT_REQS 2 requires a client certificate signed by the CA; grpcio
has no optional mode, so 1 does not ask for one (as 0).
"""

import argparse
import http.client
import json
import os
import signal
import socket
import struct
import sys
import threading
from concurrent import futures

import grpc

import _descriptors

SERVICE = "iris.v1.IrisClassifier"
HEALTH = "grpc.health.v1.Health"
REFLECTION = ("grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection")
SERVING = b"\x08\x01"


# --- protobuf wire format: the little this server needs -------------------------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, payload):
    """A length-delimited field (strings, bytes, messages)."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def fields(data):
    """(number, wire type, value) of each field; value is an int or bytes."""
    i = 0
    while i < len(data):
        key, i = read_varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(data, i)
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 2:
            size, i = read_varint(data, i)
            value, i = data[i:i + size], i + size
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, wire, value


def read_varint(data, i):
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


# --- the iris runner -----------------------------------------------------------------------

class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def runner_connection():
    address = json.loads(os.environ.get("BENTO_RUNNER_MAP", "{}")).get("iris")
    if not address:
        sys.exit("BENTO_RUNNER_MAP has no runner \"iris\": start this with bento-kit serve --grpc")
    if address.startswith("unix://"):
        return lambda: UnixConnection(address[len("unix://"):])
    host, _, port = address[len("tcp://"):].rpartition(":")
    return lambda: http.client.HTTPConnection(host.strip("[]"), int(port), timeout=60)


CONNECT = None
LOCAL = threading.local()


def predict(features):
    for attempt in range(2):
        conn = getattr(LOCAL, "conn", None) or CONNECT()
        LOCAL.conn = conn
        try:
            conn.request("POST", "/predict", json.dumps([features]), {"content-type": "application/json"})
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"runner answered {response.status}: {body[:200]!r}")
            return json.loads(body)[0]
        except (OSError, http.client.HTTPException):
            conn.close()
            LOCAL.conn = None
            if attempt == 1:
                raise


# --- the services --------------------------------------------------------------------------

def classify(request, context):
    features = []
    for number, wire, value in fields(request):
        if number == 1 and wire == 2:
            features.extend(struct.unpack(f"<{len(value) // 8}d", value))
        elif number == 1 and wire == 1:
            features.append(struct.unpack("<d", value)[0])
    if len(features) != 4:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"expected 4 features (cm), got {len(features)}")
    try:
        label = predict(features)
    except Exception as error:  # noqa: BLE001 - any runner failure is UNAVAILABLE to the caller
        context.abort(grpc.StatusCode.UNAVAILABLE, f"iris runner: {error}")
    return b"\x08" + varint(label) if label else b""


def health_service(request):
    return next((v.decode() for n, w, v in fields(request) if n == 1 and w == 2), "")


def health_check(request, context):
    if health_service(request) not in ("", SERVICE):
        context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {health_service(request)!r}")
    return SERVING


def health_watch(request, context):
    yield SERVING if health_service(request) in ("", SERVICE) else b"\x08\x03"
    done = threading.Event()
    context.add_callback(done.set)
    done.wait()


def reflection_info(requests, context):
    names = [SERVICE, HEALTH, *REFLECTION]
    for request in requests:
        kind, value, host = None, b"", b""
        for number, _, v in fields(request):
            if number == 1:
                host = v
            elif number in (3, 4, 7):
                kind, value = number, v
        reply = field(1, host) + field(2, request)
        files = _descriptors.files_for(kind, value.decode())
        if kind == 7:
            reply += field(6, b"".join(field(1, field(1, n.encode())) for n in names))
        elif files:
            reply += field(4, b"".join(field(1, f) for f in files))
        else:
            reply += field(7, b"\x08\x05" + field(2, f"{value.decode()!r} not found".encode()))
        yield reply


def handlers(reflection):
    out = [
        grpc.method_handlers_generic_handler(SERVICE, {"Classify": grpc.unary_unary_rpc_method_handler(classify)}),
        grpc.method_handlers_generic_handler(HEALTH, {
            "Check": grpc.unary_unary_rpc_method_handler(health_check),
            "Watch": grpc.unary_stream_rpc_method_handler(health_watch),
        }),
    ]
    if reflection:
        out += [grpc.method_handlers_generic_handler(name, {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(reflection_info),
        }) for name in REFLECTION]
    return out


def credentials(args):
    """grpc.ssl_server_credentials from --ssl-* / BENTO_SSL_*, or None (plaintext)."""
    if not args.ssl_certfile:
        return None

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    ca = read(args.ssl_ca_certs) if args.ssl_ca_certs else None
    if args.ssl_cert_reqs == 2 and ca is None:
        sys.exit("--ssl-cert-reqs 2 (BENTO_SSL_CERT_REQS) requires client certificates: give --ssl-ca-certs")
    if args.ssl_cert_reqs == 1:
        print(f"grpc worker {os.getpid()}: ssl cert reqs 1 (optional) has no grpcio equivalent: "
              "client certificates are not asked for (2 requires them)", flush=True)
    pair = (read(args.ssl_keyfile or args.ssl_certfile), read(args.ssl_certfile))
    return grpc.ssl_server_credentials([pair], root_certificates=ca, require_client_auth=args.ssl_cert_reqs == 2)


def main():
    global CONNECT
    env = os.environ
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--ssl-certfile", default=env.get("BENTO_SSL_CERTFILE"))
    parser.add_argument("--ssl-keyfile", default=env.get("BENTO_SSL_KEYFILE"))
    parser.add_argument("--ssl-ca-certs", default=env.get("BENTO_SSL_CA_CERTS"))
    parser.add_argument("--ssl-cert-reqs", type=int, default=int(env.get("BENTO_SSL_CERT_REQS") or 0))
    args = parser.parse_args()
    CONNECT = runner_connection()
    options = [("grpc.so_reuseport", 1)]
    if env.get("BENTO_GRPC_MAX_CONCURRENT_STREAMS"):
        options.append(("grpc.max_concurrent_streams", int(env["BENTO_GRPC_MAX_CONCURRENT_STREAMS"])))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=options)
    server.add_generic_rpc_handlers(handlers(env.get("BENTO_GRPC_ENABLE_REFLECTION") == "true"))
    host = f"[{args.host}]" if ":" in args.host else args.host
    tls = credentials(args)
    bound = server.add_secure_port(f"{host}:{args.port}", tls) if tls else server.add_insecure_port(f"{host}:{args.port}")
    if bound == 0:
        sys.exit(f"cannot bind {host}:{args.port}")
    server.start()

    def stop(signum, _frame):
        grace = float(env.get("BENTO_TIMEOUT_GRACEFUL_SHUTDOWN", "30"))
        print(f"grpc worker {os.getpid()}: {signal.Signals(signum).name} received, finishing calls in flight", flush=True)
        server.stop(grace).wait()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if env.get("BENTO_READY_FD"):
        os.write(int(env["BENTO_READY_FD"]), b"READY=1\n")
    print(f"iris grpc worker {env.get('BENTO_WORKER_ID', '1')} (pid {os.getpid()}) serving on {host}:{args.port}, "
          f"protocol {env.get('BENTO_GRPC_PROTOCOL_VERSION', 'v1')}{', TLS' if tls else ''}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
