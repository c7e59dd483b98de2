/**
 * consola, formatted like BentoML's server log:
 * `2026-11-25T19:40:00+0000 [INFO] [cli] message`.
 */
import { createConsola, type ConsolaInstance, type LogObject } from "consola";
import type { Logger } from "../core/logger.ts";
import { writeText } from "./_output.ts";

const LEVELS: Record<string, string> = { info: "INFO", warn: "WARNING", error: "ERROR", debug: "DEBUG", log: "INFO", success: "INFO", start: "INFO", ready: "INFO", fail: "ERROR", fatal: "CRITICAL" };

function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "+0000");
}

function format(log: LogObject): string {
  const level = LEVELS[log.type] ?? log.type.toUpperCase();
  const tag = log.tag ? ` [${log.tag}]` : "";
  return `${timestamp(log.date)} [${level}]${tag} ${log.args.map(String).join(" ")}\n`;
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
