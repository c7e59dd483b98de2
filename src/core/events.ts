/**
 * What the supervisor does, as data: one union for every observer (the admin
 * server's event stream, the CLI log, monitoring plugins, the `onEvent` hook).
 */
import type { WorkerExit } from "./types.ts";

/** A worker's life: `starting` until it signals ready, `stopping` once asked to stop. */
export type WorkerState = "starting" | "ready" | "stopping";

/** A worker slot (an id) with no live process: waiting to be respawned, stopped, or kept down by a plugin's `beforeSpawn` veto. */
export type SlotState = WorkerState | "backoff" | "stopped" | "vetoed";

export type SupervisorEvent =
  | { readonly type: "spawn"; readonly pool: string; readonly workerId: number; readonly pid: number }
  | {
    readonly type: "ready";
    readonly pool: string;
    readonly workerId: number;
    readonly pid: number;
    readonly afterMs: number;
    readonly how: ReadyCause;
  }
  | {
    readonly type: "not-ready";
    readonly pool: string;
    readonly workerId: number;
    readonly pid: number;
    readonly afterMs: number;
  }
  | { readonly type: "exit"; readonly exit: WorkerExit; readonly reason: string }
  | { readonly type: "respawn-scheduled"; readonly pool: string; readonly workerId: number; readonly delayMs: number }
  | { readonly type: "give-up"; readonly pool: string; readonly message: string }
  | {
    readonly type: "spawn-vetoed";
    readonly pool: string;
    readonly workerId: number;
    readonly plugin: string;
    readonly message: string;
    readonly stop: boolean;
  }
  | { readonly type: "pool-stopped"; readonly pool: string }
  | { readonly type: "scale"; readonly pool: string; readonly from: number; readonly to: number }
  | {
    readonly type: "restart";
    readonly pool: string;
    readonly workerId?: number;
    readonly phase: "begin" | "done" | "failed";
    readonly message?: string;
  }
  | { readonly type: "stop"; readonly phase: "stopping" | "stopped" }
  | ReloadEvent
  | UpgradeEvent;

/**
 * `bento-kit upgrade` (or SIGUSR2), told by the supervisor being replaced:
 * `begin` (a new supervisor started, `pid`), then `ready` (its workers are
 * ready: this one hands over and drains) or `failed` (`message`; this one keeps serving).
 */
export interface UpgradeEvent {
  readonly type: "upgrade";
  readonly phase: "begin" | "ready" | "failed";
  /** The new supervisor's pid, once it started. */
  readonly pid?: number;
  readonly message?: string;
}

/**
 * `serve --reload`: files changed (`files`, relative to the watched directory);
 * `bento-kit reload` or SIGHUP: every pool rolls, onto the TLS files read
 * again (`files`: the certificate, key and password file; `certificate`: the
 * one now served). `begin` then `done`, or `failed` when a replacement did
 * not become ready, the edited manifest is invalid or the new certificate
 * fails its check (the running workers keep serving, with the old one).
 */
export interface ReloadEvent {
  readonly type: "reload";
  readonly phase: "begin" | "done" | "failed";
  /** The first `REPORTED_FILES` files changed; `moreFiles` says how many more there were. */
  readonly files: readonly string[];
  readonly moreFiles?: number;
  readonly message?: string;
  /** A reload that rotates the TLS certificate: the new one (begin, done). */
  readonly certificate?: CertificateView;
}

/** A served certificate as events and the admin API show it. */
export interface CertificateView {
  readonly certfile: string;
  /** Hex, as `openssl x509 -serial` prints it. */
  readonly serial: string;
  /** ISO 8601. */
  readonly notAfter: string;
}

/** Files a reload event lists: a `mv` of 200 000 files must not make events of megabytes. */
export const REPORTED_FILES = 20;

/** `files` as a reload event carries them: the first REPORTED_FILES, and how many more. */
export function reportedFiles(files: readonly string[]): { files: readonly string[]; moreFiles?: number } {
  return files.length <= REPORTED_FILES
    ? { files }
    : { files: files.slice(0, REPORTED_FILES), moreFiles: files.length - REPORTED_FILES };
}

/** How a worker became ready: it said so, printed its ready line, or its delay passed. */
export type ReadyCause = "notify" | "log" | "delay";

export type SupervisorEventType = SupervisorEvent["type"];
