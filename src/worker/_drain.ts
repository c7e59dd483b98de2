/**
 * A graceful stop on a shared socket without a single failed request: stop
 * accepting (the socket stays open in the supervisor and the other workers,
 * so new connections wait in the backlog for them), answer every request
 * still arriving on an open connection with `Connection: close`, and close a
 * keep-alive connection only once it has been idle for a while. Closing idle
 * connections at once (what Node's `server.close()` does) races with a client
 * that is sending its next request on them, which then fails.
 */
import type { Server } from "node:http";
import { Server as NetServer, type Socket } from "node:net";
import { Server as TlsServer } from "node:tls";

/** A connection idle this long during a drain is closed. */
export const DRAIN_IDLE_MS = 1000;

interface Connection {
  busy: number;
  idleSince: number;
}

export function trackConnections(server: Server): { drain(): Promise<void> } {
  const connections = new Map<Socket, Connection>();
  let draining = false;
  // Over TLS a request's socket is the TLS socket, which "secureConnection" gives.
  server.on(server instanceof TlsServer ? "secureConnection" : "connection", (socket: Socket) => {
    connections.set(socket, { busy: 0, idleSince: Date.now() });
    socket.once("close", () => connections.delete(socket));
  });
  server.prependListener("request", (req, res) => {
    const c = connections.get(req.socket);
    if (draining) res.setHeader("Connection", "close");
    if (!c) return;
    c.busy += 1;
    res.once("close", () => {
      c.busy -= 1;
      c.idleSince = Date.now();
    });
  });
  return {
    drain() {
      draining = true;
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
