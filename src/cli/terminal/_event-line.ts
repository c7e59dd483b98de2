/** One line per supervisor event, for `bento-kit events`. */
import type { SupervisorEvent } from "../../core/events.ts";

export type StreamedEvent = SupervisorEvent & { readonly id: number; readonly at: number };

export function eventLine(e: StreamedEvent): string {
  const time = new Date(e.at).toISOString().replace("T", " ").replace(/Z$/, "");
  return `${time} #${e.id} ${e.type} ${details(e)}`;
}

/** An event as a log line without its id and time, e.g. `spawn runner:iris:1 pid 123`. */
export function describeEvent(e: SupervisorEvent): string {
  return `${e.type} ${details(e)}`;
}

function details(e: SupervisorEvent): string {
  switch (e.type) {
    case "spawn":
      return `${e.pool}:${e.workerId} pid ${e.pid}`;
    case "ready":
      return `${e.pool}:${e.workerId} pid ${e.pid} after ${e.afterMs} ms (${e.how})`;
    case "not-ready":
      return `${e.pool}:${e.workerId} pid ${e.pid} not ready after ${e.afterMs} ms`;
    case "exit":
      return `${e.exit.pool}:${e.exit.workerId} pid ${e.exit.pid}: ${e.reason}`;
    case "respawn-scheduled":
      return `${e.pool}:${e.workerId} in ${e.delayMs} ms`;
    case "give-up":
      return `${e.pool}: ${e.message}`;
    case "spawn-vetoed":
      return `${e.pool}:${e.workerId}: ${e.message}${e.stop ? " (stops the service)" : " (kept down)"}`;
    case "pool-stopped":
      return e.pool;
    case "scale":
      return `${e.pool} ${e.from} → ${e.to}`;
    case "restart":
      return `${e.pool}${e.workerId === undefined ? "" : `:${e.workerId}`} ${e.phase}${
        e.message ? `: ${e.message}` : ""
      }`;
    case "stop":
      return e.phase;
    case "reload":
      return `${e.phase}${
        e.files.length ? ` (${e.files.join(", ")}${e.moreFiles ? ` and ${e.moreFiles} more` : ""})` : ""
      }${e.certificate ? ` certificate serial ${e.certificate.serial}, valid until ${e.certificate.notAfter}` : ""}${
        e.message ? `: ${e.message.split("\n")[0]}` : ""
      }`;
    case "upgrade":
      return `${e.phase}${e.pid === undefined ? "" : ` (new supervisor pid ${e.pid})`}${
        e.message ? `: ${e.message.split("\n")[0]}` : ""
      }`;
    default:
      return JSON.stringify(e satisfies never);
  }
}
