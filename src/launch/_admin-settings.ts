/**
 * The admin server's settings, from flags and env, checked before anything
 * starts. Kept apart from the server itself so that `serve` loads the admin
 * app (Hono, zod, OpenAPI) only when it starts it.
 */
import { err, ok, type Result } from "neverthrow";
import { generateToken } from "../admin/_auth.ts";
import { type OptionInvalid, optionInvalid } from "../core/errors.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** Flags to spread into a command's args (`serve`, later the start-* commands). */
export const adminArgs = {
  admin: { type: "boolean", description: "Serve the admin API and dashboard; --no-admin turns it off (default on)" },
  "admin-host": {
    type: "string",
    valueHint: "HOST",
    description:
      "Address of the admin server [env BENTO_ADMIN_HOST] (default 127.0.0.1; any other needs BENTO_ADMIN_TOKEN)",
  },
  "admin-port": {
    type: "string",
    valueHint: "PORT",
    description: "Port of the admin server [env BENTO_ADMIN_PORT] (default 0: a free port, printed at start)",
  },
} as const;

export interface AdminSettings {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly tokenFromEnv: boolean;
}

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
  if (host.trim() === "") {
    return err(optionInvalid("admin-host", "--admin-host: expected an address, got an empty string"));
  }
  const envToken = env.BENTO_ADMIN_TOKEN;
  if (envToken !== undefined && envToken.length < 16) {
    return err(
      optionInvalid("admin-token", "BENTO_ADMIN_TOKEN: use at least 16 characters (e.g. openssl rand -hex 32)"),
    );
  }
  if (!isLoopback(host) && envToken === undefined) {
    return err(optionInvalid(
      "admin-host",
      `The admin server on ${host} would be reachable from other machines: ` +
        "set BENTO_ADMIN_TOKEN to a secret of your own (e.g. openssl rand -hex 32), or keep the default 127.0.0.1",
    ));
  }
  return ok({ host, port: Number(rawPort), token: envToken ?? generateToken(), tokenFromEnv: envToken !== undefined });
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "::ffff:127.0.0.1";
}
