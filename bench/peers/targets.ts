/**
 * Issue 10's targets for bento-kit against the lone worker, circus and pm2,
 * each a ratio or a bound checked on the medians of one run.
 */
import { fmt } from "../_lib/mod.ts";

/** Medians of one case (NaN when it was not run). */
export interface Medians {
  readonly coldMs: number;
  readonly rssMiB: number;
  readonly rps: number;
}

export interface TargetRow {
  readonly target: string;
  readonly measured: string;
  readonly result: "pass" | "miss" | "not run";
}

type Of = (name: string) => Medians;

const judge = (
  value: number,
  ok: (v: number) => boolean,
): TargetRow["result"] => (Number.isFinite(value) ? (ok(value) ? "pass" : "miss") : "not run");

const atMost = (target: string, value: number, limit: number, show: (v: number) => string): TargetRow => ({
  target,
  measured: show(value),
  result: judge(value, (v) => v <= limit),
});
const atLeast = (target: string, value: number, limit: number, show: (v: number) => string): TargetRow => ({
  target,
  measured: show(value),
  result: judge(value, (v) => v >= limit),
});

const x = (v: number): string => `${fmt(v, 2)}x`;
const mib = (v: number): string => `${fmt(v, 1)} MiB`;

/** Issue 10's bounds by supervisor runtime: cold start against the lone worker's, and idle RSS. */
const BOUNDS = {
  node: { cold: 2, rssMiB: 55 },
  bun: { cold: 1.5, rssMiB: 40 },
  deno: { cold: 1.5, rssMiB: 50 },
} as const;

export function targets(of: Of): TargetRow[] {
  const cold = (a: string, b: string): number => of(`bento-kit ${a}`).coldMs / of(b).coldMs;
  const rps = (rt: string, b: string): number => of(`bento-kit ${rt}`).rps / of(b).rps;
  return [
    atMost(
      `Node supervisor cold start ≤ ${BOUNDS.node.cold}× the lone worker's`,
      cold("node", "alone"),
      BOUNDS.node.cold,
      x,
    ),
    atMost("Node supervisor cold start ≤ circus's", cold("node", "circus"), 1, x),
    atMost(
      `Bun supervisor cold start ≤ ${BOUNDS.bun.cold}× the lone worker's`,
      cold("bun", "alone"),
      BOUNDS.bun.cold,
      x,
    ),
    atMost(
      `Deno supervisor cold start ≤ ${BOUNDS.deno.cold}× the lone worker's`,
      cold("deno", "alone"),
      BOUNDS.deno.cold,
      x,
    ),
    atMost(
      `Node supervisor idle RSS ≤ ${BOUNDS.node.rssMiB} MiB`,
      of("bento-kit node").rssMiB,
      BOUNDS.node.rssMiB,
      mib,
    ),
    atMost("Node supervisor idle RSS ≤ pm2's daemon", of("bento-kit node").rssMiB / of("pm2").rssMiB, 1, x),
    atMost(`Bun supervisor idle RSS ≤ ${BOUNDS.bun.rssMiB} MiB`, of("bento-kit bun").rssMiB, BOUNDS.bun.rssMiB, mib),
    atMost(
      `Deno supervisor idle RSS ≤ ${BOUNDS.deno.rssMiB} MiB`,
      of("bento-kit deno").rssMiB,
      BOUNDS.deno.rssMiB,
      mib,
    ),
    ...["node", "bun", "deno"].flatMap((rt) => [
      atLeast(`Pool throughput (${rt} supervisor) ≥ circus's`, rps(rt, "circus"), 1, x),
      atLeast(`Pool throughput (${rt} supervisor) ≥ 1.3× pm2's`, rps(rt, "pm2"), 1.3, x),
    ]),
  ];
}

/**
 * Each runtime's floor (bench/peers/floor.mjs: the runtime, its spawn API and
 * 2 workers, nothing else) beside bento-kit on it and the bound: what
 * bento-kit adds is its own cost; a floor already past the bound leaves no
 * room for any supervisor on that runtime.
 */
export function floorRows(of: Of): string[][] {
  return (Object.keys(BOUNDS) as (keyof typeof BOUNDS)[]).map((rt) => {
    const alone = of("alone").coldMs;
    const base = of(`floor ${rt}`);
    const kit = of(`bento-kit ${rt}`);
    const bound = BOUNDS[rt];
    /** What a supervisor may add over the floor within `limit`. */
    const room = (floorValue: number, limit: number, show: (v: number) => string): string =>
      !Number.isFinite(floorValue)
        ? "not run"
        : floorValue > limit
        ? "none (the floor is past it)"
        : show(limit - floorValue);
    return [
      rt,
      `${fmt(base.coldMs)} ms = ${x(base.coldMs / alone)}`,
      `${fmt(kit.coldMs)} ms = ${x(kit.coldMs / alone)}`,
      `+${fmt(kit.coldMs - base.coldMs)} ms`,
      `≤ ${bound.cold}x; room ${room(base.coldMs / alone, bound.cold, (v) => `${fmt(v * alone)} ms`)}`,
      mib(base.rssMiB),
      mib(kit.rssMiB),
      `+${fmt(kit.rssMiB - base.rssMiB, 1)} MiB`,
      `≤ ${bound.rssMiB} MiB; room ${room(base.rssMiB, bound.rssMiB, mib)}`,
    ];
  });
}
