/**
 * `bento-kit reload`: the running service reads its TLS certificate, key and
 * password file again and rolls every worker onto them (as SIGHUP does without
 * a terminal). A new pair that fails its check changes nothing: one line, exit 1.
 */
import { defineCommand } from "../_define-command.ts";
import type { ApiPool } from "../terminal/_api-types.ts";
import { callAdmin, failClient, findTarget, targetArgs } from "../terminal/_admin-client.ts";
import { pids } from "./scale.ts";

interface Reloaded {
  readonly pools: readonly ApiPool[];
  readonly certificate: { readonly certfile: string; readonly serial: string; readonly notAfter: string } | null;
}

export const reloadCommand = defineCommand({
  meta: {
    name: "reload",
    description:
      "Read the TLS certificate and key again (a renewed pair) and roll every worker onto them, runners first; " +
      "an invalid new pair changes nothing",
  },
  args: { ...targetArgs },
  async run({ args }) {
    const target = findTarget(args);
    if (target.isErr()) return failClient(target.error);
    const done = await callAdmin<Reloaded>(target.value, "POST", "/v1/reload");
    if (done.isErr()) return failClient(done.error);
    const cert = done.value.certificate;
    if (cert) console.log(`Serving ${cert.certfile}: serial ${cert.serial}, valid until ${cert.notAfter}`);
    for (const pool of done.value.pools) console.log(`Pool ${pool.name} reloaded: pids ${pids(pool)}`);
  },
});
