/**
 * The kept-alive connections to one runner, and which one each call takes.
 *
 * All workers of a runner accept on one shared socket, so an address cannot
 * pick a worker: a connection reaches whichever worker accepted it. One
 * kept-alive connection would send every sequential call to the same worker
 * (with one GPU per worker, the others idle). So the pool learns which worker
 * each connection reached from the answer's `x-bento-worker-pid` header (the
 * `serve()` of bento-kit/worker sets it), opens new connections while they
 * keep reaching workers it has not seen, and gives each call an idle
 * connection to the worker that was called longest ago. Runners that do not
 * name themselves get spread by recycling: a connection is closed after
 * RECYCLE_AFTER calls, and its successor lands on any worker. A look that
 * finds no new worker doubles the calls until the next one (LOOK_AGAIN_EVERY
 * up to LOOK_AGAIN_MAX): each look opens MAX_MISSES connections, which at a
 * fixed interval of 64 calls was one new connection every 3 calls. A failed
 * call or a new worker found starts again from LOOK_AGAIN_EVERY. All this is for
 * sequential calls: a call made while another is in flight takes a shared
 * keep-alive agent instead (concurrent connections spread over the accepting
 * workers by themselves, and the bookkeeping would halve the throughput).
 */
import { Agent } from "node:http";

/** The answer header naming the worker process that answered. */
export const WORKER_HEADER = "x-bento-worker-pid";
/** New connections that reach an already known worker in a row before the pool stops looking. */
const MAX_MISSES = 32;
/** Calls after which the pool looks for workers again (one may have been added or replaced). */
const LOOK_AGAIN_EVERY = 64;
/** The longest interval between looks, once looks keep finding no new worker. */
const LOOK_AGAIN_MAX = 4096;
/** Idle connections kept per worker (more are opened for concurrent calls, then closed). */
const IDLE_PER_WORKER = 4;
/** Calls a connection serves before it is replaced, for runners that do not name their worker. */
const RECYCLE_AFTER = 16;

export interface Connection {
  readonly agent: Agent;
}

interface Slot extends Connection {
  readonly id: number;
  worker: string | undefined;
  busy: boolean;
  uses: number;
  looking: boolean;
}

export interface ConnectionPool {
  /** A connection for one call (marked busy until released). */
  acquire(): Connection;
  /** A connection never used before, for a retry. */
  acquireFresh(): Connection;
  /** The call on `connection` ended; `worker` answered it (undefined: unknown or failed). */
  release(connection: Connection, outcome: { readonly ok: boolean; readonly worker?: string }): void;
  close(): void;
}

/** `idleMs`: how long an idle connection is kept (below the runner's keep-alive timeout). */
export function createConnectionPool(idleMs: number): ConnectionPool {
  const shared: Connection = { agent: new Agent({ keepAlive: true, timeout: idleMs }) };
  let inFlight = 0;
  const slots: Slot[] = [];
  const lastCalled = new Map<string, number>();
  let nextId = 0;
  let calls = 0;
  let named = false;
  let looking = true;
  let misses = 0;
  /** Calls from the end of a look to the next one. */
  let lookEvery = LOOK_AGAIN_EVERY;
  let lookedAt = 0;
  /** Whether the current look found a worker no other connection had reached. */
  let found = false;
  const lookAgain = (): void => {
    [looking, misses, found, lookEvery] = [true, 0, false, LOOK_AGAIN_EVERY];
  };

  const keyOf = (slot: Slot): string => slot.worker ?? `connection ${slot.id}`;
  const open = (lookingForWorker: boolean): Slot => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, timeout: idleMs });
    const slot: Slot = { id: nextId++, agent, worker: undefined, busy: true, uses: 0, looking: lookingForWorker };
    slots.push(slot);
    return slot;
  };
  const drop = (slot: Slot): void => {
    slot.agent.destroy();
    slots.splice(slots.indexOf(slot), 1);
    lastCalled.delete(`connection ${slot.id}`);
  };

  function acquire(): Connection {
    inFlight += 1;
    if (inFlight > 1) return shared;
    calls += 1;
    if (!looking && calls - lookedAt >= lookEvery) [looking, misses, found] = [true, 0, false];
    const idle = slots.filter((s) => !s.busy);
    if (idle.length === 0 || (named && looking)) return open(named);
    const oldest = (s: Slot): number => lastCalled.get(keyOf(s)) ?? -1;
    const slot = idle.reduce((best, s) => (oldest(s) < oldest(best) ? s : best));
    if (!named && slot.uses >= RECYCLE_AFTER) {
      drop(slot);
      return open(false);
    }
    slot.busy = true;
    return slot;
  }

  function release(connection: Connection, outcome: { readonly ok: boolean; readonly worker?: string }): void {
    inFlight = Math.max(0, inFlight - 1);
    if (connection === shared) {
      if (!outcome.ok) lookAgain();
      return;
    }
    const slot = connection as Slot;
    slot.busy = false;
    slot.uses += 1;
    if (!outcome.ok) {
      // A worker may have died and been replaced: look for workers again.
      drop(slot);
      lookAgain();
      return;
    }
    if (outcome.worker !== undefined) named = true;
    const known = outcome.worker !== undefined && slots.some((s) => s !== slot && s.worker === outcome.worker);
    if (slot.looking) {
      slot.looking = false;
      misses = known ? misses + 1 : 0;
      if (!known) found = true;
      if (misses >= MAX_MISSES) {
        looking = false;
        lookedAt = calls;
        lookEvery = found ? LOOK_AGAIN_EVERY : Math.min(LOOK_AGAIN_MAX, lookEvery * 2);
      }
    }
    slot.worker = outcome.worker;
    lastCalled.set(keyOf(slot), calls);
    const idleSame = slots.filter((s) => !s.busy && s.worker !== undefined && s.worker === slot.worker);
    if (idleSame.length > IDLE_PER_WORKER) drop(slot);
  }

  return {
    acquire,
    acquireFresh: () => (inFlight += 1, open(false)),
    release,
    close: () => {
      for (const slot of slots.splice(0)) slot.agent.destroy();
      shared.agent.destroy();
    },
  };
}
