import type { BentoError } from "../core/errors.ts";
import { exitCodeFor } from "./_exit-codes.ts";

/** Print an error as one message (no stack trace) and set the exit code. */
export function fail(error: BentoError): void {
  process.stderr.write(`Error: ${error.message}\n`);
  process.exitCode = exitCodeFor(error);
}
