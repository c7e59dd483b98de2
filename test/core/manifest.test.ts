import { expect, test } from "bun:test";
import { validateManifest } from "../../mod.ts";

const good = {
  name: "iris_classifier",
  api: { command: { module: "./api.ts" }, workers: 2 },
  runners: { iris: { command: ["python3", "-m", "uvicorn", "--fd", "{fd}", "runner:app"], workers: 2 } },
};

test("a valid manifest becomes a ServiceDef with normalized commands", () => {
  const def = validateManifest(good, "bento.config.ts")._unsafeUnwrap();
  expect(def.name).toBe("iris_classifier");
  expect(def.api.command).toEqual({ kind: "module", module: "./api.ts", args: [] });
  expect(def.runners[0]).toMatchObject({ name: "iris", workers: 2, command: { kind: "argv" } });
});

test("every mistake is reported at once, each with its path", () => {
  const bad = {
    name: "",
    api: { command: [], workers: 0 },
    runners: {
      iris: { command: ["python3", "{fd:nope}", "{bogus}"], workers: -1, workerEnv: [{ A: 1 }] },
      "bad name": { command: { module: "" } },
    },
    env: { X: 3 },
    serve: { port: 70000, colour: "blue" },
    extra: true,
  };
  const error = validateManifest(bad, "bento.config.ts")._unsafeUnwrapErr();
  expect(error.kind).toBe("ManifestInvalid");
  const paths = error.issues.map((i) => i.path);
  for (
    const path of [
      "name",
      "api.command",
      "api.workers",
      "runners.iris.command[1]",
      "runners.iris.command[2]",
      "runners.iris.workers",
      "runners.iris.workerEnv[0].A",
      "runners.bad name",
      "runners.bad name.command.module",
      "env.X",
      "serve.port",
      "serve.colour",
      "extra",
    ]
  ) expect(paths).toContain(path);
  expect(error.message).toContain("runners.iris.command[2]: unknown placeholder {bogus}");
  expect(error.message).toMatch(/^bento.config.ts has \d+ problems:/);
});

test("workerEnv must give one env per worker", () => {
  const m = { ...good, runners: { iris: { command: ["x"], workers: 2, workerEnv: [{ CUDA_VISIBLE_DEVICES: "0" }] } } };
  const error = validateManifest(m, "f")._unsafeUnwrapErr();
  expect(error.issues).toEqual([{
    path: "runners.iris.workerEnv",
    message: "has 1 entry for 2 workers: give one env object per worker",
  }]);
});

test("a manifest that is not an object says so", () => {
  const error = validateManifest(42, "f")._unsafeUnwrapErr();
  expect(error.issues[0]?.message).toContain("expected an object");
});

test("a module command may name its runtime and, for Deno, more permissions; anything else is reported", () => {
  const api = {
    command: {
      module: "./api.ts",
      runtime: "deno",
      denoPermissions: ["--allow-read=/models", "--allow-net=api.example.com:443"],
    },
  };
  const def = validateManifest({ ...good, api }, "bento.config.ts")._unsafeUnwrap();
  expect(def.api.command).toEqual({
    kind: "module",
    module: "./api.ts",
    args: [],
    runtime: "deno",
    denoPermissions: ["--allow-read=/models", "--allow-net=api.example.com:443"],
  });
  const bad = {
    ...good,
    api: { command: { module: "./api.ts", runtime: "python", denoPermissions: ["--inspect", 3], flags: [] } },
  };
  const error = validateManifest(bad, "bento.config.ts")._unsafeUnwrapErr();
  expect(error.message).toContain('api.command.runtime: expected "node", "bun" or "deno"');
  expect(error.message).toContain(
    'api.command.denoPermissions[0]: expected a Deno permission flag such as "--allow-read=/models"',
  );
  expect(error.issues.map((i) => i.path)).toEqual([
    "api.command.runtime",
    "api.command.denoPermissions[0]",
    "api.command.denoPermissions[1]",
    "api.command.flags",
  ]);
});

test("a pool's reload.include: a list of patterns; anything else is reported with its path", () => {
  const m = { ...good, runners: { iris: { command: ["python3", "runner.py"], reload: { include: ["*.py"] } } } };
  expect(validateManifest(m, "f")._unsafeUnwrap().runners[0]?.reload).toEqual({ include: ["*.py"] });
  const bad = {
    ...good,
    api: { ...good.api, reload: { include: "*.ts" } },
    runners: { iris: { command: ["x"], reload: { inclde: ["*.py"] } } },
  };
  const error = validateManifest(bad, "f")._unsafeUnwrapErr();
  expect(error.issues.map((i) => i.path)).toEqual([
    "runners.iris.reload.inclde",
    "runners.iris.reload.include",
    "api.reload.include",
  ]);
  expect(error.issues[2]?.message).toBe('expected a list of file patterns, e.g. { include: ["*.py"] }; got "*.ts"');
});

test("issue 19 item 13: runners named like Object's properties are runners; `__proto__:` in an object literal is reported", () => {
  const names = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];
  const runner = { command: ["sleep", "1000"] };
  const runners = JSON.parse(`{${names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(runner)}`).join(",")}}`);
  const def = validateManifest({ ...good, runners }, "bento.config.json")._unsafeUnwrap();
  expect(def.runners.map((r) => r.name)).toEqual(names);
  // A literal `__proto__: {...}` sets the prototype: the runner would silently be missing.
  const literal = { ...good, runners: { __proto__: runner, iris: runner } };
  expect(validateManifest(literal, "bento.config.ts")._unsafeUnwrapErr().issues).toEqual([{
    path: "runners.__proto__",
    message:
      'in an object literal `__proto__:` sets the prototype instead of naming a runner: write ["__proto__"]: or rename the runner',
  }]);
});
