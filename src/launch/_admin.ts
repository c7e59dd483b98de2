/** The admin server of a launch (its module, with Hono, zod and OpenAPI, is loaded only when it starts). */
import type { ServiceControl } from "../core/control.ts";
import type { Logger } from "../core/logger.ts";
import type { RuntimePort } from "../core/ports.ts";
import type { Supervisor } from "../core/supervisor.ts";
import type { LaunchSpec } from "../core/types.ts";
import { describeService } from "../admin/service-info.ts";
import { VERSION } from "../version.ts";
import type { AdminSettings } from "./_admin-settings.ts";
import type { ServiceReload } from "./_service-reload.ts";

export interface AdminInput {
  readonly supervisor: Supervisor;
  readonly runtime: RuntimePort;
  readonly logger: Logger;
  readonly started: LaunchSpec;
  /** The options as GET /v1/service shows them now (a certificate rotation changes them). */
  readonly options: () => object;
  readonly reloadService: ServiceReload;
  readonly startedAt: number;
  /** The supervisor's environment (what pools inherit is not shown). */
  readonly environ: Readonly<Record<string, string | undefined>>;
  /** Replace this supervisor by a new one (POST /v1/upgrade). */
  readonly upgrade?: ServiceControl["upgrade"];
}

export async function startAdminFor(settings: AdminSettings, o: AdminInput) {
  const info = () =>
    describeService({
      spec: o.started,
      options: o.options(),
      sockets: o.supervisor.sockets.values(),
      version: VERSION,
      pid: process.pid,
      startedAt: o.startedAt,
      runtime: o.runtime.name,
      environ: o.environ,
    });
  const { startAdmin } = await import("./_admin-server.ts");
  const control: ServiceControl = {
    ...o.supervisor,
    stop: o.supervisor.requestStop,
    upgrade: o.upgrade,
    reloadService: () => o.reloadService("bento-kit"),
  };
  return startAdmin({ control, runtime: o.runtime, service: info, settings, logger: o.logger });
}
