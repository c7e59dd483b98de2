/**
 * Where worker lines go, without ever blocking the supervisor. A reader that
 * went away (`serve | head`, a closed terminal) must not crash it: write
 * errors such as EPIPE are ignored. A reader that stalls (a paused `| less`,
 * a stuck log shipper) must not freeze it: stdout and stderr are made
 * non-blocking, and once a stream holds MAX_BUFFERED bytes unwritten, worker
 * lines are dropped and counted until it drains.
 */
const MAX_BUFFERED = 1 << 20;

type Stream = "stdout" | "stderr";

export function createOutput(): (stream: Stream, line: string) => void {
  const dropped: Record<Stream, number> = { stdout: 0, stderr: 0 };
  for (const s of [process.stdout, process.stderr]) {
    s.on("error", () => {});
    // Node writes to pipes and files synchronously by default (Bun and Deno have no such handle).
    (s as unknown as { _handle?: { setBlocking?(on: boolean): void } })._handle?.setBlocking?.(false);
  }
  return (stream, line) => {
    const out = stream === "stdout" ? process.stdout : process.stderr;
    if (!out.writable) return;
    if (out.writableLength > MAX_BUFFERED) {
      dropped[stream] += 1;
      return;
    }
    if (dropped[stream] > 0) {
      out.write(`[bento-kit] ${dropped[stream]} worker lines dropped: the reader of ${stream} did not keep up\n`);
      dropped[stream] = 0;
    }
    out.write(`${line}\n`);
  };
}
