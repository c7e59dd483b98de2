/** What every admin route reads: the control port, the service description, the clock. */
import type { ServiceControl } from "../core/control.ts";
import type { ProcessStats } from "../core/ports.ts";
import type { SeriesStore } from "../core/series.ts";
import type { EventLog } from "./_event-log.ts";
import type { EventStreams } from "./_sse.ts";
import type { ServiceInfo } from "./service-info.ts";

export interface AdminContext {
  readonly control: ServiceControl;
  readonly service: () => ServiceInfo;
  readonly stats?: (pid: number) => ProcessStats | undefined;
  readonly now: () => number;
  readonly log: EventLog;
  readonly streams: EventStreams;
  /** The charts' time series; absent with --no-admin-charts. */
  readonly series?: SeriesStore;
}
