/**
 * A real @grpc/grpc-js client for the gRPC tests and the bench: Classify,
 * grpc.health.v1.Health/Check, the reflection service list; and the metrics
 * server's text checked by promtool.
 */
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const load = (file: string) =>
  grpc.loadPackageDefinition(
    protoLoader.loadSync(file, { keepCase: true, enums: String, defaults: true, oneofs: true }),
  );
type Done<T> = (e: Error | null, r: T) => void;
type Reflected = {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
};
/** The client class of `service` (its full name, "iris.v1.IrisClassifier") in the .proto `file`, with the methods used here. */
function clientOf<Methods>(file: string, service: string) {
  const found = service.split(".").reduce<unknown>((o, key) => (o as grpc.GrpcObject)[key], load(join(ROOT, file)));
  return found as new (address: string, credentials: grpc.ChannelCredentials, options: object) => grpc.Client & Methods;
}
const IrisClassifier = clientOf<{
  Classify(req: { features: number[] }, options: grpc.CallOptions, done: Done<{ label: number }>): void;
}>("examples/iris-grpc/iris.proto", "iris.v1.IrisClassifier");
const Health = clientOf<{
  Check(req: { service: string }, options: grpc.CallOptions, done: Done<{ status: string | number }>): void;
}>("src/worker/protos/health.proto", "grpc.health.v1.Health");
const ServerReflection = clientOf<{
  ServerReflectionInfo(options: grpc.CallOptions): grpc.ClientDuplexStream<object, Reflected>;
}>("src/worker/protos/reflection.proto", "grpc.reflection.v1alpha.ServerReflection");

/** Each client its own connection (grpc-js shares subchannels between clients otherwise). */
const OWN = { "grpc.use_local_subchannel_pool": 1 };
const INSECURE = grpc.credentials.createInsecure();

export interface IrisClient {
  classify(features: number[], deadlineMs?: number): Promise<number>;
  close(): void;
}

export function irisClient(port: number, credentials: grpc.ChannelCredentials = INSECURE): IrisClient {
  const client = new IrisClassifier(`127.0.0.1:${port}`, credentials, OWN);
  return {
    classify: (features, deadlineMs = 30_000) =>
      new Promise((resolve, reject) => {
        client.Classify(
          { features },
          { deadline: Date.now() + deadlineMs },
          (e: Error | null, r: { label: number }) => (e ? reject(e) : resolve(r.label)),
        );
      }),
    close: () => client.close(),
  };
}

export function healthCheck(
  port: number,
  service = "",
  credentials: grpc.ChannelCredentials = INSECURE,
): Promise<string> {
  const client = new Health(`127.0.0.1:${port}`, credentials, OWN);
  return new Promise<string>((resolve, reject) => {
    client.Check({ service }, { deadline: Date.now() + 10_000 }, (e: Error | null, r: { status: string | number }) => {
      client.close();
      if (e) reject(e);
      else {resolve(
          typeof r.status === "number" ? ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"][r.status]! : r.status,
        );}
    });
  });
}

/** The services reflection lists, or the gRPC error (UNIMPLEMENTED when reflection is off). */
export function listServices(port: number): Promise<string[]> {
  const client = new ServerReflection(`127.0.0.1:${port}`, INSECURE, OWN);
  return new Promise<string[]>((resolve, reject) => {
    const call = client.ServerReflectionInfo({ deadline: Date.now() + 10_000 });
    call.on("data", (r: { list_services_response?: { service: { name: string }[] } }) => {
      resolve((r.list_services_response?.service ?? []).map((s) => s.name).sort());
      call.end();
    });
    call.on("error", (e: Error) => reject(e));
    call.on("end", () => client.close());
    call.write({ host: "", list_services: "" });
  });
}

/** A file descriptor through reflection (file_containing_symbol): its serialized bytes. */
export function fileContaining(port: number, symbol: string): Promise<Buffer[]> {
  const client = new ServerReflection(`127.0.0.1:${port}`, INSECURE, OWN);
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo({ deadline: Date.now() + 10_000 });
    call.on("data", (r: { file_descriptor_response?: { file_descriptor_proto: Buffer[] } }) => {
      resolve(r.file_descriptor_response?.file_descriptor_proto ?? []);
      call.end();
    });
    call.on("error", reject);
    call.on("end", () => client.close());
    call.write({ host: "", file_containing_symbol: symbol });
  });
}

/** GET the metrics server's text, and what `promtool check metrics` says of it (exit code, output). */
export async function scrapeMetrics(
  port: number,
  path = "/",
): Promise<{ status: number; text: string; promtool: { code: number | null; out: string } }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  return { status: res.status, text, promtool: { code: r.status, out: `${r.stdout}${r.stderr}` } };
}

export const hasPromtool = spawnSync("promtool", ["--version"]).status === 0;

/** A port free right now (for --metrics-port). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Run _probe.ts on Node (see there why) and parse its JSON line. */
export async function probe<T>(port: number, ...args: string[]): Promise<T> {
  const { spawn } = await import("node:child_process");
  const child = spawn("node", ["--import", "tsx", join(ROOT, "test/grpc/_probe.ts"), String(port), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  await new Promise((resolve) => child.on("exit", resolve));
  return JSON.parse(out.trim().split("\n").pop() ?? "null") as T;
}
