/**
 * What a reload does, decided from what changed (pure). Code changes roll
 * the pools they concern (every pool unless told), runners first, then the
 * API pool. A manifest change is compared
 * pool by pool with the manifest the service runs: new pools start, removed
 * ones stop, a pool whose command, env or readiness changed is rolled with
 * its new spec, and a pool whose `workers` changed in the manifest is resized
 * (a pool keeps the size it has now, dev mode's one worker or an admin
 * scale, unless its `workers` was edited). API pools also roll when runners
 * come or go: their runner map changes. What cannot change while serving
 * (the public socket) is named in `notes`.
 */
import type { CertificateView } from "./events.ts";
import type { LaunchSpec, WatcherSpec } from "./types.ts";

export type PoolChange =
  | { readonly kind: "add"; readonly pool: string }
  | { readonly kind: "roll"; readonly pool: string }
  | { readonly kind: "scale"; readonly pool: string; readonly workers: number }
  | { readonly kind: "remove"; readonly pool: string };

export interface ReloadInput {
  /** The spec built from the manifest the service runs now (before plugins, manifest worker counts). */
  readonly previous: LaunchSpec;
  /** The spec built from the edited manifest; absent when the manifest did not change. */
  readonly next?: LaunchSpec;
  /** Pool name → the number of workers it keeps now. */
  readonly targets: Readonly<Record<string, number>>;
  /** Files other than the manifest changed: the pools they concern are rolled. */
  readonly codeChanged: boolean;
  /** The pools the changed code concerns (`poolsConcerned`); default every pool. */
  readonly concerned?: ReadonlySet<string>;
}

export interface ReloadPlan {
  /** The spec to run from now on, worker counts as they will be. */
  readonly spec: LaunchSpec;
  /** In order: additions (runners first), rolls (runners first), resizes, removals (API first). */
  readonly changes: readonly PoolChange[];
  /** Changes that need a restart of `serve` to take effect. */
  readonly notes: readonly string[];
  /** The manifest changed: pools take their specs from `spec` (through the plugins). */
  readonly manifestChanged: boolean;
  /** The TLS certificate the rolled workers will serve (`bento-kit reload`), for the reload events. */
  readonly certificate?: CertificateView;
}

export function planReload(input: ReloadInput): ReloadPlan {
  const { previous, targets, codeChanged } = input;
  const next = input.next ?? previous;
  const before = new Map(previous.watchers.map((w) => [w.name, w]));
  const after = new Map(next.watchers.map((w) => [w.name, w]));
  const runnersChanged = key(runnerNames(previous)) !== key(runnerNames(next));
  const varsChanged = key(previous.vars) !== key(next.vars);
  const adds: PoolChange[] = [];
  const rolls: PoolChange[] = [];
  const scales: PoolChange[] = [];
  const watchers: WatcherSpec[] = [];
  for (const w of byPriority(next.watchers)) {
    const old = before.get(w.name);
    if (!old) {
      adds.push({ kind: "add", pool: w.name });
      watchers.push(w);
      continue;
    }
    const current = (Object.hasOwn(targets, w.name) ? targets[w.name] : undefined) ?? old.workers;
    const workers = w.workers !== old.workers ? w.workers : current;
    watchers.push({ ...w, workers });
    const apiNeedsMap = runnersChanged && (w.role === "api" || w.role === "grpc");
    const codeConcerns = codeChanged && (input.concerned?.has(w.name) ?? true);
    if (codeConcerns || varsChanged || apiNeedsMap || key(withoutCount(w)) !== key(withoutCount(old))) {
      rolls.push({ kind: "roll", pool: w.name });
    }
    if (workers !== current) scales.push({ kind: "scale", pool: w.name, workers });
  }
  const removes: PoolChange[] = byPriority(previous.watchers).reverse()
    .filter((w) => !after.has(w.name)).map((w) => ({ kind: "remove", pool: w.name }));
  const notes = key(next.sockets) === key(previous.sockets)
    ? []
    : ["the API socket (serve.host, serve.port or serve.backlog) changed: restart serve to apply it"];
  const spec = { ...next, watchers: next.watchers.map((w) => watchers.find((x) => x.name === w.name)!) };
  return {
    spec,
    changes: [...adds, ...rolls, ...scales, ...removes],
    notes,
    manifestChanged: input.next !== undefined,
  };
}

function byPriority(watchers: readonly WatcherSpec[]): WatcherSpec[] {
  return [...watchers].sort((a, b) => a.priority - b.priority);
}

function runnerNames(spec: LaunchSpec): string[] {
  return spec.watchers.filter((w) => w.role === "runner").map((w) => w.name).sort();
}

/** What makes a pool's workers differ: not their count, nor which files concern the pool. */
function withoutCount(w: WatcherSpec): Omit<WatcherSpec, "workers" | "reload"> {
  const { workers: _, reload: _reload, ...rest } = w;
  return rest;
}

/** A value as text for comparing, object keys sorted: Deno lists the environment in no fixed order. */
function key(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v: unknown) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
  );
}
