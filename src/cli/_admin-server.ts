/**
 * The admin server of a running service, as `serve` starts it: settings from
 * flags and env (checked before anything starts), then the Hono app served
 * through the runtime adapter, its URL logged, and an instance file so that
 * `bento-kit status|scale|restart|stop|events` find it.
 */
import { err, ok, type Result } from "neverthrow";
import { createAdminApp } from "../admin/app.ts";
import { generateToken, maskToken } from "../admin/_auth.ts";
import type { ServiceInfo } from "../admin/service-info.ts";
import type { ServiceControl } from "../core/control.ts";
import { bindFailed, type BindFailed, optionInvalid, type OptionInvalid } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { RuntimePort } from "../core/ports.ts";
import { removeInstance, stateDir, writeInstance } from "./_instances.ts";

/** Flags to spread into a command's args (`serve`, later the start-* commands). */
export const adminArgs = {
  admin: { type: "boolean", description: "Serve the admin API and dashboard; --no-admin turns it off (default on)" },
  "admin-host": { type: "string", valueHint: "HOST", description: "Address of the admin server [env BENTO_ADMIN_HOST] (default 127.0.0.1; any other needs BENTO_ADMIN_TOKEN)" },
  "admin-port": { type: "string", valueHint: "PORT", description: "Port of the admin server [env BENTO_ADMIN_PORT] (default 0: a free port, printed at start)" },
} as const;

export interface AdminSettings {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly tokenFromEnv: boolean;
}

export type AdminError = OptionInvalid | BindFailed;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where and how to serve the admin server, or null with --no-admin. A
 * non-loopback host without BENTO_ADMIN_TOKEN is refused (OptionInvalid: exit 2).
 */
export function resolveAdminSettings(
  flags: { readonly admin?: boolean; readonly "admin-host"?: string; readonly "admin-port"?: string },
  env: Env,
): Result<AdminSettings | null, OptionInvalid> {
  if (flags.admin === false) return ok(null);
  const host = flags["admin-host"] ?? env.BENTO_ADMIN_HOST ?? "127.0.0.1";
  const rawPort = flags["admin-port"] ?? env.BENTO_ADMIN_PORT ?? "0";
  const source = flags["admin-port"] !== undefined ? "--admin-port" : "BENTO_ADMIN_PORT";
  if (!/^\d+$/.test(rawPort) || Number(rawPort) > 65535) {
    return err(optionInvalid("admin-port", `${source}: expected a port from 0 to 65535, got "${rawPort}"`));
  }
  if (host.trim() === "") return err(optionInvalid("admin-host", "--admin-host: expected an address, got an empty string"));
  const envToken = env.BENTO_ADMIN_TOKEN;
  if (envToken !== undefined && envToken.length < 16) {
    return err(optionInvalid("admin-token", "BENTO_ADMIN_TOKEN: use at least 16 characters (e.g. openssl rand -hex 32)"));
  }
  if (!isLoopback(host) && envToken === undefined) {
    return err(optionInvalid("admin-host", `The admin server on ${host} would be reachable from other machines: ` +
      "set BENTO_ADMIN_TOKEN to a secret of your own (e.g. openssl rand -hex 32), or keep the default 127.0.0.1"));
  }
  return ok({ host, port: Number(rawPort), token: envToken ?? generateToken(), tokenFromEnv: envToken !== undefined });
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "::ffff:127.0.0.1";
}

export interface StartAdminOptions {
  readonly control: ServiceControl;
  readonly runtime: RuntimePort;
  /** Called per request: the service as it is now. */
  readonly service: () => ServiceInfo;
  readonly settings: AdminSettings;
  readonly logger: Logger;
  readonly env?: Env;
}

export interface RunningAdmin {
  readonly url: string;
  /** End event streams, stop listening, remove the instance file. */
  close(): Promise<void>;
}

export async function startAdmin(o: StartAdminOptions): Promise<Result<RunningAdmin, AdminError>> {
  const { settings, runtime, logger } = o;
  if (!runtime.serveHttp) return err(bindFailed("admin", `The ${runtime.name} adapter cannot serve HTTP: start with --no-admin`));
  const admin = createAdminApp({ control: o.control, service: o.service, token: settings.token, stats: runtime.processStats });
  const served = await runtime.serveHttp(admin, { host: settings.host, port: settings.port });
  if (served.isErr()) {
    admin.close();
    const hint = served.error.code === "EADDRINUSE" ? ": pass another --admin-port, or 0 for a free one" : "";
    return err(bindFailed("admin", `Admin server: ${served.error.message}${hint}`, served.error.code));
  }
  const server = served.value;
  const url = `http://${server.host.includes(":") ? `[${server.host}]` : server.host}:${server.port}`;
  const info = o.service();
  const dir = stateDir(o.env);
  let file: string | undefined;
  try {
    file = writeInstance(dir, { service: info.name, pid: info.pid, url, token: settings.token, startedAt: info.startedAt });
  } catch (e) {
    logger.warn(`Cannot write the instance file in ${dir} (${String(e)}): bento-kit status and the other commands need --admin ${url}`);
  }
  const token = settings.tokenFromEnv ? "from BENTO_ADMIN_TOKEN" : `${maskToken(settings.token)}${file ? ` in ${file}` : ""}`;
  logger.info(`Admin API and dashboard on ${url} (token ${token})`);
  return ok({
    url,
    async close() {
      admin.close();
      if (file) removeInstance(file);
      await server.close();
    },
  });
}
