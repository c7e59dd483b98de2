// Preloaded with NODE_OPTIONS="--import <this file>" (Node refuses --cpu-prof there):
// a process whose main module matches BENCH_CPU_PROF_MATCH is profiled from here
// to its exit, and writes BENCH_CPU_PROF_DIR/<pid>.cpuprofile (open it in Chrome DevTools).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.BENCH_CPU_PROF_DIR;
const match = process.env.BENCH_CPU_PROF_MATCH;
if (dir && match && new RegExp(match).test(process.argv[1] ?? "")) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 500 });
  session.post("Profiler.start");
  // The in-process session answers synchronously, so this works in an exit handler.
  process.on("exit", () => {
    session.post("Profiler.stop", (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
