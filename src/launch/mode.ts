/**
 * What one mode of launching a service declares (serve HTTP, serve gRPC,
 * runner server, HTTP server, gRPC server): the options it takes and why it
 * refuses the others, how its launch spec is built, its own plugins, and its
 * start lines. The pipeline (pipeline.ts) does everything else, the same way
 * for every mode: a mode is data and pure functions.
 */
import type { Result } from "neverthrow";
import type { BentoError } from "../core/errors.ts";
import type { ServiceDef } from "../core/manifest.ts";
import type { OptionGroup, OptionName, OptionValues } from "../core/options/table.ts";
import type { BentoPlugin } from "../core/plugin.ts";
import type { BuildContext } from "../core/serve-spec.ts";
import type { ServeOptions } from "../core/serve-options.ts";
import type { BoundAddress, LaunchSpec } from "../core/types.ts";

export interface LoadedService {
  readonly service: ServiceDef;
  /** The service directory, absolute. */
  readonly dir: string;
  /** The manifest file (absent for a manifest given as an object). */
  readonly file?: string;
}

/** What a mode's own options may read besides the resolved values: the flags as given and the environment. */
export interface ModeInput {
  readonly flags: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The options every mode has, resolved and checked. */
export interface CommonOptions {
  readonly values: OptionValues;
  readonly serve: ServeOptions;
  /** The metrics switch (`--no-metrics`); false for a mode without metrics. */
  readonly metrics: boolean;
  /** True when the public pool serves TLS (the checked certificate is configured). */
  readonly tls: boolean;
}

/** Where the supervisor bound a socket, by name; without a name, the launch's public socket. */
export type AddressOf = (socket?: string) => BoundAddress | undefined;

export interface Mode<O = unknown> {
  /** How a user names it: `serve`, `serve --grpc`, `start-runner-server`, ... */
  readonly name: string;
  /** What its public pool speaks (for the TLS line). */
  readonly protocol: "HTTP" | "gRPC";
  /** The option groups it takes; `only` narrows a group to some of its options. */
  readonly groups: readonly OptionGroup[];
  readonly only?: Partial<Record<OptionGroup, readonly OptionName[]>>;
  /** Why it refuses an option it does not take, by group (a default line is used for the rest). */
  readonly refusals?: Partial<Record<OptionGroup, string>>;
  /** Its defaults, below the manifest's `serve` ones (e.g. development's host 127.0.0.1). */
  defaults?(values: OptionValues): OptionValues;
  /** `serve` keys of the manifest this mode does not read (a runner server does not listen where the API does). */
  readonly ignoresManifest?: readonly string[];
  /** Its own options from the resolved values (runner map, runner name); every problem at once. */
  options(values: OptionValues, loaded: LoadedService, input: ModeInput): Result<O, BentoError>;
  buildSpec(loaded: LoadedService, o: CommonOptions & { readonly mode: O }, ctx: BuildContext): Result<
    LaunchSpec,
    BentoError
  >;
  /** The spec as this mode runs it (development: one worker per pool); `first` false for a reload. */
  finish?(spec: LaunchSpec, o: CommonOptions & { readonly mode: O }, first: boolean): LaunchSpec;
  /** Built-in plugins of this mode, before TLS and monitoring (which the pipeline adds) and the service's own. */
  plugins(o: CommonOptions & { readonly mode: O }): readonly BentoPlugin[];
  /** Lines logged once the options are known (e.g. "Using remote runners: ..."). */
  notes?(loaded: LoadedService, o: CommonOptions & { readonly mode: O }): readonly string[];
  /** Lines logged once every worker is ready (the metrics line, then BentoML's start line). */
  startLines(loaded: LoadedService, o: CommonOptions & { readonly mode: O }, addressOf: AddressOf): readonly string[];
}

/** Typing helper: a mode with its own options type. */
export function defineMode<O>(mode: Mode<O>): Mode<O> {
  return mode;
}

/** `http://host:port` for a start line (IPv6 in brackets), `unix:///path` for a Unix socket; never port 0. */
export function listenUrl(host: string, address: BoundAddress | undefined, scheme = "http"): string {
  if (address?.kind === "unix") return `unix://${address.path}`;
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${address?.port ?? "?"}`;
}
