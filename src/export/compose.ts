/**
 * A Docker Compose file for a topology: one Compose service per component,
 * the runners reached by their Compose service names on the default network,
 * only the API's port published, `stop_grace_period` a little longer than the
 * supervisor's graceful timeout, `restart: unless-stopped` (with
 * `BENTO_CONTAINERIZED` set, a failed pool ends its container).
 */
import { GRACE_MARGIN_S } from "./k8s.ts";
import type { Component } from "./topology.ts";

export interface ComposeOptions {
  readonly image: string;
  readonly entrypoint: readonly string[];
}

export function buildCompose(components: readonly Component[], o: ComposeOptions): Record<string, unknown> {
  const services: Record<string, unknown> = {};
  for (const c of components) {
    const service: Record<string, unknown> = {
      image: o.image,
      entrypoint: [...o.entrypoint],
      command: [...c.args],
      environment: { ...c.env },
      expose: [String(c.port)],
      stop_grace_period: `${c.gracefulTimeout + GRACE_MARGIN_S}s`,
      restart: "unless-stopped",
    };
    if (c.role === "api") {
      service.ports = [`${c.port}:${c.port}`];
      service.depends_on = components.filter((x) => x.role === "runner").map((x) => x.name);
    }
    const r = c.resources;
    if (r && (r.cpu !== undefined || r.memory !== undefined || r.gpu)) {
      const reservations: Record<string, unknown> = {};
      if (r.cpu !== undefined) reservations.cpus = cpus(r.cpu);
      if (r.memory !== undefined) reservations.memory = r.memory.replace(/i$/, "").toLowerCase();
      if (r.gpu) reservations.devices = [{ driver: "nvidia", count: r.gpu, capabilities: ["gpu"] }];
      service.deploy = { resources: { reservations } };
    }
    services[c.name] = service;
  }
  return { services };
}

function cpus(cpu: number | string): string {
  return typeof cpu === "string" && cpu.endsWith("m") ? String(Number(cpu.slice(0, -1)) / 1000) : String(cpu);
}
