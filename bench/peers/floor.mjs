// The least a supervisor on this runtime can do, for bench/peers.ts's floor
// cases: start, spawn N workers (`node worker.mjs 3`) on the socket it
// inherited as fd 3, read their output, and stop them on SIGTERM. Nothing
// else: no manifest, no bind, no readiness, no logs, no respawn. It spawns
// with the API a supervisor on that runtime must use to hand a worker fd 3:
// Bun.spawn on Bun, node:child_process on Node and on Deno (Deno.Command
// hands over stdin, stdout and stderr only).
//
//   <runtime> floor.mjs NODE WORKER [N=2]
const [node, worker, n = "2"] = process.argv.slice(2);
if (!node || !worker) {
  console.error("usage: floor.mjs NODE WORKER [N]");
  process.exit(2);
}

/** One worker: a way to stop it, and when it is gone. */
async function spawnWorker() {
  const argv = [node, worker, "3"];
  if (globalThis.Bun) {
    const child = globalThis.Bun.spawn(argv, { stdio: ["ignore", "pipe", "pipe", 3] });
    for (const stream of [child.stdout, child.stderr]) void stream.pipeTo(new WritableStream());
    return { stop: () => child.kill("SIGTERM"), exited: child.exited };
  }
  const { spawn } = await import("node:child_process");
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe", 3] });
  child.stdout.resume();
  child.stderr.resume();
  return { stop: () => child.kill("SIGTERM"), exited: new Promise((resolve) => child.once("exit", resolve)) };
}

const workers = [];
for (let i = 0; i < Number(n); i++) workers.push(await spawnWorker());
process.on("SIGTERM", async () => {
  for (const w of workers) w.stop();
  await Promise.all(workers.map((w) => w.exited));
  process.exit(0);
});
