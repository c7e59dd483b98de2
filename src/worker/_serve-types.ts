/**
 * What `serve()` takes and returns (src/worker/_serve.ts), in a module of its
 * own so that the modules serve() uses (metrics, the Bun/Deno server) can name
 * them without importing serve() back.
 */
/** A Web-standard request handler, e.g. a Hono app's `app.fetch`. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface ServeOptions {
  /** Name of the inherited socket (from `LISTEN_FDNAMES`); default: the only one. */
  readonly socket?: string;
  /** Serve on this fd instead of looking one up, e.g. one given in argv. */
  readonly fd?: number;
  /** Stop gracefully and exit on SIGTERM and SIGINT (default `true`). */
  readonly handleSignals?: boolean;
  /**
   * Tell the supervisor this worker is ready once it listens (default `true`).
   * Pass `false` when more start-up follows, then call `notifyReady()` yourself.
   */
  readonly notify?: boolean;
}

export interface ServeHandle {
  /** The fd being served; -1 on Bun and Deno, which listen on the reserved port themselves. */
  readonly fd: number;
  /**
   * Stop accepting, let in-flight requests finish, close idle keep-alive
   * connections. Never unlinks a Unix socket file: the supervisor owns it.
   */
  close(): Promise<void>;
}
