/**
 * consola, formatted like BentoML's server log:
 * `2026-11-25T19:40:00+0000 [INFO] [cli] message` (or one JSON object a line
 * with `--log-format json`, see _log-format.ts).
 */
import { type ConsolaInstance, createConsola, type LogObject } from "consola/core";
import type { Logger } from "../../core/logger.ts";
import { writeText } from "./_output.ts";
import { formatLogLine, type Level } from "./_log-format.ts";

const LEVELS: Record<string, Level> = {
  info: "info",
  warn: "warning",
  error: "error",
  debug: "debug",
  log: "info",
  success: "info",
  start: "info",
  ready: "info",
  fail: "error",
  fatal: "critical",
};

function format(log: LogObject): string {
  return formatLogLine(LEVELS[log.type] ?? "info", log.tag || undefined, log.args.map(String).join(" "), log.date);
}

export function createCliLogger(options: { debug?: boolean } = {}): Logger {
  const consola = createConsola({
    level: options.debug ? 4 : 3,
    reporters: [{
      log(log) {
        writeText(log.level <= 1 ? "stderr" : "stdout", format(log));
      },
    }],
  });
  return wrap(consola.withTag("cli"));
}

function wrap(instance: ConsolaInstance): Logger {
  return {
    info: (m) => instance.info(m),
    warn: (m) => instance.warn(m),
    error: (m) => instance.error(m),
    debug: (m) => instance.debug(m),
    withTag: (tag) => wrap(instance.withTag(tag)),
  };
}
