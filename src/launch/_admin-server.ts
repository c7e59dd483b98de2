/**
 * The admin server of a running service, as `serve` starts it (settings in
 * `_admin-settings.ts`): the Hono app served
 * through the runtime adapter, its URL logged, and an instance file so that
 * `bento-kit status|scale|restart|stop|events` find it. The socket and the
 * event log start with the service; the app itself (Hono, zod, OpenAPI) is
 * loaded by the first request, so a service nobody inspects never loads it.
 */
import { cachedStats } from "./_stats-cache.ts";
import { err, ok, type Result } from "neverthrow";
import type { AdminApp } from "../admin/app.ts";
import { maskToken } from "../admin/_token.ts";
import { createEventLog, type EventLog } from "../admin/_event-log.ts";
import type { ServiceInfo } from "../admin/service-info.ts";
import type { ServiceControl } from "../core/control.ts";
import { type BindFailed, bindFailed, type OptionInvalid } from "../core/errors.ts";
import type { AdminSettings } from "./_admin-settings.ts";
import type { Logger } from "../core/logger.ts";
import type { RuntimePort } from "../core/ports.ts";
import type { SeriesStore } from "../core/series.ts";
import { removeInstance, stateDir, writeInstance } from "./_instances.ts";
import { processStartTime } from "./_owner.ts";
import { openFileLimit } from "./_resources.ts";
import { predecessor } from "./_upgraded.ts";

export type { AdminSettings } from "./_admin-settings.ts";
export type AdminError = OptionInvalid | BindFailed;

type Env = Readonly<Record<string, string | undefined>>;

export interface StartAdminOptions {
  readonly control: ServiceControl;
  readonly runtime: RuntimePort;
  /** Called per request: the service as it is now. */
  readonly service: () => ServiceInfo;
  readonly settings: AdminSettings;
  readonly logger: Logger;
  readonly env?: Env;
  /** The supervisor's events, recorded since it started (by default: from now on). */
  readonly log?: EventLog;
  /** The charts' time series, when sampled. */
  readonly series?: SeriesStore;
}

/** How often a worker's memory and CPU in the admin API are read again (the dashboard's charts sample every 2 s). */
const STATS_TTL_MS = 1000;

export interface RunningAdmin {
  readonly url: string;
  /** End event streams, stop listening, remove the instance file. */
  close(): Promise<void>;
}

export async function startAdmin(o: StartAdminOptions): Promise<Result<RunningAdmin, AdminError>> {
  const { settings, runtime, logger } = o;
  if (!runtime.serveHttp) {
    return err(bindFailed("admin", `The ${runtime.name} adapter cannot serve HTTP: start with --no-admin`));
  }
  const log = o.log ?? createEventLog(1000);
  const unsubscribe = o.log ? () => {} : o.control.on((event) => void log.append(event));
  let admin: Promise<AdminApp> | undefined;
  const stats = runtime.processStats && cachedStats(runtime.processStats, STATS_TTL_MS);
  const app = () =>
    admin ??= import("../admin/app.ts").then((m) =>
      m.createAdminApp({
        control: o.control,
        service: o.service,
        token: settings.token,
        stats: stats?.stats,
        log,
        series: o.series,
      })
    );
  const close = async () => {
    unsubscribe();
    stats?.close();
    (await admin)?.close();
  };
  const served = await runtime.serveHttp({ fetch: async (request) => (await app()).fetch(request as Request) }, {
    host: settings.host,
    port: settings.port,
    ...adminConnectionLimits(openFileLimit()),
  });
  if (served.isErr()) {
    await close();
    const hint = served.error.code === "EADDRINUSE" ? ": pass another --admin-port, or 0 for a free one" : "";
    return err(bindFailed("admin", `Admin server: ${served.error.message}${hint}`, served.error.code));
  }
  const server = served.value;
  const url = `http://${server.host.includes(":") ? `[${server.host}]` : server.host}:${server.port}`;
  const info = o.service();
  const dir = stateDir(o.env);
  let file: string | undefined;
  const pidStart = processStartTime(info.pid);
  const replaces = predecessor();
  try {
    file = writeInstance(dir, {
      service: info.name,
      command: info.command,
      serves: info.sockets.map((k) => k.address),
      pid: info.pid,
      url,
      token: settings.token,
      startedAt: info.startedAt,
      ...(pidStart === undefined ? {} : { pidStart }),
      ...(replaces === undefined ? {} : { replaces }),
    });
  } catch (e) {
    logger.warn(
      `Cannot write the instance file in ${dir} (${
        String(e)
      }): bento-kit status and the other commands need --admin ${url}`,
    );
  }
  const token = settings.tokenFromEnv
    ? "from BENTO_ADMIN_TOKEN"
    : `${maskToken(settings.token)}${file ? ` in ${file}` : ""}`;
  logger.info(`Admin API and dashboard on ${url} (token ${token})`);
  return ok({
    url,
    async close() {
      await close();
      if (file) removeInstance(file);
      await server.close();
    },
  });
}

/**
 * The bounds on admin connections: anyone who can reach the port may open
 * them, token or not, and each holds a descriptor the supervisor needs for
 * spawning. At most an eighth of the open-file limit (16 to 256; 64 when the
 * limit is unknown), a request head within 10 s, 5 s idle between requests.
 */
export function adminConnectionLimits(fdLimit: number | undefined) {
  const maxConnections = fdLimit === undefined ? 64 : Math.max(16, Math.min(256, Math.floor(fdLimit / 8)));
  return { maxConnections, headerTimeoutMs: 10_000, idleTimeoutMs: 5_000 };
}
