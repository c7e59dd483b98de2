// IPv6 zone ids (`fe80::1%eth0`) on the Bun/Deno bind path: the zone becomes
// sin6_scope_id, without which the kernel refuses a link-local address.
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import type { SocketSpec } from "../../src/core/types.ts";
import { scopeId, sockaddrIn6 } from "../../src/runtime/libc/_libc-socket.ts";
import { createBunRuntime } from "../../src/runtime/bun/mod.ts";
import type { BoundSocket } from "../../src/core/types.ts";

const runtime = createBunRuntime();
const bound: BoundSocket[] = [];
afterEach(() => {
  for (const socket of bound.splice(0)) runtime.close(socket);
});

const spec = (host: string): SocketSpec => ({ kind: "tcp", name: "api", host, port: 0, backlog: 16, reusePort: false });
const scopeOf = (b: Uint8Array | undefined) => (b ? new DataView(b.buffer).getUint32(24, true) : undefined);

/** This machine's first link-local IPv6 address with its interface, from /proc/net/if_inet6. */
function linkLocal(): { address: string; iface: string } | undefined {
  let table = "";
  try {
    table = readFileSync("/proc/net/if_inet6", "utf8");
  } catch {
    return undefined;
  }
  for (const line of table.trim().split("\n")) {
    const [hex = "", , , scope, , iface = ""] = line.trim().split(/\s+/);
    if (scope !== "20") continue; // link scope
    return { address: hex.match(/.{4}/g)!.join(":"), iface };
  }
  return undefined;
}

test("a zone sets sin6_scope_id: an interface name through its index, a number as is", () => {
  const lo = Number(readFileSync("/sys/class/net/lo/ifindex", "utf8"));
  expect(scopeOf(sockaddrIn6("fe80::1%lo", 80))).toBe(lo);
  expect(scopeOf(sockaddrIn6("fe80::1%7", 80))).toBe(7);
  expect(scopeOf(sockaddrIn6("fe80::1", 80))).toBe(0);
  expect([...sockaddrIn6("fe80::1%lo", 80)!.subarray(8, 24)]).toEqual([0xfe, 0x80, ...new Array(13).fill(0), 1]);
  expect(scopeId("no-such-if0")).toBeUndefined();
  expect(scopeId("../etc")).toBeUndefined();
});

test("binding to an unknown zone names it", async () => {
  const result = await runtime.bind(spec("fe80::1%no-such-if0"));
  expect(result._unsafeUnwrapErr().message).toContain('no network interface "no-such-if0"');
});

test("a link-local address with its zone binds and accepts connections (Bun/Deno libc path)", async () => {
  const found = linkLocal();
  if (found === undefined) return console.warn("no link-local IPv6 address on this machine: skipped");
  const host = `${found.address}%${found.iface}`;
  const socket = (await runtime.bind(spec(host)))._unsafeUnwrap();
  bound.push(socket);
  expect(socket.address).toMatchObject({ kind: "tcp", host, family: 6 });
  const port = socket.address.kind === "tcp" ? socket.address.port : 0;
  await new Promise<void>((resolve, reject) => {
    const c = connect({ host, port }, () => (c.destroy(), resolve()));
    c.on("error", reject);
  });
});

test("::1 with a zone binds too (the kernel ignores the scope of a non-link-local address)", async () => {
  const socket = (await runtime.bind(spec("::1%lo")))._unsafeUnwrap();
  bound.push(socket);
  expect(socket.address).toMatchObject({ host: "::1%lo", family: 6 });
});
