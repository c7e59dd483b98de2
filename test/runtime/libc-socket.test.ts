import { describe, expect, test } from "bun:test";
import type { SocketSpec } from "../../src/core/types.ts";
import {
  bindWithLibc,
  errnoName,
  ipv6Bytes,
  type LibcSocketFns,
  parseSockaddr,
  sockaddrIn,
  sockaddrIn6,
  sockaddrUn,
} from "../../src/runtime/libc/_libc-socket.ts";

describe("sockaddr builders", () => {
  test("sockaddr_in: family 2, big-endian port, 4 address bytes, 16 bytes long", () => {
    expect([...sockaddrIn("127.0.0.1", 8080)]).toEqual([2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test("sockaddr_in6: family 10, big-endian port, address at byte 8, 28 bytes long", () => {
    const b = sockaddrIn6("::1", 443)!;
    expect(b.length).toBe(28);
    expect([...b.subarray(0, 4)]).toEqual([10, 0, 1, 187]);
    expect([...b.subarray(8, 24)]).toEqual([...new Array(15).fill(0), 1]);
  });

  test("IPv6 literals with ::, a dotted IPv4 tail, or no compression", () => {
    expect([...ipv6Bytes("::")]).toEqual(new Array(16).fill(0));
    expect([...ipv6Bytes("2001:db8::ff00:42:8329")]).toEqual(
      [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29],
    );
    expect([...ipv6Bytes("::ffff:192.0.2.1")].slice(10)).toEqual([0xff, 0xff, 192, 0, 2, 1]);
    expect([...ipv6Bytes("fe80:0:0:0:0:0:0:1")]).toEqual([0xfe, 0x80, ...new Array(13).fill(0), 1]);
  });

  test("sockaddr_un: family 1 and a NUL-terminated path of at most 107 bytes", () => {
    const b = sockaddrUn("/tmp/a.sock") ?? new Uint8Array();
    expect(b.length).toBe(110);
    expect([...b.subarray(0, 2)]).toEqual([1, 0]);
    expect(new TextDecoder().decode(b.subarray(2, 13))).toBe("/tmp/a.sock");
    expect(b[13]).toBe(0);
    expect(sockaddrUn("/" + "x".repeat(106))).toBeDefined();
    expect(sockaddrUn("/" + "x".repeat(107))).toBeUndefined();
  });

  test("getsockname output parses back to the address", () => {
    expect(parseSockaddr(sockaddrIn("10.1.2.3", 3000))).toEqual({
      kind: "tcp",
      host: "10.1.2.3",
      port: 3000,
      family: 4,
    });
    expect(parseSockaddr(sockaddrIn6("2001:db8::1", 80)!)).toEqual({
      kind: "tcp",
      host: "2001:db8::1",
      port: 80,
      family: 6,
    });
    expect(parseSockaddr(sockaddrIn6("::1", 1)!)).toMatchObject({ host: "::1" });
    expect(parseSockaddr(sockaddrUn("/run/x.sock") ?? new Uint8Array())).toEqual({ kind: "unix", path: "/run/x.sock" });
  });

  test("errno numbers have their names", () => {
    expect([98, 13, 99, 22, 2].map(errnoName)).toEqual(["EADDRINUSE", "EACCES", "EADDRNOTAVAIL", "EINVAL", "ENOENT"]);
    expect(errnoName(4242)).toBe("errno 4242");
  });
});

/** A libc stand-in: socket() gives fd 7, `failing` returns -1 with errno `errno`. */
function fakeLibc(failing: keyof LibcSocketFns | undefined, errno: number) {
  const calls: string[] = [];
  const step = (name: keyof LibcSocketFns, value = 0) => {
    calls.push(name);
    return name === failing ? -1 : value;
  };
  const libc: LibcSocketFns = {
    socket: () => step("socket", 7),
    setsockopt: () => step("setsockopt"),
    bind: () => step("bind"),
    listen: () => step("listen"),
    getsockname: (_fd, addr) => {
      addr.set(sockaddrIn("127.0.0.1", 41234));
      return step("getsockname");
    },
    close: () => step("close"),
    errno: () => errno,
  };
  return { libc, calls };
}

const tcp: SocketSpec = { kind: "tcp", name: "http", host: "127.0.0.1", port: 3000, backlog: 128 };

describe("bindWithLibc", () => {
  test("binds, listens and reports the port getsockname gives", () => {
    const { libc, calls } = fakeLibc(undefined, 0);
    const r = bindWithLibc(libc, { ...tcp, port: 0 }, { address: "127.0.0.1", family: 4 });
    expect(r._unsafeUnwrap()).toEqual({ fd: 7, address: { kind: "tcp", host: "127.0.0.1", port: 41234, family: 4 } });
    expect(calls).toEqual(["socket", "setsockopt", "bind", "listen", "getsockname"]);
  });

  test("a failed bind closes the socket and names the port", () => {
    const { libc, calls } = fakeLibc("bind", 98);
    const e = bindWithLibc(libc, tcp, { address: "127.0.0.1", family: 4 })._unsafeUnwrapErr();
    expect(e).toMatchObject({ kind: "BindFailed", socket: "http", code: "EADDRINUSE" });
    expect(e.message).toBe(
      "Port 3000 on 127.0.0.1 is already in use (EADDRINUSE): stop the other process or pass --port",
    );
    expect(calls.at(-1)).toBe("close");
  });

  test("a privileged port fails with EACCES", () => {
    const { libc } = fakeLibc("bind", 13);
    const e = bindWithLibc(libc, { ...tcp, port: 80 }, { address: "127.0.0.1", family: 4 })._unsafeUnwrapErr();
    expect(e.message).toBe(
      "Port 80 on 127.0.0.1 needs privileges (EACCES): use a port above 1023 or run with the needed capability",
    );
  });

  test("reusePort sets SO_REUSEPORT as well", () => {
    const { libc, calls } = fakeLibc(undefined, 0);
    bindWithLibc(libc, { ...tcp, reusePort: true }, { address: "127.0.0.1", family: 4 });
    expect(calls.filter((c) => c === "setsockopt").length).toBe(2);
  });

  test("a too-long Unix path fails before any socket is made", () => {
    const { libc, calls } = fakeLibc(undefined, 0);
    const e = bindWithLibc(libc, { kind: "unix", name: "r", path: "/" + "x".repeat(120), backlog: 8 })
      ._unsafeUnwrapErr();
    expect(e.code).toBe("ENAMETOOLONG");
    expect(calls).toEqual([]);
  });
});
