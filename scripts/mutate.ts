/**
 * Mutation check: does the test suite notice when the core breaks?
 *
 *   node_modules/.bin/bun scripts/mutate.ts            # every mutation
 *   node_modules/.bin/bun scripts/mutate.ts no-respawn # only the ones named
 *
 * For each mutation (a literal search-and-replace in one source file) it copies
 * the checkout to a temp dir (node_modules symlinked), applies the change
 * there, and runs the test files that should catch it with `bun test --bail`.
 * The checkout itself is never touched, so Ctrl+C leaves nothing to restore;
 * the temp dir is removed on exit. A mutation whose search text is no longer
 * in the file is reported loudly as "no longer applies" (the code moved under
 * it: update the table). Exit 1 unless every mutation applied and was killed.
 * Slow (a few minutes): not part of CI.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

interface Mutation {
  readonly name: string;
  readonly file: string;
  /** Exact text to find (each must occur exactly once) and what replaces it. */
  readonly edits: readonly (readonly [search: string, replace: string])[];
  readonly tests: readonly string[];
}

const MUTATIONS: readonly Mutation[] = [
  {
    name: "respawn-id",
    file: "src/core/pool.ts",
    edits: [[
      'slot.restarts += 1;\n      const result = await spawnWorker(slot.id, "current");',
      'slot.restarts += 1;\n      const result = await spawnWorker(slot.id + 1, "current");',
    ]],
    tests: ["test/serve/respawn.test.ts"],
  },
  {
    name: "env-worker-id",
    file: "src/core/spawn-request.ts",
    edits: [["BENTO_WORKER_ID: String(plan.workerId)", 'BENTO_WORKER_ID: "1"']],
    tests: ["test/serve/respawn.test.ts"],
  },
  {
    name: "listen-pid",
    file: "src/core/spawn-request.ts",
    edits: [["'LISTEN_PID=$$; export LISTEN_PID; exec \"$@\"'", "'LISTEN_PID=$PPID; export LISTEN_PID; exec \"$@\"'"]],
    tests: ["test/serve/contract.test.ts", "test/serve/systemd.test.ts"],
  },
  {
    name: "first-error-only",
    file: "src/core/manifest.ts",
    edits: [[
      "if (c.issues.length > 0 || !api) return err(manifestInvalid(file, c.issues));",
      "if (c.issues.length > 0 || !api) return err(manifestInvalid(file, c.issues.slice(0, 1)));",
    ]],
    tests: ["test/serve/errors.test.ts"],
  },
  {
    name: "no-sigterm-on-stop",
    file: "src/core/pool.ts",
    edits: [['for (const w of live) stopWorker(w, "SIGTERM");', "for (const w of live) signalled.add(w.pid);"]],
    tests: ["test/serve/graceful.test.ts"],
  },
  {
    name: "never-signal-workers",
    file: "src/core/pool.ts",
    edits: [
      ['for (const w of live) stopWorker(w, "SIGTERM");', "for (const w of live) signalled.add(w.pid);"],
      ['for (const pid of signalled) runtime.killGroup(pid, "SIGKILL");', "/* no SIGKILL */"],
    ],
    tests: ["test/serve/respawn.test.ts"],
  },
  {
    name: "no-group-kill",
    file: "src/runtime/shared/_process-groups.ts",
    edits: [["process.kill(-pgid, signal);", "process.kill(pgid, signal);"]],
    tests: ["test/serve/systemd.test.ts", "test/serve/stop.test.ts"],
  },
  {
    name: "no-group-kill-on-exit",
    file: "src/core/pool.ts",
    edits: [[
      'runtime.killGroup(worker.pid, "SIGKILL");\n    const tail = worker.stderrTail;',
      "const tail = worker.stderrTail;",
    ]],
    tests: ["test/serve/stop.test.ts"],
  },
  {
    name: "no-respawn",
    file: "src/core/pool.ts",
    edits: [["scheduleRespawn(slot!, decision.delayMs);\n  }", "void decision;\n  }"]],
    tests: ["test/serve/respawn.test.ts"],
  },
  {
    name: "ignore-respawn-veto",
    file: "src/core/pool.ts",
    edits: [["const vetoed = outcome.results.some(", "const vetoed = false && outcome.results.some("]],
    tests: ["test/serve/contract.test.ts"],
  },
  {
    name: "no-halfway-rule",
    file: "src/core/supervisor.ts",
    edits: [["const until = last ? deadline : clock.now() + (deadline - clock.now()) / 2;", "const until = deadline;"]],
    tests: ["test/serve/graceful.test.ts"],
  },
  {
    name: "runners-stop-with-api",
    file: "src/core/supervisor.ts",
    edits: [["const stage = pools.filter((p) => p.priority === priority);", "const stage = i === 0 ? pools : [];"]],
    tests: ["test/serve/graceful.test.ts"],
  },
  {
    name: "start-ignores-stop",
    file: "src/core/pool.ts",
    edits: [[
      "for (let id = 1; id <= spec.workers && !cancelled(); id++) {",
      "for (let id = 1; id <= spec.workers; id++) {",
    ]],
    tests: ["test/serve/stop.test.ts"],
  },
  {
    name: "plugins-before-built-ins",
    file: "src/launch/prepare.ts",
    edits: [
      [
        "  const plugins = [\n    ...mode.plugins(options),",
        "  const plugins = [\n    ...loaded.service.plugins,\n    ...mode.plugins(options),",
      ],
      [
        "    ...(options.metrics ? [monitoringPlugin()] : []),\n    ...loaded.service.plugins,\n",
        "    ...(options.metrics ? [monitoringPlugin()] : []),\n",
      ],
    ],
    tests: ["test/serve/contract.test.ts"],
  },
  {
    name: "stdin-inherited",
    file: "src/core/serve-spec.ts",
    edits: [["keepStdin: false };", "keepStdin: true };"]],
    tests: ["test/serve/contract.test.ts"],
  },
  {
    name: "native-no-worker-header",
    file: "src/worker/_serve-native.ts",
    edits: [["    r.headers.set(WORKER_HEADER, pid);", ""]],
    tests: ["test/worker/runtimes.test.ts"],
  },
  {
    name: "native-stop-without-drain",
    file: "src/worker/_serve-native.ts",
    edits: [["setTimeout(resolve, DRAIN_IDLE_MS)", "setTimeout(resolve, 0)"]],
    tests: ["test/serve/reuseport-load.test.ts"],
  },
  {
    name: "deno-workers-on-node",
    file: "src/core/worker-runtime.ts",
    edits: [['role === "metrics" ? "node" : supervisor', 'role === "metrics" ? "node" : "node"']],
    tests: ["test/serve/no-node.test.ts"],
  },
  {
    name: "backlog-ignored",
    file: "src/core/serve-spec.ts",
    edits: [["port: options.port, backlog: options.backlog }]", "port: options.port, backlog: 511 }]"]],
    tests: ["test/serve/contract.test.ts"],
  },
  {
    name: "no-backlog-env",
    file: "src/core/serve-spec.ts",
    edits: [["BENTO_BACKLOG: String(o.backlog),", ""]],
    tests: ["test/serve/contract.test.ts"],
  },
  {
    name: "rollout-skips-readiness",
    file: "src/core/_pool-ops.ts",
    edits: [["const ready = await within(candidate.settled, p.ready.timeoutMs, false);", "const ready = true;"]],
    tests: ["test/core/control.test.ts"],
  },
  {
    name: "scale-down-lowest-ids",
    file: "src/core/_pool-ops.ts",
    edits: [["for (let id = from; id > to; id--) {", "for (let id = 1; id <= from - to; id++) {"]],
    tests: ["test/core/control.test.ts"],
  },
  {
    name: "veto-fails-the-start",
    file: "src/core/pool.ts",
    edits: [["if (plan.isErr()) return refused(id, role, plan.error);", "if (plan.isErr()) return err(plan.error);"]],
    tests: ["test/core/spawn-veto.test.ts", "test/serve/spawn-veto.test.ts"],
  },
  {
    name: "stop-veto-ignored",
    file: "src/core/pool.ts",
    edits: [["if (state.started) deps.giveUp(error);", "if (state.started && false) deps.giveUp(error);"]],
    tests: ["test/core/spawn-veto.test.ts", "test/serve/spawn-veto.test.ts"],
  },
  {
    name: "signal-skips-hook",
    file: "src/core/pool.ts",
    edits: [['if (signal === "SIGKILL" || !deps.hooks.handles("beforeSignal"))', "if (true)"]],
    tests: ["test/core/lifecycle-hooks.test.ts", "test/serve/lifecycle-hooks.test.ts"],
  },
  {
    name: "pool-stop-unreported",
    file: "src/core/supervisor.ts",
    edits: [["stopped.check(stage);", "void stage;"], ["stopped.check(pools);", "void pools;"]],
    tests: ["test/core/lifecycle-hooks.test.ts", "test/serve/lifecycle-hooks.test.ts"],
  },
  {
    name: "start-line-before-ready",
    file: "src/launch/pipeline.ts",
    edits: [["const ready = await supervisor.whenReady();", "const ready = true;"]],
    tests: ["test/serve/readiness.test.ts"],
  },
  {
    name: "api-before-runners-ready",
    file: "src/core/supervisor.ts",
    edits: [["if (earlier.length > 0) {", "if (earlier.length < 0) {"]],
    tests: ["test/serve/start-order.test.ts"],
  },
  {
    name: "workers-at-supervisor-priority",
    file: "src/core/spawn-request.ts",
    edits: [["const nice = runner.nice ? [NICE", "const nice = runner.nice && false ? [NICE"]],
    tests: ["test/serve/worker-nice.test.ts"],
  },
  {
    name: "bun-notify-fd-leak",
    file: "src/runtime/bun/_spawn.ts",
    edits: [['...(request.notify ? ["socket-fd"] : [])', '...(request.notify ? ["pipe"] : [])'], [
      "closingFd(notifyFd, textOf(bun.file(notifyFd).stream()))",
      "textOf(bun.file(notifyFd).stream())",
    ]],
    tests: ["test/runtime/adapters.test.ts"],
  },
  {
    // serve loads the admin app (Hono, zod) at start instead of at the first admin request.
    name: "admin-app-at-start",
    file: "src/launch/_admin-server.ts",
    edits: [[
      "  const close = async () => {\n    unsubscribe();",
      "  void app();\n  const close = async () => {\n    unsubscribe();",
    ]],
    tests: ["test/pack.test.ts"],
  },
  {
    // Issue 19 item 5: the admin token reaches the workers again (neither the spec nor the spawn strips it).
    name: "admin-token-to-workers",
    file: "src/core/spawn-request.ts",
    edits: [[
      'WITHHELD_ENV: readonly string[] = ["BENTO_ADMIN_TOKEN", "BENTO_SSL_KEYFILE_PASSWORD"];',
      'WITHHELD_ENV: readonly string[] = ["BENTO_SSL_KEYFILE_PASSWORD"];',
    ]],
    tests: ["test/serve/secrets.test.ts"],
  },
  {
    // Issue 19 item 6, by name: the value after a secret flag (`--db-password hunter2`) is shown.
    name: "two-argument-secret-flag-shown",
    file: "src/admin/_redact.ts",
    edits: [[
      'return afterSecretFlag && !item.startsWith("-") ? REDACTED : redactText(item);',
      "return redactText(item);",
    ]],
    tests: ["test/admin/redact.test.ts", "test/serve/secrets.test.ts"],
  },
  {
    // Issue 19 item 6, by shape: a URL's password is shown.
    name: "url-userinfo-shown",
    file: "src/admin/_redact.ts",
    edits: [[".replace(URL_USERINFO, `$1${REDACTED}@`)", ""]],
    tests: ["test/serve/secrets.test.ts"],
  },
  {
    // Issue 19 item 6, what is shown: pools' env values (the supervisor's whole environment) again.
    name: "service-view-env-values",
    file: "src/admin/service-info.ts",
    edits: [["env: namesSet(w.env, o.environ ?? {}),", "env: w.env as never,"]],
    tests: ["test/serve/secrets.test.ts"],
  },
  {
    // Issue 19 item 7: liveness by pid only (a reused pid counts as the service).
    name: "liveness-by-pid-only",
    file: "src/launch/_owner.ts",
    edits: [["return owner.start === undefined || now.start === owner.start;", "return true;"]],
    tests: ["test/serve/stale-instances.test.ts"],
  },
  {
    // Issue 19 item 7: stale instance files stay (with their tokens).
    name: "stale-instance-files-kept",
    file: "src/launch/_instances.ts",
    edits: [["    else removeInstance(path);\n", ""]],
    tests: ["test/serve/stale-instances.test.ts"],
  },
  {
    // Issue 19 item 7: dead instances' run dirs are never swept.
    name: "no-run-dir-sweep",
    file: "src/launch/_resources.ts",
    edits: [["  sweepRunDirs(dir);\n", ""]],
    tests: ["test/serve/stale-instances.test.ts"],
  },
  {
    // Issue 19 item 1: the admin server takes every connection offered (an idle flood uses up the fds).
    name: "admin-connection-cap",
    file: "src/runtime/shared/_guarded-http.ts",
    edits: [["if (open.size >= limits.maxConnections) {", "if (open.size < 0) {"]],
    tests: ["test/admin/flood.test.ts"],
  },
  {
    // Issue 19 item 1: no header timeout (an idle connection is held for ever).
    name: "admin-header-timeout",
    file: "src/runtime/shared/_guarded-http.ts",
    edits: [[
      "= setTimeout(() => socket.destroy(), limits.headerTimeoutMs);",
      "= setTimeout(() => {}, limits.headerTimeoutMs);",
    ]],
    tests: ["test/admin/flood.test.ts"],
  },
  {
    // Issue 19 item 8: spawns never yield to I/O (signals and the admin API wait for the last one).
    name: "spawn-no-yield",
    file: "src/core/pool.ts",
    edits: [["if (++sinceYield < SPAWN_BATCH) return Promise.resolve();", "return Promise.resolve();"]],
    tests: ["test/serve/spawn-yield.test.ts"],
  },
  // Issue 19, items 9-11, 14, 15 (hostile reload, restarts).
  {
    name: "reload-follows-new-symlink",
    file: "src/runtime/shared/_tree-watch.ts",
    edits: [
      [
        'import { lstat, readdir } from "node:fs/promises";',
        'import { stat as lstat, readdir } from "node:fs/promises";',
      ],
    ],
    tests: ["test/serve/reload-hostile.test.ts"],
  },
  {
    name: "manifest-exit-unguarded",
    file: "src/launch/_load-manifest.ts",
    edits: [[
      "withoutExit(() => loadTypeScriptSupport(file)",
      "((f: () => Promise<Record<string, unknown>>) => f())(() => loadTypeScriptSupport(file)",
    ]],
    tests: ["test/serve/reload-hostile.test.ts"],
  },
  {
    name: "reload-reason-hidden",
    file: "src/launch/_reload.ts",
    edits: [[
      "keep serving (${done.error.message}); save again to retry",
      "keep serving; fix the error above and save again",
    ]],
    tests: ["test/serve/reload-hostile.test.ts"],
  },
  {
    name: "reload-files-unsummarised",
    file: "src/core/events.ts",
    edits: [["return files.length <= REPORTED_FILES", "return files.length >= 0"]],
    tests: ["test/serve/reload-hostile.test.ts"],
  },
  {
    name: "event-log-unbounded-bytes",
    file: "src/admin/_event-log.ts",
    edits: [["(kept.length > capacity || bytes > maxBytes)", "(kept.length > capacity)"]],
    tests: ["test/admin/events.test.ts"],
  },
  {
    name: "restart-answers-busy",
    file: "src/core/_pool-ops.ts",
    edits: [[
      "      done = await work();\n    } finally {\n      busy = null;\n    }\n    return done.map(view);",
      "      done = (await work()).map(() => undefined);\n      return done.map(view);\n    } finally {\n      busy = null;\n    }\n    return done.map(view);",
    ]],
    tests: ["test/serve/restart-finish.test.ts"],
  },
  {
    name: "restart-not-counted",
    file: "src/core/_pool-ops.ts",
    edits: [["    slot.restarts += 1; // a restart asked for counts", "    // a restart asked for counts"]],
    tests: ["test/serve/restart-finish.test.ts"],
  },
  {
    name: "restart-stops-at-vetoed",
    file: "src/core/_pool-ops.ts",
    edits: [['if (vetoed && slot?.vetoed && !slot.current) return ok("skipped");', "void vetoed;"]],
    tests: ["test/serve/restart-finish.test.ts"],
  },
  {
    name: "dedupe-live-predecessor",
    file: "src/cli/terminal/_crash-dedupe.ts",
    edits: [[
      "const previous = lastRecord.get(key);",
      "const previous = [...slots.values()].find((o) => o.key === key)?.record ?? lastRecord.get(key);",
    ]],
    tests: ["test/cli/crash-dedupe.test.ts"],
  },
  {
    // Issue 19 item 2: a reservation bound with SO_REUSEPORT set before the bind lets a second service join the port.
    name: "reuseport-before-bind",
    file: "src/runtime/libc/_libc-socket.ts",
    edits: [[
      "  let bound = libc.bind(fd, addr, addr.length);\n",
      '  if (spec.kind === "tcp" && spec.reusePort) libc.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, one, 4);\n' +
      "  let bound = libc.bind(fd, addr, addr.length);\n",
    ]],
    tests: ["test/serve/port-sharing.test.ts"],
  },
  {
    // Issue 19 item 2: a reservation that never retries with SO_REUSEADDR cannot restart past the last run's TIME_WAIT.
    name: "reservation-no-time-wait-retry",
    file: "src/runtime/libc/_libc-socket.ts",
    edits: [["if (bound < 0 && reserve && libc.errno() === EADDRINUSE) {", "if (false) {"]],
    tests: ["test/grpc/reserve.test.ts"],
  },
  {
    // Issue 19 item 2 on Node: a reservation not made SO_REUSEPORT after its bind is not held (Node 20) or lets a second service join (Node >= 22.12).
    name: "node-reservation-not-held",
    file: "src/runtime/node/mod.ts",
    edits: [["const set = reusePortInChild(b.handle.fd);", "const set = false && reusePortInChild(b.handle.fd);"]],
    tests: ["test/serve/port-sharing.test.ts"],
  },
  {
    // Issue 19 item 12: runners whose names export as one component name overwrite each other.
    name: "export-name-clash",
    file: "src/export/topology.ts",
    edits: [["    yield* distinctNames(loaded);\n", "    void distinctNames;\n"]],
    tests: ["test/scaleout/export.test.ts"],
  },
  {
    // Issue 19 item 13: the runner map as a plain object drops a runner called __proto__.
    name: "runner-map-prototype",
    file: "plugins/runner-map.ts",
    edits: [["Object.assign(Object.create(null), remote)", "{ ...remote }"]],
    tests: ["test/serve/object-property-names.test.ts"],
  },
  {
    // Issue 19 item 13: `name in map` finds toString on any plain object: the missing-runner check passes.
    name: "runner-map-input-prototype",
    file: "src/core/runner-map-input.ts",
    edits: [
      ["  const map: Record<string, string> = Object.create(null);", "  const map: Record<string, string> = {};"],
      ["!Object.hasOwn(map, name)", "!(name in map)"],
    ],
    tests: ["test/serve/object-property-names.test.ts"],
  },
  {
    // Issue 19 item 13: the worker's runner map as a plain object drops a runner called __proto__.
    name: "worker-runner-map-prototype",
    file: "src/worker/_env.ts",
    edits: [[
      "  const map: Record<string, string> = Object.create(null);",
      "  const map: Record<string, string> = {};",
    ]],
    tests: ["test/serve/object-property-names.test.ts"],
  },
  {
    // A worker's escaped processes are no longer swept when it exits (only at service stop): issue 19 item 3.
    name: "no-worker-escape-sweep",
    file: "src/core/pool.ts",
    edits: [["if (tag) deps.escapes?.sweep(tag, spec.gracefulTimeout * 1000);", ""]],
    tests: ["test/serve/escaped-per-worker.test.ts"],
  },
  {
    // Deno reads /proc through node:fs again: NotCapable with the README's flags (issue 19 item 4).
    name: "deno-procfs-node-fs",
    file: "src/runtime/deno/mod.ts",
    edits: [[
      'createFfiRuntime("deno", openLibc, spawnProcess, libcProcFs())',
      'createFfiRuntime("deno", openLibc, spawnProcess)',
    ]],
    tests: ["test/serve/deno-least-permissions.test.ts"],
  },
  {
    // The event history starts with the admin server again: start-up's spawns are not replayed (issue 22 item 3).
    name: "events-from-admin-start",
    file: "src/launch/_admin.ts",
    edits: [["log: o.history.log,", "log: undefined,"]],
    tests: ["test/admin/dashboard.test.ts"],
  },
  {
    // The sampler never reads the workers' metrics sockets: no request rate on the charts (issue 22 item 1).
    name: "sampler-no-requests",
    file: "src/launch/_sampler.ts",
    edits: [["const scrape = o.metricsDir !== undefined &&", "const scrape = false &&"]],
    tests: ["test/admin/dashboard.test.ts"],
  },
  {
    // A rolling restart leaves no mark on the charts (issue 22 item 2).
    name: "no-restart-marks",
    file: "src/admin/_dashboard-charts.ts",
    edits: [['restart: "restart", scale: "scale"', 'scale: "scale"']],
    tests: ["test/admin/dashboard.test.ts"],
  },
];

