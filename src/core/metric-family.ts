/**
 * The `monitoring:collect` hook's types (declared by the built-in monitoring
 * plugin, plugins/monitoring.ts): here in the core so that BentoHooks names
 * the hook without a module augmentation, which JSR does not publish.
 */

/** One metric family a `monitoring:collect` handler reports. */
export interface MetricFamily {
  readonly name: string;
  readonly type: "counter" | "gauge";
  readonly help: string;
  readonly samples: readonly { readonly labels?: Readonly<Record<string, string>>; readonly value: number }[];
}

/** What a `monitoring:collect` handler is given at each scrape. */
export interface MonitoringCollect {
  readonly service: string;
}
