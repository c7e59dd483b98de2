"""The runner in Python: a plain ASGI app (standard library only) that
bento-kit starts under uvicorn on the socket it holds (`--fd {fd}`).

POST /predict [[5.9,3.0,5.1,1.8]] -> ["virginica"]: a nearest-centroid
classifier of iris flowers. Replace it with your model (load it at import).
"""

import json
import math

CENTROIDS = {
    "setosa": (5.006, 3.428, 1.462, 0.246),
    "versicolor": (5.936, 2.77, 4.26, 1.326),
    "virginica": (6.588, 2.974, 5.552, 2.026),
}
EXPECTED = "expected a JSON array of rows of 4 numbers, e.g. [[5.9,3.0,5.1,1.8]]"


def predict(rows):
    return [min(CENTROIDS, key=lambda name: math.dist(CENTROIDS[name], row)) for row in rows]


def parse_rows(body):
    try:
        rows = json.loads(body)
    except ValueError:
        return None
    if not isinstance(rows, list) or not rows:
        return None
    for row in rows:
        if not isinstance(row, list) or len(row) != 4:
            return None
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in row):
            return None
    return rows


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["method"] != "POST" or scope["path"] != "/predict":
        status, answer = 404, {"error": "Not found"}
    else:
        rows = parse_rows(body)
        status, answer = (400, {"error": EXPECTED}) if rows is None else (200, predict(rows))
    payload = json.dumps(answer).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
