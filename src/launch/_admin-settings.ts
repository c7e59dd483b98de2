/**
 * The admin server's settings, from flags and env, checked before anything
 * starts. Kept apart from the server itself so that `serve` loads the admin
 * app (Hono, zod, OpenAPI) only when it starts it.
 */
import { err, ok, type Result } from "neverthrow";
import { generateToken } from "../admin/_token.ts";
import { type OptionInvalid, optionInvalid } from "../core/errors.ts";
import type { OptionValues } from "../core/options/table.ts";

export interface AdminSettings {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly tokenFromEnv: boolean;
  /** Sample the dashboard's charts (--no-admin-charts: off). */
  readonly charts: boolean;
}

/**
 * Where and how to serve the admin server, or null with --no-admin, from the
 * admin options (already parsed by the options table). A non-loopback host
 * without BENTO_ADMIN_TOKEN is refused (OptionInvalid: exit 2).
 */
export function adminSettingsOf(v: OptionValues): Result<AdminSettings | null, OptionInvalid> {
  if (v.admin === false) return ok(null);
  const host = v["admin-host"] ?? "127.0.0.1";
  const envToken = v["admin-token"];
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
  return ok({
    host,
    port: v["admin-port"] ?? 0,
    token: envToken ?? generateToken(),
    tokenFromEnv: envToken !== undefined,
    charts: v["admin-charts"] !== false,
  });
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h) || h === "::ffff:127.0.0.1";
}
