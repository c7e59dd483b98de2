import type { BentoError } from "../../core/errors.ts";
import { exitCodeFor } from "./_exit-codes.ts";
import { formatLogLine, logFormat } from "./_log-format.ts";

/** Print an error as one message (no stack trace) and set the exit code. */
export function fail(error: BentoError): void {
  process.stderr.write(
    logFormat() === "json" ? formatLogLine("error", "cli", error.message) : `Error: ${error.message}\n`,
  );
  process.exitCode = exitCodeFor(error);
}
