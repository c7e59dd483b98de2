/**
 * The remote runners of `start-http-server` (and `start-grpc-server`):
 * `--depends name=uri` (repeatable, env `BENTO_SERVE_DEPENDS`, entries
 * separated by spaces) and `--runner-map JSON` (env `BENTO_RUNNER_MAP`).
 * Every address is checked as the runner client will read it, and every
 * runner the service declares must be named; all problems are reported at once.
 */
import { err, ok, type Result } from "neverthrow";
import { type RunnerMapInvalid, runnerMapInvalid } from "./errors.ts";
import type { ServiceDef } from "./manifest.ts";
import { parseRunnerAddress } from "./runner-address.ts";

export const RUNNER_MAP_ENV = { depends: "BENTO_SERVE_DEPENDS", runnerMap: "BENTO_RUNNER_MAP" } as const;

/** What the command line gave; undefined when a flag is absent (with both absent, the env vars are read). */
export interface RunnerMapSources {
  readonly depends?: readonly string[];
  readonly runnerMap?: string;
}

export type RemoteRunners = Readonly<Record<string, string>>;

const EXAMPLE = "tcp://10.0.0.5:3001";

/**
 * The runner map from flags (else env): `--runner-map` entries, then
 * `--depends` entries; it must name every runner `service` declares.
 */
export function resolveRunnerMap(
  sources: RunnerMapSources,
  env: Readonly<Record<string, string | undefined>>,
  service: ServiceDef,
): Result<RemoteRunners, RunnerMapInvalid> {
  const problems: string[] = [];
  // Without a prototype: a runner may be called `__proto__` or `toString`.
  const map: Record<string, string> = Object.create(null);
  const origin: Record<string, string> = Object.create(null);
  const add = (name: string, written: string, from: string) => {
    const address = fromBentoML(written);
    if (name in map && map[name] !== address) {
      problems.push(
        `Runner ${name} is given two addresses (${map[name]} from ${origin[name]}, ${address} from ${from}): give one`,
      );
    }
    map[name] = address;
    origin[name] = from;
  };
  // Flags beat the environment: with either flag given, neither variable is read.
  const fromFlags = sources.depends !== undefined || sources.runnerMap !== undefined;
  const jsonFrom = fromFlags ? "--runner-map" : RUNNER_MAP_ENV.runnerMap;
  const json = fromFlags ? sources.runnerMap : nonEmpty(env[RUNNER_MAP_ENV.runnerMap]);
  if (json !== undefined) {
    const parsed = parseMapJson(json, jsonFrom);
    if (typeof parsed === "string") problems.push(parsed);
    else for (const [name, address] of Object.entries(parsed)) add(name, address, jsonFrom);
  }
  const dependsFrom = fromFlags ? "--depends" : RUNNER_MAP_ENV.depends;
  const depends = fromFlags ? sources.depends ?? [] : nonEmpty(env[RUNNER_MAP_ENV.depends])?.trim().split(/\s+/) ?? [];
  for (const entry of depends) {
    const at = entry.indexOf("=");
    const name = entry.slice(0, at).trim();
    if (at <= 0 || name === "") {
      problems.push(`${dependsFrom} ${JSON.stringify(entry)}: expected NAME=URI, e.g. --depends iris=${EXAMPLE}`);
      continue;
    }
    add(name, entry.slice(at + 1).trim(), dependsFrom);
  }
  for (const [name, address] of Object.entries(map)) {
    const target = parseRunnerAddress(address);
    if (typeof target === "string") problems.push(`Runner ${name} (${origin[name]}): ${target}`);
  }
  // A map that could not be read names nothing: saying so again for each runner would only add noise.
  if (problems.length === 0) problems.push(...missingRunners(service, map));
  return problems.length > 0 ? err(runnerMapInvalid(problems)) : ok(map);
}

/** The runners a service declares that `map` does not name, as messages (empty: covered). */
export function missingRunners(service: ServiceDef, map: RemoteRunners): string[] {
  const missing = runnerNames(service).filter((name) => !Object.hasOwn(map, name));
  if (missing.length === 0) return [];
  const given = Object.keys(map);
  const flags = missing.map((name) => `--depends ${name}=tcp://HOST:PORT`).join(" ");
  return [
    `Service ${service.name} needs runner${missing.length === 1 ? "" : "s"} ${missing.join(", ")}, ` +
    `but the runner map names ${given.length === 0 ? "none" : given.join(", ")}: pass ${flags} (or --runner-map JSON)`,
  ];
}

/** Runner names of a service, in declaration order. */
export function runnerNames(service: ServiceDef): string[] {
  return service.runners.map((r) => r.name);
}

function parseMapJson(text: string, from: string): Record<string, string> | string {
  const usage = `expected a JSON object of runner name to address, e.g. '{"iris":"${EXAMPLE}"}'`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return `${from}: ${usage}; it is not JSON (${(cause as Error).message})`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `${from}: ${usage}`;
  const bad = Object.entries(value).filter(([, v]) => typeof v !== "string").map(([k]) => k);
  if (bad.length > 0) return `${from}: ${usage}; the address of ${bad.join(", ")} is not a string`;
  return value as Record<string, string>;
}

/**
 * BentoML writes runner addresses as `file:///path.sock` and `http://host:port`
 * too; they mean what `unix:///path.sock` and `tcp://host:port` do here.
 */
export function fromBentoML(address: string): string {
  if (address.startsWith("file://")) return `unix://${address.slice("file://".length)}`;
  const http = /^http:\/\/([^/]+)\/?$/.exec(address);
  return http ? `tcp://${http[1]}` : address;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
