/** A logger that keeps its lines (`warn [tag] message`) for a test to read. */
import type { Logger } from "../core/logger.ts";

export function createCaptureLogger(lines: string[], echo?: (line: string) => void): Logger {
  const make = (tag: string): Logger => {
    const put = (level: string) => (message: string) => {
      const line = `${level}${tag} ${message}`;
      lines.push(line);
      echo?.(line);
    };
    return {
      info: put("info"),
      warn: put("warn"),
      error: put("error"),
      debug: put("debug"),
      withTag: (t) => make(`${tag} [${t}]`),
    };
  };
  return make("");
}
