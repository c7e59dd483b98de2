/**
 * The two standard services every gRPC worker should offer: health checking
 * (`grpc.health.v1.Health`: Check and Watch) and server reflection
 * (`grpc.reflection.v1alpha.ServerReflection` and `grpc.reflection.v1`'s, the
 * same messages: list services, file by name, file containing a symbol), so
 * that grpcurl, grpc_health_probe and Kubernetes gRPC probes work.
 */
import { packageAsset } from "../package-file.ts";
import type {
  sendUnaryData,
  Server,
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";

// Found when used, not at import: a Deno worker reads no file outside its grants (docs/worker-runtimes.md) unless it serves gRPC.
const HEALTH_PROTO = "src/worker/protos/health.proto";
const REFLECTION_PROTO = "src/worker/protos/reflection.proto";

export type ServingStatus = "SERVING" | "NOT_SERVING";

export interface HealthHandle {
  /** Set the status of `service` ("" is the whole server); Watch callers hear it. */
  set(service: string, status: ServingStatus): void;
}

/** The standard services added to each server, which reflection lists beside the caller's. */
const standard = new WeakMap<Server, PackageDefinition[]>();

function remember(server: Server, def: PackageDefinition): void {
  standard.set(server, [...(standard.get(server) ?? []), def]);
}

async function load(file: string): Promise<PackageDefinition> {
  const loader = await import("@grpc/proto-loader");
  return loader.loadSync(file, { keepCase: true, enums: String, defaults: true, oneofs: true });
}

/** Adds `grpc.health.v1.Health`; "" and every name in `services` start SERVING. */
export async function addHealthService(server: Server, services: readonly string[] = []): Promise<HealthHandle> {
  const def = await load(packageAsset(HEALTH_PROTO));
  remember(server, def);
  const status = new Map<string, ServingStatus>([["", "SERVING"], ...services.map((s) => [s, "SERVING"] as const)]);
  const watchers = new Set<{ service: string; call: ServerWritableStream<{ service: string }, unknown> }>();
  const statusOf = (service: string) => status.get(service) ?? "SERVICE_UNKNOWN";
  server.addService(def["grpc.health.v1.Health"] as ServiceDefinition, {
    Check(call: ServerUnaryCall<{ service: string }, unknown>, callback: sendUnaryData<unknown>) {
      const s = status.get(call.request.service);
      if (s === undefined) callback({ code: 5, details: `unknown service "${call.request.service}"` });
      else callback(null, { status: s });
    },
    Watch(call: ServerWritableStream<{ service: string }, unknown>) {
      const watcher = { service: call.request.service, call };
      watchers.add(watcher);
      call.write({ status: statusOf(watcher.service) });
      call.on("cancelled", () => watchers.delete(watcher));
    },
  } as UntypedServiceImplementation);
  return {
    set(service, value) {
      status.set(service, value);
      for (const w of watchers) if (w.service === service) w.call.write({ status: value });
    },
  };
}

type ReflectionRequest = {
  host?: string;
  message_request?: "file_by_filename" | "file_containing_symbol" | "list_services" | string;
  file_by_filename?: string;
  file_containing_symbol?: string;
};

/** Adds server reflection for the services and messages in `definitions` (the ones this server serves). */
export async function addReflectionService(server: Server, definitions: readonly PackageDefinition[]): Promise<void> {
  const def = await load(packageAsset(REFLECTION_PROTO));
  remember(server, def);
  // Computed at the first request: services added after this call are listed too.
  let index: { all: PackageDefinition; services: string[]; byFile: Map<string, Buffer> } | undefined;
  const indexed = () => {
    if (index) return index;
    const all: PackageDefinition = Object.assign({}, ...(standard.get(server) ?? []), ...definitions);
    const services = [...Object.keys(all).filter((name) => isService(all[name])), "grpc.reflection.v1.ServerReflection"]
      .sort();
    const byFile = new Map<string, Buffer>();
    for (const entry of Object.values(all)) for (const buf of descriptorsOf(entry)) byFile.set(fileName(buf), buf);
    return (index = { all, services, byFile });
  };

  const answer = (request: ReflectionRequest): Record<string, unknown> => {
    const { all, services, byFile } = indexed();
    const base = { valid_host: request.host ?? "", original_request: request };
    const notFound = (what: string) => ({
      ...base,
      error_response: { error_code: 5, error_message: `${what} not found` },
    });
    switch (request.message_request) {
      case "list_services":
        return { ...base, list_services_response: { service: services.map((name) => ({ name })) } };
      case "file_by_filename": {
        const file = byFile.get(request.file_by_filename ?? "");
        return file
          ? { ...base, file_descriptor_response: { file_descriptor_proto: [file] } }
          : notFound(`file ${request.file_by_filename}`);
      }
      case "file_containing_symbol": {
        const files = symbolFiles(all, request.file_containing_symbol ?? "");
        return files.length > 0
          ? { ...base, file_descriptor_response: { file_descriptor_proto: files } }
          : notFound(`symbol ${request.file_containing_symbol}`);
      }
      default:
        return {
          ...base,
          error_response: { error_code: 12, error_message: `${request.message_request} is not supported` },
        };
    }
  };
  const handler = {
    ServerReflectionInfo(call: ServerDuplexStream<ReflectionRequest, unknown>) {
      call.on("data", (request: ReflectionRequest) => call.write(answer(request)));
      call.on("end", () => call.end());
    },
  };
  const alpha = def["grpc.reflection.v1alpha.ServerReflection"] as ServiceDefinition;
  server.addService(alpha, handler);
  // grpc.reflection.v1: the same messages under another service path.
  const v1 = Object.fromEntries(
    Object.entries(alpha).map(([k, m]) => [k, { ...m, path: m.path.replace(".v1alpha.", ".v1.") }]),
  );
  server.addService(v1 as ServiceDefinition, handler);
}

function isService(entry: unknown): boolean {
  return typeof entry === "object" && entry !== null && !("format" in entry) &&
    Object.values(entry).every((m) => typeof m === "object" && m !== null && "path" in m);
}

/** The serialized FileDescriptorProtos of a message/enum entry, or of a service's methods. */
function descriptorsOf(entry: unknown): Buffer[] {
  if (typeof entry !== "object" || entry === null) return [];
  if ("fileDescriptorProtos" in entry) return (entry as { fileDescriptorProtos: Buffer[] }).fileDescriptorProtos;
  return Object.values(entry).flatMap((m) => descriptorsOf((m as { requestType?: unknown }).requestType));
}

function symbolFiles(all: PackageDefinition, symbol: string): Buffer[] {
  let entry: unknown = all[symbol];
  if (entry === undefined) {
    // A method: "pkg.Service.Method" → its service.
    const service = symbol.slice(0, symbol.lastIndexOf("."));
    if (isService(all[service])) entry = all[service];
  }
  return descriptorsOf(entry);
}

/** Field 1 (`name`) of a serialized FileDescriptorProto. */
function fileName(buf: Buffer): string {
  if (buf[0] !== 0x0a) return "";
  let length = 0;
  let shift = 0;
  let i = 1;
  for (; i < buf.length; i++) {
    length |= (buf[i]! & 0x7f) << shift;
    shift += 7;
    if ((buf[i]! & 0x80) === 0) break;
  }
  return buf.subarray(i + 1, i + 1 + length).toString("utf8");
}
