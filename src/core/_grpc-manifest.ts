/**
 * The manifest's `grpc` entry: a gRPC API server pool. Its workers either
 * adopt the socket the supervisor holds (`{fd}`, LISTEN_FDS: grpc-js through
 * bento-kit/worker's `serveGrpc`), or, with `reusePort: true`, bind
 * `{host}:{port}` themselves with SO_REUSEPORT (Python grpcio) while the
 * supervisor reserves the port.
 */
import type { Checker } from "./_checker.ts";
import { type CommandInput, placeholdersIn } from "./command.ts";
import { type ReadyInput, validateReady } from "./ready-input.ts";
import type { Command } from "./types.ts";

/** The gRPC socket's name (LISTEN_FDNAMES of gRPC workers that adopt it). */
export const GRPC_SOCKET = "grpc";

export interface GrpcInput {
  readonly command: CommandInput;
  readonly workers?: number;
  readonly env?: Record<string, string>;
  readonly ready?: ReadyInput;
  /** Workers bind `{host}:{port}` themselves with SO_REUSEPORT (default false: they adopt `{fd}`). */
  readonly reusePort?: boolean;
}

export interface GrpcDef {
  readonly command: Command;
  readonly workers?: number;
  readonly env: Readonly<Record<string, string>>;
  readonly ready?: ReadyInput;
  readonly reusePort: boolean;
}

export interface GrpcChecks {
  readonly command: (input: unknown, path: string, sockets: readonly string[]) => Command | undefined;
  readonly env: (value: unknown, path: string) => Record<string, string>;
  readonly maxWorkers: number;
}

export function validateGrpc(c: Checker, input: unknown, checks: GrpcChecks): GrpcDef | undefined {
  if (input === undefined) return undefined;
  const expected = "an object with a `command`, e.g. { command: { module: './grpc-api.ts' } }";
  if (!c.object(input, "grpc", expected)) return undefined;
  c.knownKeys(input, "grpc", ["command", "workers", "env", "ready", "reusePort"]);
  const reusePort = input.reusePort === undefined
    ? false
    : c.boolean(input.reusePort, "grpc.reusePort") && input.reusePort === true;
  // A pool that binds by itself gets no socket: {fd} would name nothing.
  const command = checks.command(input.command, "grpc.command", reusePort ? [] : [GRPC_SOCKET]);
  const args = command?.kind === "argv" ? command.argv : command?.args ?? [];
  if (reusePort && args.some((a) => placeholdersIn(a).includes("fd"))) {
    c.issue(
      "grpc.command",
      "uses {fd}, but with reusePort: true the workers get no socket: pass {host} and {port} for them to bind",
    );
  }
  const workers = c.optionalInt(input.workers, "grpc.workers", 1, checks.maxWorkers);
  const env = checks.env(input.env, "grpc.env");
  const ready = validateReady(c, input.ready, "grpc.ready");
  return command && { command, workers, env, ready, reusePort };
}
