/**
 * The shapes of the admin API, as zod schemas: requests are validated with
 * them and /openapi.json is generated from them.
 */
import { z } from "@hono/zod-openapi";

export const ErrorSchema = z.object({
  error: z.object({
    kind: z.string().openapi({ example: "PoolNotFound" }),
    message: z.string().openapi({ example: 'No pool named "web": the pools are "runner:iris", "api_server"' }),
  }),
}).openapi("Error");

const ExitSchema = z.object({
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  reason: z.string(),
  at: z.number().openapi({ description: "Epoch ms" }),
});

export const WorkerSchema = z.object({
  id: z.number().int(),
  pid: z.number().int().nullable().openapi({ description: "Null while the worker waits for a respawn" }),
  state: z.enum(["starting", "ready", "stopping", "backoff", "stopped", "vetoed"])
    .openapi({ description: "`vetoed`: a plugin's beforeSpawn veto keeps the worker down until it is restarted" }),
  startedAt: z.number().nullable(),
  readyAt: z.number().nullable(),
  uptimeMs: z.number().nullable(),
  restarts: z.number().int(),
  lastExit: ExitSchema.nullable(),
  vetoed: z.object({ plugin: z.string(), message: z.string(), at: z.number() }).nullable()
    .openapi({ description: "The veto keeping the worker down (state `vetoed`)" }),
  rssBytes: z.number().optional().openapi({ description: "Resident memory, where the platform tells" }),
  cpuSeconds: z.number().optional().openapi({ description: "User plus system CPU time, where the platform tells" }),
}).openapi("Worker");

export const PoolSchema = z.object({
  name: z.string(),
  role: z.string(),
  target: z.number().int().openapi({ description: "The number of workers the pool keeps" }),
  ready: z.number().int(),
  busy: z.enum(["scale", "restart"]).nullable(),
  workers: z.array(WorkerSchema),
}).openapi("Pool");

export const PoolsSchema = z.object({ pools: z.array(PoolSchema) }).openapi("Pools");

const EnvNames = z.array(z.string()).openapi({ description: "Names of the variables set (values are never shown)" });

export const ServiceSchema = z.object({
  name: z.string(),
  command: z.string(),
  version: z.string().openapi({ description: "bento-kit version" }),
  pid: z.number().int(),
  startedAt: z.number(),
  uptimeMs: z.number(),
  runtime: z.string(),
  options: z.record(z.string(), z.unknown()),
  sockets: z.array(z.object({ name: z.string(), kind: z.enum(["tcp", "unix"]), address: z.string() })),
  pools: z.array(z.object({
    name: z.string(),
    role: z.string(),
    command: z.object({ kind: z.enum(["argv", "module"]), argv: z.array(z.string()) }),
    env: EnvNames,
    workerEnv: z.array(EnvNames),
    cwd: z.string(),
    sockets: z.array(z.string()),
    workers: z.number().int().openapi({ description: "The workers the pool keeps now (after any scale)" }),
  })),
}).openapi("Service");

export const ScaleBodySchema = z.object({
  workers: z.number({ error: 'workers: expected a whole number of workers, e.g. {"workers": 3}' })
    .int({ error: "workers: expected a whole number" })
    .min(1, { error: "workers: expected at least 1 (to stop the service: bento-kit stop, or POST /v1/stop)" }),
}).strict().openapi("ScaleRequest");

export const PoolParamsSchema = z.object({
  pool: z.string().min(1).openapi({ param: { name: "pool", in: "path" }, example: "api_server" }),
});

export const WorkerParamsSchema = PoolParamsSchema.extend({
  id: z.coerce.number({ error: "id: expected a worker id (a whole number)" }).int({
    error: "id: expected a worker id (a whole number)",
  }).min(1, { error: "id: worker ids start at 1" })
    .openapi({ param: { name: "id", in: "path" }, example: 1, type: "integer" }),
});

export const StopSchema = z.object({ stopping: z.literal(true) }).openapi("Stopping");

export const UpgradedSchema = z.object({
  pid: z.number().int().openapi({ description: "The new supervisor's pid" }),
}).openapi("Upgraded");

export const ReloadedSchema = z.object({
  pools: z.array(PoolSchema),
  certificate: z.object({
    certfile: z.string(),
    serial: z.string().openapi({ description: "Hex, as openssl x509 -serial prints it", example: "1A2B3C" }),
    notAfter: z.string().openapi({ description: "ISO 8601" }),
  }).nullable().openapi({ description: "The certificate now served; null without TLS" }),
}).openapi("Reloaded");

export const EventsHeadersSchema = z.object({
  "last-event-id": z.string().regex(/^\d+$/, { error: "Last-Event-ID: expected the id of an event (a whole number)" })
    .optional()
    .openapi({
      param: { name: "last-event-id", in: "header" },
      description: "Replay the buffered events after this id",
    }),
});

export const HealthSchema = z.object({ ok: z.literal(true) }).openapi("Health");

const Values = z.array(z.number().nullable());

export const SeriesSchema = z.object({
  intervalMs: z.number().int().openapi({ description: "Time between samples" }),
  capacity: z.number().int().openapi({ description: "Samples kept (the oldest is overwritten)" }),
  t: z.array(z.number()).openapi({ description: "Epoch ms of each sample, oldest first" }),
  pools: z.array(z.object({
    name: z.string(),
    rate: Values.openapi({ description: "Requests answered per second (null: the workers serve no request metrics)" }),
    errors: Values.openapi({ description: "Responses with a 5xx status per second" }),
    p50: Values.openapi({ description: "Median latency of the interval's requests, seconds" }),
    p99: Values.openapi({ description: "99th percentile latency, seconds" }),
    rssBytes: Values.openapi({ description: "Resident memory of the pool's workers" }),
    cpu: Values.openapi({ description: "CPU cores the pool's workers used" }),
    workers: z.array(z.object({ id: z.number().int(), rssBytes: Values })),
  })),
}).openapi("Series");

export const SeriesQuerySchema = z.object({
  since: z.string().regex(/^\d+$/, { error: "since: expected epoch milliseconds (a whole number)" }).optional()
    .openapi({ param: { name: "since", in: "query" }, description: "Only the samples after this time" }),
});
