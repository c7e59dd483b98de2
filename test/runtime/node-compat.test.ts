import { expect, test } from "bun:test";
import { PassThrough } from "node:stream";
import { MAX_LINE, resolveHost, splitLines } from "../../src/runtime/_node-compat.ts";

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
