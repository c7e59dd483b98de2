/**
 * Socket activation (src/core/activation.ts): when bento-kit inherited
 * listening sockets (systemd, systemd-socket-activate, or the supervisor an
 * upgrade replaces), the runtime adopts them instead of binding, and hands them
 * to workers exactly as the sockets it binds itself. The protocol's variables
 * leave process.env, so nothing the supervisor starts inherits them.
 */
import { err, errAsync, ok, okAsync, type Result } from "neverthrow";
import { ACTIVATION_ENV, listenFdsOf, matchActivated } from "../core/activation.ts";
import { bindFailed, type OptionInvalid, optionInvalid } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { RuntimePort } from "../core/ports.ts";
import type { SocketSpec } from "../core/types.ts";

/** Set by `bento-kit upgrade` for the new supervisor: the inherited sockets are a supervisor's own (reservations too). */
export const UPGRADE_FD_ENV = "BENTO_UPGRADE_FD";

/** `runtime`, adopting the inherited sockets that stand for `specs`' sockets; unchanged when nothing was inherited. */
export function withActivation(
  runtime: RuntimePort,
  specs: readonly SocketSpec[],
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Result<RuntimePort, OptionInvalid> {
  const fds = listenFdsOf(env, process.pid);
  for (const name of ACTIVATION_ENV) delete env[name];
  if (fds.isErr()) return err(fds.error);
  if (fds.value.length === 0) return ok(runtime);
  const adopt = runtime.adopt;
  if (!adopt) return err(optionInvalid("LISTEN_FDS", `the ${runtime.name} adapter cannot adopt inherited sockets`));
  const matched = matchActivated(fds.value, specs);
  if (matched.isErr()) return err(matched.error);
  const upgrade = env[UPGRADE_FD_ENV] !== undefined;
  const left = new Map(matched.value);
  return ok({
    ...runtime,
    bind(spec) {
      const fd = left.get(spec.name);
      if (fd === undefined) return runtime.bind(spec);
      left.delete(spec.name);
      if (spec.kind === "tcp" && spec.reserve && !upgrade) return errAsync(reservedRefusal(spec.name));
      const adopted = adopt(fd.fd, spec);
      if (adopted.isErr()) return errAsync(adopted.error);
      const a = adopted.value.address;
      const where = a.kind === "tcp" ? `${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}` : a.path;
      if (!upgrade) logger.info(`Socket ${spec.name}: adopted inherited fd ${fd.fd} (${where}) instead of binding`);
      return okAsync(adopted.value);
    },
  });
}

/** A socket whose workers bind the port themselves cannot be a listening socket passed in. */
function reservedRefusal(name: string) {
  return bindFailed(
    name,
    `Socket "${name}" cannot come from socket activation: its workers bind the port themselves ` +
      "with SO_REUSEPORT (Bun and Deno workers, or reusePort: true), which a listening socket passed in " +
      'does not allow; run its workers on Node (command: { module, runtime: "node" }) or start without socket activation',
  );
}
