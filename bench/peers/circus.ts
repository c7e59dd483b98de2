/**
 * circus, run from its source: `python3 -m circus.circusd circus.ini` with
 * PYTHONPATH at a checkout (bench/.peers/circus, gitignored, or $CIRCUS_SRC) and
 * Debian's python3-zmq, python3-tornado and python3-psutil. circusd binds
 * `[socket:web]` and hands it to 2 processes of `node worker.mjs
 * $(circus.sockets.web)`. Its control and pub/sub endpoints are ipc:// sockets
 * in a temp dir, multicast discovery is off (nothing leaves loopback), and
 * everything else keeps circus's defaults (check_delay 5 s among them).
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH, startProc } from "../_lib/mod.ts";
import { type Peer, supervisedBy, tempDir, WORKER, WORKERS } from "./peer.ts";

const SOURCE = process.env.CIRCUS_SRC ?? join(BENCH, ".peers/circus");
const PYTHON = process.env.CIRCUS_PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

/** circus's version and its dependencies' (one line), or why circus cannot run here. */
export function circusAvailable(): { ok: true; versions: string } | { ok: false; why: string } {
  if (!existsSync(join(SOURCE, "circus/circusd.py"))) {
    return {
      ok: false,
      why: `no circus checkout at ${SOURCE}: put a checkout of circus-tent/circus there (or set CIRCUS_SRC)`,
    };
  }
  try {
    const versions = execFileSync(PYTHON, [
      "-c",
      "import sys, circus, zmq, tornado, psutil; print(f'circus {circus.__version__} (Python {sys.version.split()[0]}, pyzmq {zmq.__version__}, tornado {tornado.version}, psutil {psutil.__version__})')",
    ], { env: { ...process.env, PYTHONPATH: SOURCE }, encoding: "utf8", timeout: 30_000 }).trim();
    return { ok: true, versions };
  } catch {
    return {
      ok: false,
      why: `${PYTHON} cannot import circus's dependencies: apt-get install python3-zmq python3-tornado python3-psutil`,
    };
  }
}

export const circus: Peer = {
  name: "circus",
  label: "circus (circusd, `[socket:web]`, 2 processes)",
  workers: WORKERS,
  counted: "circusd",
  start(port) {
    const dir = tempDir("bento-bench-circus-");
    const ini = join(dir.path, "circus.ini");
    writeFileSync(
      ini,
      [
        "[circus]",
        `endpoint = ipc://${dir.path}/endpoint`,
        `pubsub_endpoint = ipc://${dir.path}/pubsub`,
        "multicast_endpoint =",
        "",
        "[watcher:web]",
        `cmd = ${process.execPath} ${WORKER} $(circus.sockets.web)`,
        "use_sockets = True",
        `numprocesses = ${WORKERS}`,
        // The workers get circusd's environment, as bento-kit's and pm2's do (and the bench's run marker with it).
        "copy_env = True",
        "",
        "[socket:web]",
        "host = 127.0.0.1",
        `port = ${port}`,
        "",
      ].join("\n"),
    );
    return supervisedBy(
      startProc("circusd", [PYTHON, "-m", "circus.circusd", ini], { env: { PYTHONPATH: SOURCE }, cwd: dir.path }),
      dir,
    );
  },
};
