/** `bento-kit events`: follow what the supervisor does, one line per event. */
import { defineCommand } from "../_define-command.ts";
import { failClient, failUsage, findTarget, targetArgs } from "../terminal/_admin-client.ts";
import { eventLine } from "../terminal/_event-line.ts";
import { readEventStream } from "../terminal/_sse-client.ts";

export const eventsCommand = defineCommand({
  meta: {
    name: "events",
    description:
      "Follow the events of the running service (spawn, ready, exit, respawn, scale, restart, stop) until it stops",
  },
  args: {
    ...targetArgs,
    since: {
      type: "string",
      valueHint: "ID",
      description: "First print the buffered events after this event id (0: all buffered)",
    },
    json: { type: "boolean", description: "Print each event as one line of JSON" },
  },
  async run({ args }) {
    if (args.since !== undefined && !/^\d+$/.test(args.since)) {
      return failUsage(`--since: expected an event id (a whole number), got "${args.since}"`);
    }
    const target = findTarget(args);
    if (target.isErr()) return failClient(target.error);
    let last = args.since === undefined ? undefined : Number(args.since);
    let stopping = false;
    for (;;) {
      const read = await readEventStream(target.value, last, (e) => {
        if (e.type === "stop") stopping = true;
        console.log(args.json ? JSON.stringify(e) : eventLine(e));
      });
      // A service that stopped ends its streams: done. Otherwise reconnect where we were.
      if (read.isErr()) return stopping ? undefined : failClient(read.error);
      if (stopping) return;
      last = read.value ?? last;
      await new Promise((r) => setTimeout(r, 500));
    }
  },
});
