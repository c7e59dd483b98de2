import { expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { isIP } from "node:net";
import { ipFamily } from "../../src/runtime/shared/_bind-errors.ts";
import { resolveHost } from "../../src/runtime/shared/_node-compat.ts";
import { MAX_LINE, splitLines } from "../../src/runtime/shared/_spawn-node.ts";

function collect(chunks: (string | Buffer)[]): Promise<string[]> {
  const stream = new PassThrough();
  const lines: string[] = [];
  splitLines(stream, (l) => lines.push(l));
  return new Promise((resolve) => {
    stream.on("end", () => setTimeout(() => resolve(lines), 0));
    for (const c of chunks) stream.write(c);
    stream.end();
  });
}

test("lines split across chunks, CRLF, empty lines and an unterminated last line", async () => {
  expect(await collect(["he", "llo\r\nwor", "ld\n\nlast"])).toEqual(["hello", "world", "", "last"]);
});

test("a multi-byte character split between chunks stays whole", async () => {
  const bytes = Buffer.from("é€\n");
  expect(await collect([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)])).toEqual(["é€"]);
});

test("a line longer than MAX_LINE arrives in pieces", async () => {
  const lines = await collect(["x".repeat(MAX_LINE + 10), "y\n"]);
  expect(lines.map((l) => l.length)).toEqual([MAX_LINE, 11]);
});

test("resolveHost passes IP literals through and resolves localhost to 127.0.0.1", async () => {
  expect(await resolveHost("::1")).toEqual({ address: "::1", family: 6 });
  expect(await resolveHost("[::1]")).toEqual({ address: "::1", family: 6 });
  expect(await resolveHost("0.0.0.0")).toEqual({ address: "0.0.0.0", family: 4 });
  expect(await resolveHost("localhost")).toEqual({ address: "127.0.0.1", family: 4 });
});

test("ipFamily answers as node:net's isIP: IPv4, IPv6 with and without a zone, hostnames and near misses", () => {
  const hosts = [
    "127.0.0.1",
    "0.0.0.0",
    "255.255.255.255",
    "256.1.1.1",
    "1.2.3.04",
    "1.2.3",
    " 127.0.0.1",
    "",
    "::",
    "::1",
    "fe80::1%eth0",
    "fe80::1%",
    "fe80::1%a%b",
    "::ffff:1.2.3.4",
    "1::2::3",
    "2001:db8::1",
    "gggg::1",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9",
    "[::1]",
    "localhost",
    "example.com",
  ];
  expect(hosts.map((h): number => ipFamily(h))).toEqual(hosts.map((h) => isIP(h)));
});
