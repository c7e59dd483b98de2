// Run under Node (node --import tsx). A reservation this Node cannot hold
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

const runtime = createNodeRuntime();
const socket = (await runtime.bind(reserve))._unsafeUnwrap();
const port = socket.address.kind === "tcp" ? socket.address.port : 0;
const before = await tryBind(port);
const child = await runtime.spawn({ argv: ["true"], env: {}, cwd: "/", fds: [], tag: "" } as never);
if (child.isOk()) await new Promise((resolve) => child.value.onExit(resolve));
const after = await tryBind(port);
console.log(JSON.stringify({ fd: socket.fd, held: socket.fd !== -1, before, after }));