/**
 * A mutant may leave workers running (that is what some mutations break):
 * kill, by pid and process group, every process whose command line names the copy.
 */
function killStrays(copy: string): void {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmd: string;
    let pgid: number;
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    } catch {
      continue;
    }
    if (!cmd.includes(copy)) continue;
    for (const target of pgid === Number(entry) ? [-pgid, Number(entry)] : [Number(entry)]) {
      try {
        process.kill(target, "SIGKILL");
      } catch { /* gone */ }
    }
  }
}

const ROOT = resolve(import.meta.dir, "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const wanted = process.argv.slice(2);
const chosen = wanted.length > 0 ? MUTATIONS.filter((m) => wanted.includes(m.name)) : MUTATIONS;
const unknown = wanted.filter((w) => !MUTATIONS.some((m) => m.name === w));
if (unknown.length > 0) {
  console.error(`Unknown mutation(s): ${unknown.join(", ")}. Known: ${MUTATIONS.map((m) => m.name).join(", ")}`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "bento-kit-mutate-"));
const removeWork = () => rmSync(work, { recursive: true, force: true });
process.on("exit", removeWork);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));

interface Row {
  name: string;
  tests: string;
  outcome: "killed" | "SURVIVED" | "NO LONGER APPLIES";
  detail: string;
  seconds: number;
}
const rows: Row[] = [];

