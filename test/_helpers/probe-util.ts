/**
 * Small helpers for the runtime probes (test/_helpers/runtime-*.ts), which run
 * under Node, Bun and Deno: so node:* modules only.
 */
import { readFileSync } from "node:fs";
import { request } from "node:http";

/** Poll `check` every 20 ms until it is true; false after `ms`. */
export async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/** GET / over TCP (`host`, `port`) or a Unix socket (`socketPath`); resolves to the body. */
export function httpGet(target: { host?: string; port?: number; socketPath?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ ...target, path: "/", method: "GET", timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end();
  });
}

/** True while the process `pid` runs: gone or a zombie (dead, not yet reaped) is false. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

/** One JSON line on stdout, read by the test that ran the probe. */
export function report(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

/** Run `main`, report a thrown error as {error}, and exit (the probe must not linger). */
export function runProbe(main: () => Promise<unknown>): void {
  main().then(
    (result) => {
      report({ result });
      process.exit(0);
    },
    (e) => {
      report({ error: e instanceof Error ? e.stack ?? e.message : String(e) });
      process.exit(1);
    },
  );
}
