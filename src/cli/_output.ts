/**
 * Where worker lines go. A reader that went away (`serve | head`, a closed
 * terminal) must not crash the supervisor: write errors such as EPIPE and
 * EIO are ignored, and the lines are dropped.
 */
export function createOutput(): (stream: "stdout" | "stderr", line: string) => void {
  for (const s of [process.stdout, process.stderr]) s.on("error", () => {});
  return (stream, line) => {
    const out = stream === "stdout" ? process.stdout : process.stderr;
    if (out.writable) out.write(`${line}\n`);
  };
}
