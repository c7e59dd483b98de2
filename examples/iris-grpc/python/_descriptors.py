"""FileDescriptorProtos of iris.proto and the health service, for reflection
(file_by_filename, file_containing_symbol), built with python3-protobuf's
descriptor_pb2 since Debian has no protoc plugin for Python. Without
python3-protobuf, reflection still lists the services."""

try:
    from google.protobuf import descriptor_pb2 as d
except ImportError:  # pragma: no cover - reflection lists services only
    d = None


def _file(name, package, messages, services):
    fd = d.FileDescriptorProto(name=name, package=package, syntax="proto3")
    for message, message_fields in messages:
        m = fd.message_type.add(name=message)
        for field_name, number, kind, repeated in message_fields:
            m.field.add(name=field_name, json_name=field_name, number=number, type=kind,
                        label=d.FieldDescriptorProto.LABEL_REPEATED if repeated else d.FieldDescriptorProto.LABEL_OPTIONAL)
    for service, methods in services:
        s = fd.service.add(name=service)
        for method, request, response, streaming in methods:
            s.method.add(name=method, input_type=f".{package}.{request}", output_type=f".{package}.{response}",
                         server_streaming=streaming)
    return fd.SerializeToString()


def _build():
    if d is None:
        return {}
    t = d.FieldDescriptorProto
    iris = _file("iris.proto", "iris.v1", [
        ("ClassifyRequest", [("features", 1, t.TYPE_DOUBLE, True)]),
        ("ClassifyResponse", [("label", 1, t.TYPE_INT32, False)]),
    ], [("IrisClassifier", [("Classify", "ClassifyRequest", "ClassifyResponse", False)])])
    health = _file("health.proto", "grpc.health.v1", [
        ("HealthCheckRequest", [("service", 1, t.TYPE_STRING, False)]),
        ("HealthCheckResponse", [("status", 1, t.TYPE_INT32, False)]),
    ], [("Health", [("Check", "HealthCheckRequest", "HealthCheckResponse", False),
                    ("Watch", "HealthCheckRequest", "HealthCheckResponse", True)])])
    return {"iris.proto": (iris, "iris.v1."), "health.proto": (health, "grpc.health.v1.")}


FILES = _build()


def files_for(kind, value):
    """The files answering a file_by_filename (3) or file_containing_symbol (4) request."""
    if kind == 3:
        return [FILES[value][0]] if value in FILES else []
    if kind == 4:
        return [data for data, prefix in FILES.values() if value.startswith(prefix)]
    return []
