/**
 * The Deno adapter: sockets are bound and put in LISTEN state through libc
 * (Deno.dlopen, needs --allow-ffi), so the supervisor holds a listening fd
 * without accepting on it. Processes, signals and files go through the shared
 * node:* code. tsc checks it against @types/deno; `deno check` against Deno's own types.
 */
import type { RuntimePort } from "../../core/ports.ts";
import { serveHttpLazily } from "../shared/_serve-http-lazily.ts";
import { createFfiRuntime } from "../libc/_ffi-runtime.ts";
import { libcProcFs } from "./_libc-procfs.ts";
import { reopenStdoutFd } from "./_stdout-fd.ts";
import { type PipeFns, reopenedOrRelayed } from "../libc/_stdout-relay.ts";
import { spawnProcess } from "../shared/_spawn-node.ts";
import { LIBC_PATH, type LibcSocketFns } from "../libc/_libc-socket.ts";
import { type DirWatcher, watchTree } from "../shared/_tree-watch.ts";

export function createDenoRuntime(): RuntimePort {
  ignoreInspectorSignal();
  return {
    // /proc through libc: with the README's flags (no --allow-all) Deno refuses to read it.
    ...createFfiRuntime("deno", openLibc, spawnProcess, libcProcFs()),
    serveHttp: serveHttpLazily(),
    workerStdout: reopenedOrRelayed(reopenStdoutFd, openPipeFns),
    watch: (root, options) => watchTree(root, options, denoWatchDir),
  };
}

/**
 * Deno (2.9.2+) opens its inspector on 127.0.0.1:9229 when it gets SIGUSR1,
 * with no switch to turn that off; it adds that to its SIGUSR1 handler 500 ms
 * after it starts (later on a loaded machine), and a `process.on("SIGUSR1")`
 * installs the same handler. The supervisor, often root, must not: SIGUSR1's
 * handler is replaced through libc at once and again every 50 ms for the
 * first 5 s, so whichever installs Deno's, it is gone within 50 ms. One
 * moment (700 ms after the start) lost the race on a loaded machine: a
 * service can be up and signalled before it.
 *
 * The replacement is a handler that does nothing (libc's `getpid`, which
 * takes no argument and is async-signal-safe), not SIG_IGN: an ignored signal
 * stays ignored across exec, so every worker spawned after it ignored SIGUSR1
 * (a shell worker cannot even trap it then); a handler is reset to the
 * default in the child by exec.
 */
function ignoreInspectorSignal(): void {
  const SIGUSR1 = 10; // Linux, x86_64 and arm64
  const RTLD_DEFAULT = null;
  let libc: {
    symbols: {
      signal(sig: number, handler: Deno.PointerValue): unknown;
      dlsym(handle: null, name: Uint8Array<ArrayBuffer>): Deno.PointerValue;
    };
    close(): void;
  };
  try {
    libc = Deno.dlopen(
      LIBC_PATH,
      {
        signal: { parameters: ["i32", "pointer"], result: "pointer" },
        dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
      } as const,
    );
  } catch {
    return; // no FFI permission: Deno's own behaviour stays
  }
  const nothing = libc.symbols.dlsym(RTLD_DEFAULT, new TextEncoder().encode("getpid\0"));
  if (nothing === null) return libc.close();
  const replace = () => libc.symbols.signal(SIGUSR1, nothing);
  replace();
  const until = performance.now() + 5000;
  const timer: unknown = setInterval(() => {
    replace();
    if (performance.now() < until) return;
    clearInterval(timer as number);
    libc.close();
  }, 50); // a number on Deno
  Deno.unrefTimer(timer as number);
}

function openLibc(): LibcSocketFns {
  const { symbols } = Deno.dlopen(
    LIBC_PATH,
    {
      socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
      setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
      bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
      listen: { parameters: ["i32", "i32"], result: "i32" },
      getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
      close: { parameters: ["i32"], result: "i32" },
      __errno_location: { parameters: [], result: "pointer" },
    } as const,
  );
  return {
    socket: (domain, type, protocol) => symbols.socket(domain, type, protocol),
    setsockopt: (fd, level, name, value, length) => symbols.setsockopt(fd, level, name, buf(value), length),
    bind: (fd, addr, length) => symbols.bind(fd, buf(addr), length),
    listen: (fd, backlog) => symbols.listen(fd, backlog),
    getsockname: (fd, addr, length) => symbols.getsockname(fd, buf(addr), buf(length)),
    close: (fd) => symbols.close(fd),
    errno: () => {
      const p = symbols.__errno_location();
      return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
    },
  };
}

/** Deno's 'buffer' parameters want an ArrayBuffer-backed view. */
function buf(view: Uint8Array): Uint8Array<ArrayBuffer> {
  return view as Uint8Array<ArrayBuffer>;
}

/** One directory through Deno.watchFs (not recursive); reads (`access` events) are not changes. */
const denoWatchDir: DirWatcher = (dir, onEvent, onGone) => {
  const watcher = Deno.watchFs(dir, { recursive: false });
  void (async () => {
    try {
      for await (const event of watcher) {
        if (event.kind === "access" || event.kind === "other") continue;
        for (const path of event.paths) if (path.startsWith(`${dir}/`)) onEvent(path.slice(dir.length + 1));
      }
    } catch { /* closed, or the directory is gone */ }
    onGone();
  })();
  return {
    close() {
      try {
        watcher.close();
      } catch { /* already closed */ }
    },
  };
};

/** The relay's libc calls (src/runtime/libc/_stdout-relay.ts): Deno's node:fs cannot read the pipe's raw fd. */
function openPipeFns(): PipeFns {
  const { symbols } = Deno.dlopen(
    LIBC_PATH,
    {
      pipe2: { parameters: ["buffer", "i32"], result: "i32" },
      read: { parameters: ["i32", "buffer", "usize"], result: "i32" },
      fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
      close: { parameters: ["i32"], result: "i32" },
      __errno_location: { parameters: [], result: "pointer" },
    } as const,
  );
  return {
    pipe2: (fds, flags) => symbols.pipe2(buf(new Uint8Array(fds.buffer)), flags),
    read: (fd, buffer) => symbols.read(fd, buf(buffer), BigInt(buffer.length)),
    fcntl: (fd, command, argument) => symbols.fcntl(fd, command, argument),
    close: (fd) => symbols.close(fd),
    errno: () => {
      const p = symbols.__errno_location();
      return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
    },
  };
}
