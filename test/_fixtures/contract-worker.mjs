// A worker that reports, as one line on stdout, what bento-kit gave it: argv
// (expanded placeholders), the BENTO_*/LISTEN_* env, its cwd and what its
// stdin is. It never listens on the inherited socket itself, so the socket
// keeps the backlog the supervisor gave it (checked with `ss`).
import { readlinkSync } from "node:fs";

const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k.startsWith("BENTO_") || k.startsWith("LISTEN_")),
);
let stdin;
try {
  stdin = readlinkSync("/proc/self/fd/0");
} catch (e) {
  stdin = `unreadable: ${e.code}`;
}
console.log(
  `contract ${JSON.stringify({ pid: process.pid, argv: process.argv.slice(2), env, cwd: process.cwd(), stdin })}`,
);
setInterval(() => {}, 1 << 30);
process.on("SIGTERM", () => process.exit(0));
