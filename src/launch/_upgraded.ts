/**
 * Hot upgrade, the new supervisor's side: an upgrade (_upgrade.ts) starts it
 * with the sockets to adopt and a pipe in BENTO_UPGRADE_FD. It writes one line
 * there: `READY=1` once every worker is ready (the old supervisor then drains
 * and exits), or `FAILED=why` when it cannot start (the old one keeps
 * serving). Then the pipe is closed; the old supervisor may already be gone
 * (killed mid-upgrade): this one serves on.
 */
import { closeSync, writeSync } from "node:fs";
import { UPGRADE_FD_ENV } from "./_activation.ts";

let predecessorPid: { readonly pid: number | undefined } | undefined;

/**
 * The supervisor this one takes over from (its parent), when this start is an upgrade. Read on
 * first use, not at load: Deno's `--help` runs with no env permission.
 */
export function predecessor(): number | undefined {
  predecessorPid ??= { pid: process.env[UPGRADE_FD_ENV] === undefined ? undefined : process.ppid };
  return predecessorPid.pid;
}

/** Tell the supervisor being replaced how this start went (nothing when this start is no upgrade). */
export function reportToPredecessor(line: "READY=1" | `FAILED=${string}`): void {
  predecessor(); // read before the variable goes
  const raw = process.env[UPGRADE_FD_ENV];
  delete process.env[UPGRADE_FD_ENV];
  if (raw === undefined || !/^\d+$/.test(raw)) return;
  const fd = Number(raw);
  try {
    // One line: a manifest's problems, listed one per line, are joined.
    writeSync(fd, `${line.split("\n").map((l) => l.trim()).filter(Boolean).join(" ")}\n`);
  } catch { /* the old supervisor is gone: nobody to tell */ }
  try {
    closeSync(fd);
  } catch { /* already closed */ }
}
