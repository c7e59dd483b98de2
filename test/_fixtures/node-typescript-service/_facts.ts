/** What a worker tells about itself: its pid and parent, what runs its TypeScript, whether it is the main module. */
import { getCompileCacheDir } from "node:module";
import { serve } from "../../../src/worker/mod.ts";

export interface Facts {
  readonly pid: number;
  readonly ppid: number;
  /** "tsx" when tsx's loader is in this process (it counts its CommonJS hooks in a global), else "node". */
  readonly typescript: "tsx" | "node";
  readonly main: boolean | undefined;
  /** Node's compile cache directory, when it is on in this process. */
  readonly compileCache: string | null;
  readonly value: string;
}

export function serveFacts(main: boolean | undefined, value: () => string | Promise<string>): Promise<unknown> {
  return serve(async () => {
    const facts: Facts = {
      pid: process.pid,
      ppid: process.ppid,
      typescript: Symbol.for("tsx:global-cjs-loader-count") in globalThis ? "tsx" : "node",
      main,
      compileCache: getCompileCacheDir() ?? null,
      value: await value(),
    };
    return Response.json(facts);
  });
}
