/**
 * A stand-in for `bento-kit serve`: the admin server started with startAdmin
 * (as serve will) in front of the in-memory control, on whichever runtime runs
 * this file. Prints the start-up log; POST /v1/stop makes it exit 0 shortly
 * after, removing its instance file. BK_POOLS='{"api_server":2}' sets the pools,
 * BK_SERVICE the name, BK_COMMAND the command (serve, start-runner-server, ...).
 */
import { createFakeControl, fakeServiceInfo } from "../_fake-control.ts";
import { startAdmin } from "../../../src/launch/_admin-server.ts";
import { adminSettingsOf } from "../../../src/launch/_admin-settings.ts";
import { resolveOptions } from "../../../src/core/options/resolve.ts";
import { optionsOf } from "../../../src/core/options/table.ts";
import { createCliLogger } from "../../../src/cli/terminal/_logger.ts";
import { createRuntime } from "../../../src/runtime/detect.ts";

const control = createFakeControl(process.env.BK_POOLS ? JSON.parse(process.env.BK_POOLS) : undefined);
const info = {
  ...fakeServiceInfo(control),
  name: process.env.BK_SERVICE ?? "iris_classifier",
  command: process.env.BK_COMMAND ?? "serve",
  pid: process.pid,
  runtime: (await createRuntime()).name,
};
const logger = createCliLogger();
const settings = resolveOptions(optionsOf(["admin"]), { flags: {}, env: process.env, cwd: "/", serviceDir: "/" })
  .andThen(adminSettingsOf);
if (settings.isErr()) {
  process.stderr.write(`Error: ${settings.error.message}\n`);
  process.exit(2);
}
const admin = await startAdmin({
  control,
  runtime: await createRuntime(),
  service: () => info,
  settings: settings.value!,
  logger,
  env: process.env,
});
if (admin.isErr()) {
  process.stderr.write(`Error: ${admin.error.message}\n`);
  process.exit(1);
}
control.on((e) => {
  if (e.type !== "stop") return;
  setTimeout(async () => {
    await admin.value.close();
    logger.info("Stopped");
    process.exit(0);
  }, 200);
});
