// A worker that knows nothing of bento-kit: it finds its socket the way
// sd_listen_fds(3) does (LISTEN_PID must be its own pid, fds from 3), starts a
// grandchild (to check that stop reaches it), and answers with what it got.
import { spawn } from "node:child_process";
import { createServer } from "node:http";

const fds = Number(process.env.LISTEN_PID) === process.pid ? Number(process.env.LISTEN_FDS ?? 0) : 0;
if (fds < 1) {
  console.error(
    `no sockets: LISTEN_PID=${process.env.LISTEN_PID} pid=${process.pid} LISTEN_FDS=${process.env.LISTEN_FDS}`,
  );
  process.exit(3);
}
const grandchild = spawn("sleep", ["300"], { stdio: "ignore" });
const info = {
  pid: process.pid,
  grandchild: grandchild.pid,
  workerId: process.env.BENTO_WORKER_ID,
  fdNames: process.env.LISTEN_FDNAMES,
  runnerMap: process.env.BENTO_RUNNER_MAP ?? null,
  argv: process.argv.slice(2),
  custom: process.env.CUSTOM ?? null,
};
createServer((_req, res) => {
  res.setHeader("x-bento-worker-pid", String(process.pid));
  res.end(JSON.stringify(info));
}).listen({ fd: 3 }, () => console.log(`sd worker ${info.workerId} listening, grandchild ${grandchild.pid}`));
process.on("SIGTERM", () => process.exit(0));
