/** The admin server of a launch (its module, with Hono, zod and OpenAPI, is loaded only when it starts). */
import { join } from "node:path";
import type { ServiceControl } from "../core/control.ts";
import type { Logger } from "../core/logger.ts";
import type { RuntimePort } from "../core/ports.ts";
import { createSeriesStore, SERIES_DEFAULTS } from "../core/series.ts";
import type { Supervisor } from "../core/supervisor.ts";
import { createEventLog, type EventLog } from "../admin/_event-log.ts";
import { describeService } from "../admin/service-info.ts";
import { METRICS_DIR } from "../../plugins/monitoring.ts";
import { VERSION } from "../version.ts";
import type { AdminSettings } from "./_admin-settings.ts";
import type { ServiceReload } from "./_service-reload.ts";

/** The supervisor's events from its first spawn on, kept for the admin server that starts later. */
export interface EventHistory {
  readonly log: EventLog;
  close(): void;
}

/** Call before `supervisor.start()`: start-up's spawns, readies and vetoes are then in the history. */
export function recordEvents(supervisor: Pick<Supervisor, "on">): EventHistory {
  const log = createEventLog(1000);
  return { log, close: supervisor.on((event) => void log.append(event)) };
}

export interface AdminInput {
  readonly supervisor: Supervisor;
  readonly runtime: RuntimePort;
  readonly logger: Logger;
  /** The options as GET /v1/service shows them now (a certificate rotation changes them). */
  readonly options: () => object;
  readonly reloadService: ServiceReload;
  /** Whether the monitoring plugin runs (the charts then have request figures). */
  readonly metrics: boolean;
  readonly startedAt: number;
  /** The supervisor's environment (what pools inherit is not shown). */
  readonly environ: Readonly<Record<string, string | undefined>>;
  readonly history: EventHistory;
  /** Replace this supervisor by a new one (POST /v1/upgrade). */
  readonly upgrade?: ServiceControl["upgrade"];
}

export async function startAdminFor(settings: AdminSettings, o: AdminInput) {
  const { supervisor } = o;
  // Described at each request: a reload or a scale changes the spec and the sockets (an upgrade's successor has its own).
  const service = () =>
    describeService({
      spec: supervisor.spec,
      options: o.options(),
      sockets: supervisor.sockets.values(),
      version: VERSION,
      pid: process.pid,
      startedAt: o.startedAt,
      runtime: o.runtime.name,
      environ: o.environ,
    });
  const series = settings.charts ? createSeriesStore(SERIES_DEFAULTS) : undefined;
  // Loaded only when it runs (node:http): a --no-admin start loads none of it.
  const sampler = series &&
    (await import("./_sampler.ts")).startSampler({
      pools: () => supervisor.pools(),
      stats: o.runtime.processStats,
      metricsDir: o.metrics ? join(supervisor.spec.runDir, METRICS_DIR) : undefined,
      store: series,
      intervalMs: SERIES_DEFAULTS.intervalMs,
    });
  const { startAdmin } = await import("./_admin-server.ts");
  const control: ServiceControl = {
    ...supervisor,
    stop: supervisor.requestStop,
    upgrade: o.upgrade,
    reloadService: () => o.reloadService("bento-kit"),
  };
  const started = await startAdmin({
    control,
    runtime: o.runtime,
    service,
    settings,
    logger: o.logger,
    log: o.history.log,
    series,
  });
  if (started.isErr()) sampler?.stop();
  return started.map((admin) => ({
    url: admin.url,
    async close() {
      sampler?.stop();
      o.history.close();
      await admin.close();
    },
  }));
}
