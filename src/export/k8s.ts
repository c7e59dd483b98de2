/**
 * Kubernetes objects for a topology: a Deployment and a ClusterIP Service per
 * component. Containers run the bento-kit entry point with the component's
 * arguments, `BENTO_CONTAINERIZED` set (no respawn: a pool that loses its last
 * worker ends the container and Kubernetes restarts it), the port named
 * `http`, startup and liveness probes on the workers' `/livez`, a readiness
 * probe on `/readyz` (bento-kit/worker's serve() answers both),
 * resource requests from the manifest (GPUs as `nvidia.com/gpu` limits), and
 * a termination grace period a little longer than the supervisor's graceful
 * timeout, so the supervisor's own SIGKILL comes before the kubelet's.
 */
import type { Component } from "./topology.ts";

export interface K8sOptions {
  readonly image: string;
  readonly namespace: string;
  /** The image's bento-kit command, e.g. ["bento-kit"] or ["npx", "bento-kit"]. */
  readonly entrypoint: readonly string[];
  readonly service: string;
}

/** Seconds the kubelet waits beyond the supervisor's graceful timeout. */
export const GRACE_MARGIN_S = 5;

type Obj = Record<string, unknown>;

/** The cluster DNS name of a component's Service. */
export function serviceDns(component: string, namespace: string): string {
  return `${component}.${namespace}.svc.cluster.local`;
}

export function buildK8sObjects(components: readonly Component[], o: K8sOptions): Obj[] {
  return components.flatMap((c) => [deployment(c, o), service(c, o)]);
}

function labels(c: Component, o: K8sOptions): Record<string, string> {
  return {
    "app.kubernetes.io/name": o.service.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").slice(0, 63),
    "app.kubernetes.io/component": c.name,
    "app.kubernetes.io/managed-by": "bento-kit",
  };
}

function deployment(c: Component, o: K8sOptions): Obj {
  const probe = (path: string, failureThreshold: number) => ({
    httpGet: { path, port: "http" },
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold,
  });
  const container: Obj = {
    name: c.role === "runner" ? "runner" : "api-server",
    image: o.image,
    command: [...o.entrypoint],
    args: [...c.args],
    ports: [{ name: "http", containerPort: c.port, protocol: "TCP" }],
    env: Object.entries(c.env).map(([name, value]) => ({ name, value })),
    startupProbe: { ...probe(c.livenessPath, 30), periodSeconds: 2 },
    readinessProbe: probe(c.readinessPath, 3),
    livenessProbe: probe(c.livenessPath, 3),
  };
  const resources = resourceRequirements(c);
  if (resources) container.resources = resources;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: c.name, namespace: o.namespace, labels: labels(c, o) },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels(c, o) },
      template: {
        metadata: { labels: labels(c, o), annotations: { "bento-kit/workers": String(c.workers) } },
        spec: { terminationGracePeriodSeconds: c.gracefulTimeout + GRACE_MARGIN_S, containers: [container] },
      },
    },
  };
}

function service(c: Component, o: K8sOptions): Obj {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: c.name, namespace: o.namespace, labels: labels(c, o) },
    spec: {
      type: "ClusterIP",
      selector: labels(c, o),
      ports: [{ name: "http", port: c.port, targetPort: "http", protocol: "TCP" }],
    },
  };
}

function resourceRequirements(c: Component): Obj | undefined {
  const r = c.resources;
  if (!r) return undefined;
  const requests: Record<string, string> = {};
  if (r.cpu !== undefined) requests.cpu = String(r.cpu);
  if (r.memory !== undefined) requests.memory = r.memory;
  const limits: Record<string, string> = r.gpu ? { "nvidia.com/gpu": String(r.gpu) } : {};
  const out: Obj = {};
  if (Object.keys(requests).length > 0) out.requests = requests;
  if (Object.keys(limits).length > 0) out.limits = limits;
  return Object.keys(out).length > 0 ? out : undefined;
}
