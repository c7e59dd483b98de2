import { expect, test } from "bun:test";
import { resolveServeOptions } from "../../mod.ts";

test("defaults follow BentoML: 0.0.0.0:3000, backlog 2048", () => {
  const o = resolveServeOptions({}, {}, { workingDir: "/srv" })._unsafeUnwrap();
  expect(o).toMatchObject({
    host: "0.0.0.0",
    port: 3000,
    backlog: 2048,
    workingDir: "/srv",
    unixSockets: true,
    respawn: true,
  });
});

test("flag beats env var beats manifest default", () => {
  const env = { BENTO_PORT: "4000", BENTO_HOST: "127.0.0.1", BENTO_API_WORKERS: "3" };
  const o = resolveServeOptions({ port: "5000" }, env, { workingDir: "/", port: 6000, host: "::1" })._unsafeUnwrap();
  expect(o.port).toBe(5000);
  expect(o.host).toBe("127.0.0.1");
  expect(o.apiWorkers).toBe(3);
  expect(resolveServeOptions({}, {}, { workingDir: "/", port: 6000 })._unsafeUnwrap().port).toBe(6000);
});

test("a bad value names the flag or the env var", () => {
  expect(resolveServeOptions({ port: "abc" }, {}, { workingDir: "/" })._unsafeUnwrapErr().message)
    .toBe('--port: expected a whole number from 0 to 65535, got "abc"');
  expect(resolveServeOptions({}, { BENTO_API_WORKERS: "0" }, { workingDir: "/" })._unsafeUnwrapErr().message)
    .toContain("BENTO_API_WORKERS: expected a whole number from 1 to 1024");
});

test("BENTO_CONTAINERIZED turns respawn off; BENTO_NO_UDS turns Unix sockets off", () => {
  const o = resolveServeOptions({}, { BENTO_CONTAINERIZED: "true", BENTO_NO_UDS: "1" }, { workingDir: "/" })
    ._unsafeUnwrap();
  expect(o.respawn).toBe(false);
  expect(o.unixSockets).toBe(false);
});

test("a bracketed IPv6 host is unwrapped", () => {
  expect(resolveServeOptions({ host: "[::1]" }, {}, { workingDir: "/" })._unsafeUnwrap().host).toBe("::1");
});

test("a flag given without its value is an error, not the default", () => {
  expect(resolveServeOptions({ port: "" }, {}, { workingDir: "/" })._unsafeUnwrapErr().message).toBe(
    "--port: needs a value, e.g. --port 3000",
  );
  expect(resolveServeOptions({}, { BENTO_PORT: "" }, { workingDir: "/" })._unsafeUnwrap().port).toBe(3000);
});

test("the CLI's VERSION, deno.json, package-lock.json and create-bento-kit (its version and its bento-kit dependency) are package.json's version", async () => {
  const { VERSION } = await import("../../src/version.ts");
  const pkg = await import("../../package.json");
  expect(VERSION).toBe(pkg.default.version);
  // @ts-expect-error -- a plain .mjs script, with no declarations
  const { versionMismatches } = await import("../../scripts/versions.mjs");
  expect(versionMismatches()).toEqual([]);
});

test("environment switches: 0, false, no and empty mean off", () => {
  for (const off of ["0", "false", "no", ""]) {
    const o = resolveServeOptions({}, { BENTO_CONTAINERIZED: off, BENTO_NO_UDS: off }, { workingDir: "/" })
      ._unsafeUnwrap();
    expect([o.respawn, o.unixSockets]).toEqual([true, true]);
  }
});
