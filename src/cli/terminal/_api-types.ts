/** The admin API's answers as the CLI reads them (see docs/admin-api.md). */
import type { PoolView, WorkerView } from "../../core/control.ts";
import type { ServiceInfo } from "../../admin/service-info.ts";

export interface ApiWorker extends WorkerView {
  readonly uptimeMs: number | null;
  readonly rssBytes?: number;
  readonly cpuSeconds?: number;
}

export interface ApiPool extends Omit<PoolView, "workers"> {
  readonly workers: readonly ApiWorker[];
}

export interface ApiService extends ServiceInfo {
  readonly uptimeMs: number;
}
