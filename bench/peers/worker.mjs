// The plain Node worker every supervisor in bench/peers.ts runs: node:http, no
// tsx, no Hono, nothing from bento-kit. It answers every request with "hello"
// and names its pid in `x-bento-worker-pid`.
//
// Where it listens, first match wins:
//   node worker.mjs FD      an inherited listening socket (circus: $(circus.sockets.web), bento-kit: {fd})
//   LISTEN_FDS=1            the systemd protocol: fd 3 (the lone worker started by the bench)
//   PORT=N                  127.0.0.1:N itself (pm2's cluster mode shares it through the primary)
// Under bento-kit it also writes READY=1 to BENTO_READY_FD once it listens (the worker contract).
// SIGTERM and SIGINT end it at once (Node's default), under every supervisor alike.
import { writeSync } from "node:fs";
import { createServer } from "node:http";

const pid = String(process.pid);
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/plain", "x-bento-worker-pid": pid });
  res.end("hello\n");
});

function where() {
  if (process.argv[2] !== undefined) return { fd: Number(process.argv[2]) };
  if (process.env.LISTEN_FDS !== undefined) return { fd: 3 };
  if (process.env.PORT !== undefined) return { port: Number(process.env.PORT), host: "127.0.0.1" };
  console.error("worker.mjs: give an fd argument, LISTEN_FDS or PORT");
  process.exit(2);
}

server.listen(where(), () => {
  if (process.env.BENTO_READY_FD !== undefined) writeSync(Number(process.env.BENTO_READY_FD), "READY=1\n");
  console.log(`peer worker (pid ${pid}) ready`);
});
