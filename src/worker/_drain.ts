/**
 * A graceful stop on a shared socket without a single failed request: stop
 * accepting (the socket stays open in the supervisor and the other workers,
 * so new connections wait in the backlog for them), answer every request
 * still arriving on an open connection with `Connection: close`, and close a
 * keep-alive connection only once it has been idle for a while. Closing idle
 * connections at once (what Node's `server.close()` does) races with a client
 * that is sending its next request on them, which then fails.
 *
 * The bookkeeping is per connection: a request costs a counter and one
 * `close` listener made once per connection, not a closure of its own
 * (`--cpu-prof` under load: two listeners and closures per request, here and
 * in serve(), were part of what a request cost more than at d2044e3).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import { Server as TlsServer } from "node:tls";

/** A connection idle this long during a drain is closed. */
export const DRAIN_IDLE_MS = 1000;

interface Connection {
  busy: number;
  idleSince: number;
  /** The answer being made on it (the last one, when requests are pipelined). */
  res: ServerResponse | undefined;
  /** Its answers' `close` listener. */
  readonly done: () => void;
}

export interface Tracked {
  /** Called by the request handler for every request. */
  request(req: IncomingMessage, res: ServerResponse): void;
  /** Requests being answered. */
  inFlight(): number;
  /** Stops accepting; resolves once every connection is closed. */
  drain(): Promise<void>;
}

export function trackConnections(server: Server): Tracked {
  const connections = new Map<Socket, Connection>();
  let draining = false;
  let inFlight = 0;
  // Over TLS a request's socket is the TLS socket, which "secureConnection" gives.
  server.on(server instanceof TlsServer ? "secureConnection" : "connection", (socket: Socket) => {
    const c: Connection = {
      busy: 0,
      idleSince: Date.now(),
      res: undefined,
      done: () => {
        c.busy -= 1;
        inFlight -= 1;
        c.res = undefined;
        c.idleSince = Date.now();
      },
    };
    connections.set(socket, c);
    socket.once("close", () => connections.delete(socket));
  });
  return {
    request(req, res) {
      if (draining) res.setHeader("Connection", "close");
      const c = connections.get(req.socket);
      if (!c) return;
      c.busy += 1;
      inFlight += 1;
      c.res = res;
      res.once("close", c.done);
    },
    inFlight: () => inFlight,
    drain() {
      draining = true;
      // Answers still to be written ask their clients to go away afterwards.
      for (const c of connections.values()) if (c.res && !c.res.headersSent) c.res.setHeader("Connection", "close");
      return new Promise<void>((resolve) => {
        // net.Server's close: stop accepting, keep the open connections.
        NetServer.prototype.close.call(server, () => resolve());
        const sweep = setInterval(() => {
          const now = Date.now();
          for (const [socket, c] of connections) if (c.busy === 0 && now - c.idleSince >= DRAIN_IDLE_MS) socket.end();
          if (connections.size === 0) clearInterval(sweep);
        }, 50);
        sweep.unref?.();
      });
    },
  };
}