for (const m of chosen) {
  const t0 = Date.now();
  const copy = join(work, m.name);
  cpSync(ROOT, copy, { recursive: true, filter: (src) => !/\/(node_modules|\.git)$/.test(src) });
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  const target = join(copy, m.file);
  let text = existsSync(target) ? readFileSync(target, "utf8") : undefined;
  const missing = text === undefined
    ? `${m.file} does not exist`
    : m.edits.map(([search]) => search).find((search) => text!.split(search).length !== 2);
  if (missing !== undefined) {
    const why = text === undefined
      ? missing
      : `search text not found exactly once in ${m.file}: ${JSON.stringify(missing)}`;
    console.error(`\n!!! mutation ${m.name} no longer applies: ${why}\n`);
    rows.push({ name: m.name, tests: m.tests.join(" "), outcome: "NO LONGER APPLIES", detail: why, seconds: 0 });
    rmSync(copy, { recursive: true, force: true });
    continue;
  }
  for (const [search, replace] of m.edits) text = text!.replace(search, () => replace);
  writeFileSync(target, text!);
  console.log(`== ${m.name}: ${m.file}; running ${m.tests.join(" ")}`);
  const run = spawnSync("timeout", ["600", BUN, "test", "--bail", ...m.tests], {
    cwd: copy,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const out = `${run.stdout}${run.stderr}`;
  const failed = [...out.matchAll(/^\(fail\) (.*?)(?: \[[\d.]+m?s\])?$/gm)].map((x) => x[1]!);
  const killed = run.status !== 0;
  const logFile = join(tmpdir(), `bento-kit-mutate-${m.name}.log`);
  writeFileSync(logFile, out);
  const detail = failed[0] ?? (killed ? `bun test exited ${run.status ?? run.signal}` : "every test passed");
  rows.push({
    name: m.name,
    tests: m.tests.join(" "),
    outcome: killed ? "killed" : "SURVIVED",
    detail,
    seconds: (Date.now() - t0) / 1000,
  });
  console.log(
    `   ${killed ? "killed" : "SURVIVED"} (${rows.at(-1)!.seconds.toFixed(0)} s): ${detail}; full output in ${logFile}`,
  );
  killStrays(copy);
  rmSync(copy, { recursive: true, force: true });
}

const header = ["mutation", "tests run", "killed?", "first failing test"];
const table = [
  header,
  ...rows.map((
    r,
  ) => [r.name, r.tests, r.outcome === "killed" ? `yes (${r.seconds.toFixed(0)} s)` : r.outcome, r.detail]),
];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
console.log("");
for (const [i, row] of table.entries()) {
  console.log(`| ${row.map((cell, j) => cell.padEnd(widths[j]!)).join(" | ")} |`);
  if (i === 0) console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
}
const bad = rows.filter((r) => r.outcome !== "killed");
console.log(
  `\n${rows.length - bad.length} of ${rows.length} mutations killed${
    bad.length ? `; not killed: ${bad.map((r) => `${r.name} (${r.outcome})`).join(", ")}` : ""
  }`,
);
process.exit(bad.length === 0 ? 0 : 1);
