/**
 * `bento-kit reload` (POST /v1/reload) and SIGHUP without a terminal: the TLS
 * certificate, key and password file are read again and checked as at start;
 * a new pair that fails the check changes nothing (the workers keep serving
 * the old one) and the reason goes to the terminal, the events and the
 * caller. A good pair replaces the workers' decrypted key copy when they use
 * one, then every pool rolls onto it through the supervisor's reload: runners
 * first, each replacement ready before its old worker stops, so no request
 * fails. A service without TLS just rolls. Steps are `reload` events.
 */
import { resolve } from "node:path";
import { err, ok, type Result } from "neverthrow";
import { type ControlError, type ReloadRefused, type ServiceReloaded, serviceStopping } from "../core/control.ts";
import type { CertificateView } from "../core/events.ts";
import type { Logger } from "../core/logger.ts";
import type { ReloadPlan } from "../core/reload-plan.ts";
import type { Supervisor } from "../core/supervisor.ts";
import { type CheckedTls, writeKeyCopy } from "../../plugins/tls.ts";
import { type LaunchTls, tlsLine } from "./_tls.ts";

export interface ServiceReloadInput {
  readonly supervisor: Supervisor;
  /** The launch's TLS settings; `checked` is replaced by a good new pair. */
  readonly tls: LaunchTls;
  readonly runDir: string;
  readonly logger: Logger;
  /** "HTTP", "gRPC": for the TLS line. */
  readonly protocol: string;
}

/** `via`: what asked, for the lines ("SIGHUP", "bento-kit": "SIGHUP reload done"). */
export type ServiceReload = (via: string) => Promise<Result<ServiceReloaded, ControlError>>;

export function createServiceReload(o: ServiceReloadInput): ServiceReload {
  const { supervisor, tls, logger } = o;
  return async (via) => {
    const admitted = await supervisor.admitReload();
    if (admitted.isErr()) {
      logger.error(`${via} reload refused: ${admitted.error.message}`);
      return err(admitted.error);
    }
    const files = tlsFiles(tls);
    const next = renew(o);
    if (next.isErr()) {
      // The supervisor records the refusal as a failed reload event; nothing changes.
      const refused = await supervisor.reload(files, err(next.error));
      if (refused.isErr() && refused.error.stopping) return err(serviceStopping());
      logger.error(
        `${via} reload refused, the running workers keep serving the old certificate: ${next.error.message}`,
      );
      return err(next.error);
    }
    const certificate = next.value && certificateView(next.value);
    logger.info(
      `${via} reload: rolling restart of every pool${
        certificate ? ` onto certificate ${certificate.certfile} (serial ${certificate.serial})` : ""
      } (send SIGTERM to stop)`,
    );
    const plan: ReloadPlan = {
      spec: supervisor.spec,
      changes: supervisor.pools().map((p) => ({ kind: "roll", pool: p.name })),
      notes: [],
      manifestChanged: false,
      ...(certificate && { certificate }),
    };
    const done = await supervisor.reload(files, ok(plan));
    if (done.isErr()) {
      if (done.error.stopping) return err(serviceStopping());
      logger.error(`${via} reload stopped: ${done.error.message}`);
      return err({ kind: "ReloadStopped", message: `Reload stopped: ${done.error.message}` });
    }
    if (next.value) logger.info(tlsLine(o.protocol, next.value));
    logger.info(`${via} reload done: every worker was replaced`);
    return ok({ pools: supervisor.pools(), certificate: certificate ?? null });
  };
}

/** The TLS files read again; undefined: no TLS. The checked settings and the key copy change only when all is well. */
function renew(o: ServiceReloadInput): Result<CheckedTls | undefined, ReloadRefused> {
  const old = o.tls.checked;
  if (old === undefined) return ok(undefined);
  const next = o.tls.recheck();
  if (next.isErr()) return err(refused(next.error.message));
  const fresh = next.value!;
  if (fresh.needsCopy && !old.needsCopy) {
    return err(refused(
      `--ssl-keyfile ${fresh.keyfile} is encrypted now, but the workers read it directly (it was not encrypted at start): ` +
        "give the new key unencrypted (mode 0600), or restart the service to use an encrypted one",
    ));
  }
  // The workers read the decrypted copy when there was one at start: it takes the new key.
  if (old.needsCopy) {
    const written = writeKeyCopy(o.runDir, fresh);
    if (written.isErr()) return err(refused(written.error.message));
  }
  o.tls.checked = fresh;
  return ok(fresh);
}

function refused(message: string): ReloadRefused {
  return { kind: "ReloadRefused", message };
}

function tlsFiles(tls: LaunchTls): string[] {
  if (tls.checked === undefined) return [];
  const s = tls.settings;
  return [s.certfile, s.keyfile].filter((f): f is string => f !== undefined);
}

export function certificateView(tls: CheckedTls): CertificateView {
  return { certfile: resolve(tls.certfile), serial: tls.serial, notAfter: tls.notAfter.toISOString() };
}
