// Run under Node (node --import tsx). A held reservation (perl on PATH, or
// Node >= 22.12) keeps plain binds out and lets a worker's SO_REUSEPORT
// listener join. A reservation this Node cannot hold
// (libuv < 1.49: no SO_REUSEPORT) keeps its port checked out until the next
// spawn: a plain bind of that port (python3, no SO_REUSEADDR, which libuv
// would set) fails before the spawn and works after it. Prints what each did.
import { spawnSync } from "node:child_process";
import { createNodeRuntime } from "../../src/runtime/node/mod.ts";
import type { SocketSpec } from "../../src/core/types.ts";

const reserve = {
  kind: "tcp",
  name: "runner",
  host: "127.0.0.1",
  port: 0,
  backlog: 16,
  reusePort: true,
  reserve: true,
} as unknown as SocketSpec;
const BIND =
  "import socket, sys\ntry:\n socket.socket().bind(('127.0.0.1', int(sys.argv[1]))); print('free')\nexcept OSError as e:\n print('EADDRINUSE' if e.errno == 98 else str(e))";
const tryBind = (port: number) => spawnSync("python3", ["-c", BIND, String(port)], { encoding: "utf8" }).stdout.trim();
/** A worker's listener (SO_REUSEADDR and SO_REUSEPORT) joins the port and accepts a connection made to it. */
const JOIN = "import socket, sys\np = int(sys.argv[1])\ns = socket.socket()\n" +
  "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)\n" +
  "try:\n s.bind(('127.0.0.1', p)); s.listen(8)\nexcept OSError as e:\n print(e.errno); raise SystemExit\n" +
  "c = socket.create_connection(('127.0.0.1', p), timeout=5)\ns.settimeout(5)\ns.accept()\nprint('accepted')";
const tryJoin = (port: number) => spawnSync("python3", ["-c", JOIN, String(port)], { encoding: "utf8" }).stdout.trim();

const runtime = createNodeRuntime();
const socket = (await runtime.bind(reserve))._unsafeUnwrap();
const port = socket.address.kind === "tcp" ? socket.address.port : 0;
const before = await tryBind(port);
const child = await runtime.spawn({ argv: ["true"], env: {}, cwd: "/", fds: [], tag: "" } as never);
if (child.isOk()) await new Promise((resolve) => child.value.onExit(resolve));
const after = await tryBind(port);
const joined = tryJoin(port);
console.log(JSON.stringify({ fd: socket.fd, held: socket.fd !== -1, before, after, joined }));
