/**
 * The Deno permissions bento-kit needs, checked before any of its code reads
 * the environment or a file: run without them and without a terminal, one
 * line names the flags to add (exit 2) instead of a `NotCapable` stack trace;
 * at a terminal Deno asks for each one.
 *
 * What each is for: read (the manifest, /proc), write (the run dir in $TMPDIR,
 * the instance file), net (binding the sockets, the admin server), env (the
 * BENTO_* settings, the workers' environment), run (the workers), ffi (libc's
 * socket/bind/listen, as Deno cannot hold a socket without accepting on it),
 * sys uid/gid/homedir (the state dir ~/.bento-kit and its owner check).
 */
export const DENO_PERMISSION_FLAGS =
  "--allow-read --allow-write --allow-net --allow-env --allow-run --allow-ffi --allow-sys=uid,gid,homedir";

type Descriptor =
  | { readonly name: "read" | "write" | "net" | "env" | "run" | "ffi" }
  | { readonly name: "sys"; readonly kind: "uid" | "gid" | "homedir" };

const NEEDED: readonly Descriptor[] = [
  { name: "read" },
  { name: "write" },
  { name: "net" },
  { name: "env" },
  { name: "run" },
  { name: "ffi" },
  { name: "sys", kind: "uid" },
  { name: "sys", kind: "gid" },
  { name: "sys", kind: "homedir" },
];

/** The flags that grant `missing`, as `deno run` spells them (`--allow-sys=uid,gid`). */
function flagsOf(missing: readonly Descriptor[]): string {
  const sys = missing.flatMap((d) => d.name === "sys" ? [d.kind] : []);
  const others = missing.flatMap((d) => d.name === "sys" ? [] : [`--allow-${d.name}`]);
  return [...others, ...(sys.length ? [`--allow-sys=${sys.join(",")}`] : [])].join(" ");
}

/**
 * Under Deno: every permission is there (granted in full, or partly, e.g.
 * `--allow-net=0.0.0.0:3000`, which the user chose), or was granted at the
 * prompt. Otherwise print one line and exit 2. A no-op on Node and Bun.
 */
export function checkDenoPermissions(): void {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno === undefined || asksForHelp(deno.args)) return;
  const missing = NEEDED.filter((d) => {
    const status = deno.permissions.querySync(d);
    return status.state !== "granted" && !status.partial;
  });
  if (missing.length === 0) return;
  const interactive = deno.stdin.isTerminal();
  const refused = interactive ? missing.filter((d) => deno.permissions.requestSync(d).state !== "granted") : missing;
  if (refused.length === 0) return;
  const flags = flagsOf(refused);
  deno.stderr.writeSync(new TextEncoder().encode(
    `Error: bento-kit needs Deno permissions it was not given (${flags}): run it with ${DENO_PERMISSION_FLAGS}, or -A\n`,
  ));
  deno.exit(2);
}

/** `--help`, `-h`, `help`, `--version`, `-v` or no command: nothing is read or started, so no permission is asked. */
function asksForHelp(args: readonly string[]): boolean {
  const [first] = args;
  return first === undefined || ["--help", "-h", "help", "--version", "-v"].includes(first) ||
    args.includes("--help") || args.includes("-h");
}
