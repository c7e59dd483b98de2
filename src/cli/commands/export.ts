/**
 * `bento-kit export k8s [SERVICE_DIR] --image IMAGE [--namespace NS] [--out DIR]`
 * (and `export compose ...`, or `--format compose`): the files that run a
 * service scaled out, one runner server per runner and the HTTP API server in
 * front of them, planned with the same spec builders and plugins the
 * commands use. Nothing is bound or started. Without `--out`, the YAML goes
 * to stdout.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineCommand } from "../_define-command.ts";
import { err, ok, type Result } from "neverthrow";
import { stringify } from "yaml";
import { type BentoError, type OptionInvalid, optionInvalid } from "../../core/errors.ts";
import { buildCompose } from "../../export/compose.ts";
import { buildK8sObjects, serviceDns } from "../../export/k8s.ts";
import { buildTopology } from "../../export/topology.ts";
import { fail } from "../terminal/_fail.ts";
import { loadService } from "../../launch/_load-manifest.ts";
import { createCliLogger } from "../terminal/_logger.ts";
import { optionArgs } from "../_option-args.ts";

const FORMATS = ["k8s", "compose"] as const;
type Format = (typeof FORMATS)[number];
/** The port runner servers listen on inside their pods and containers. */
export const RUNNER_PORT = 3001;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const exportArgs = {
  target: {
    type: "positional",
    required: false,
    default: "k8s",
    description: "What to write: k8s (Deployments and Services) or compose (a Compose file)",
  },
  service: { type: "positional", required: false, default: ".", description: "Directory holding bento.config.ts" },
  format: {
    type: "string",
    valueHint: "FORMAT",
    description: "k8s or compose: overrides the first argument (export k8s DIR --format compose)",
  },
  image: {
    type: "string",
    valueHint: "IMAGE",
    description: "Container image holding the service and bento-kit (required)",
  },
  namespace: {
    type: "string",
    valueHint: "NS",
    description: "Kubernetes namespace of every object (default: default)",
  },
  out: { type: "string", valueHint: "DIR", description: "Write the files into DIR (default: print to stdout)" },
  entrypoint: {
    type: "string",
    valueHint: "CMD",
    description: "The image's bento-kit command, split on spaces (default: bento-kit)",
  },
  "service-path": {
    type: "string",
    valueHint: "PATH",
    description: "The service directory inside the image (default: ., the image's working directory)",
  },
  "runner-port": {
    type: "string",
    valueHint: "PORT",
    description: `Port of every runner server in its pod (default ${RUNNER_PORT})`,
  },
  ...optionArgs(["port", "timeout", "timeout-keep-alive", "timeout-graceful-shutdown"]),
} as const;

export const exportCommand = defineCommand({
  meta: {
    name: "export",
    description:
      "Write Kubernetes manifests (or a Compose file) that run the service scaled out: a runner server per runner, the HTTP API server in front",
  },
  args: exportArgs,
  async run({ args }) {
    const raw = args as Record<string, string | undefined>;
    const result = await exportFiles(raw);
    if (result.isErr()) return fail(result.error);
    if (raw.out === undefined) return void process.stdout.write(result.value.map((f) => f.text).join("---\n"));
    const dir = resolve(raw.out);
    mkdirSync(dir, { recursive: true });
    for (const file of result.value) writeFileSync(join(dir, file.name), file.text);
    process.stderr.write(`Wrote ${result.value.map((f) => join(raw.out!, f.name)).join(", ")}\n`);
  },
});

interface OutFile {
  readonly name: string;
  readonly text: string;
}

async function exportFiles(raw: Record<string, string | undefined>): Promise<Result<OutFile[], BentoError>> {
  const format = (raw.format ?? raw.target ?? "k8s") as Format;
  const checked = checkArgs(raw, format);
  if (checked.isErr()) return err(checked.error);
  const loaded = await loadService(raw.service ?? ".");
  if (loaded.isErr()) return err(loaded.error);
  const { service } = loaded.value;
  const flags = Object.fromEntries(
    (["port", "timeout", "timeout-keep-alive", "timeout-graceful-shutdown"] as const)
      .filter((name) => raw[name] !== undefined).map((name) => [name, raw[name]]),
  );
  const { namespace, image, entrypoint, runnerPort } = checked.value;
  const logger = createCliLogger({ debug: false });
  const topology = await buildTopology(loaded.value, {
    flags,
    runnerPort,
    serviceDir: raw["service-path"] ?? ".",
    runnerHost: (name) => (format === "k8s" ? serviceDns(name, namespace) : name),
    logger,
  });
  if (topology.isErr()) return err(topology.error);
  if (format === "compose") {
    return ok([{ name: "compose.yaml", text: stringify(buildCompose(topology.value, { image, entrypoint })) }]);
  }
  for (const c of topology.value) {
    for (const pool of c.foreignPools) {
      logger.warn(
        `${c.name}: pool ${pool} does not run a bento-kit/worker module, so nothing says it answers the probes ` +
          `GET ${c.livenessPath} and GET ${c.readinessPath}: serve them (docs/worker-contract.md) or edit the probes`,
      );
    }
  }
  const objects = buildK8sObjects(topology.value, { image, namespace, entrypoint, service: service.name });
  return ok(topology.value.map((c) => ({
    name: `${c.name}.yaml`,
    text: objects.filter((o) => (o.metadata as { name: string }).name === c.name).map((o) => stringify(o)).join(
      "---\n",
    ),
  })));
}

function checkArgs(raw: Record<string, string | undefined>, format: string) {
  const problems: OptionInvalid[] = [];
  if (!(FORMATS as readonly string[]).includes(format)) {
    problems.push(optionInvalid("FORMAT", `expected k8s or compose, got ${JSON.stringify(format)}`));
  }
  const image = raw.image?.trim() ?? "";
  if (image === "") {
    problems.push(
      optionInvalid(
        "--image",
        "is required: the container image holding the service and bento-kit, e.g. --image registry.example.com/iris:1.0",
      ),
    );
  }
  const namespace = raw.namespace ?? "default";
  if (!NAMESPACE.test(namespace) || namespace.length > 63) {
    problems.push(
      optionInvalid(
        "--namespace",
        `${JSON.stringify(namespace)} is not a Kubernetes namespace name (lowercase letters, digits and '-')`,
      ),
    );
  }
  const runnerPort = Number(raw["runner-port"] ?? RUNNER_PORT);
  if (!/^\d+$/.test(raw["runner-port"] ?? "1") || runnerPort < 1 || runnerPort > 65535) {
    problems.push(
      optionInvalid("--runner-port", `expected a port from 1 to 65535, got ${JSON.stringify(raw["runner-port"])}`),
    );
  }
  const entrypoint = (raw.entrypoint ?? "bento-kit").trim().split(/\s+/).filter(Boolean);
  if (problems.length > 0) return err({ ...problems[0]!, message: problems.map((p) => p.message).join("\n") });
  return ok({ image, namespace, runnerPort, entrypoint });
}
