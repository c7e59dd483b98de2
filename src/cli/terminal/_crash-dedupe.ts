/**
 * A crash loop prints the same traceback at every start. Each process (by
 * pid) has its record; when it ends, its worker slot (pool and id, kept
 * across respawns) remembers that record, and while the slot's next process
 * prints exactly the same lines in the same order they are held back. Keyed
 * on the pid, not the slot: in a rolling restart the old process and its
 * replacement print at once, and the old one's last line must not end the new
 * one's record. When it exits having printed nothing else, one
 * line replaces them: `(same 37 lines as the previous start, not shown again;
 * 3 times in a row)`. As soon as a line differs, or held lines wait longer
 * than `holdMs` while the process lives on (a worker that started fine), the
 * held lines are printed as they came, with their own times. So the first
 * full output is always shown, and so is every start that differs from the
 * one before it. Pure: time comes in as an argument.
 */
import type { WorkerLine } from "../../core/types.ts";

type Stream = "stdout" | "stderr";
export type Who = Omit<WorkerLine, "text">;

export interface DedupeSink {
  line(stream: Stream, from: WorkerLine, date: Date): void;
  note(who: Who, message: string, date: Date): void;
}

export interface DedupeOptions {
  /** How long matching lines of a live process are held (ms). */
  readonly holdMs?: number;
  /** Outputs longer than this are not compared (a crash report is short). */
  readonly maxLines?: number;
}

interface Held {
  readonly stream: Stream;
  readonly from: WorkerLine;
  readonly date: Date;
}

interface Slot {
  /** The worker slot: pool and id. */
  readonly key: string;
  readonly pid: number;
  /** What this process printed so far (stream and text), up to maxLines. */
  readonly record: string[];
  overflow: boolean;
  /** The previous process's record, when it is comparable. */
  readonly previous?: readonly string[];
  /** Still printing exactly what the previous process printed. */
  matching: boolean;
  readonly held: Held[];
  ended: boolean;
  /** Identical starts in a row before this one. */
  readonly streak: number;
}

export interface CrashDedupe {
  line(stream: Stream, from: WorkerLine, now: number): void;
  /** The process `who.pid` exited (its last line came before). */
  exited(who: Who, now: number): void;
  /** Print lines held longer than holdMs. */
  tick(now: number): void;
  /** Whether any line is held back (only then does `tick` have work). */
  holding(): boolean;
  /** End of the run: settle every slot. */
  flush(now: number): void;
}

export function createCrashDedupe(sink: DedupeSink, options: DedupeOptions = {}): CrashDedupe {
  const holdMs = options.holdMs ?? 2000;
  const maxLines = options.maxLines ?? 200;
  /** Live processes by pid. */
  const slots = new Map<number, Slot>();
  /** What each worker slot's last ended process printed (undefined when too long to compare). */
  let lastRecord = new Map<string, readonly string[] | undefined>();
  let repeats = new Map<string, number>();
  /** Lines held back across every slot. */
  let heldLines = 0;

  function release(slot: Slot): void {
    slot.matching = false;
    heldLines -= slot.held.length;
    for (const h of slot.held.splice(0)) sink.line(h.stream, h.from, h.date);
  }

  function end(slot: Slot, now: number): void {
    if (slot.ended) return;
    slot.ended = true;
    slots.delete(slot.pid);
    const key = slot.key;
    lastRecord.set(key, slot.overflow ? undefined : slot.record);
    const same = slot.matching && slot.previous !== undefined && slot.previous.length > 0 &&
      slot.record.length === slot.previous.length;
    if (!same) {
      release(slot);
      repeats.delete(key);
      return;
    }
    const times = slot.streak + 1;
    repeats.set(key, times);
    const first = slot.held[0]!.from;
    heldLines -= slot.held.length;
    slot.held.length = 0;
    sink.note(
      { pool: first.pool, workerId: first.workerId, pid: first.pid },
      `(same ${slot.record.length} lines as the previous start, not shown again; ${
        times === 1 ? "once" : `${times} times in a row`
      })`,
      new Date(now),
    );
  }

  return {
    line(stream, from, now) {
      const key = `${from.pool}\0${from.workerId}`;
      let slot = slots.get(from.pid);
      if (!slot) {
        const previous = lastRecord.get(key);
        slot = {
          key,
          pid: from.pid,
          record: [],
          overflow: false,
          previous,
          matching: previous !== undefined,
          held: [],
          ended: false,
          streak: repeats.get(key) ?? 0,
        };
        slots.set(from.pid, slot);
      }
      const entry = `${stream}:${from.text}`;
      if (slot.record.length < maxLines) slot.record.push(entry);
      else slot.overflow = true;
      if (slot.matching && !slot.ended && slot.previous?.[slot.record.length - 1] === entry && !slot.overflow) {
        slot.held.push({ stream, from, date: new Date(now) });
        heldLines += 1;
        return;
      }
      if (slot.matching) release(slot);
      sink.line(stream, from, new Date(now));
    },
    exited(who, now) {
      const slot = slots.get(who.pid);
      if (slot) end(slot, now);
    },
    tick(now) {
      for (const slot of slots.values()) {
        if (!slot.ended && slot.held.length > 0 && now - slot.held[0]!.date.getTime() >= holdMs) release(slot);
      }
    },
    holding: () => heldLines > 0,
    flush(now) {
      for (const slot of [...slots.values()]) end(slot, now);
      repeats = new Map();
      lastRecord = new Map();
    },
  };
}
