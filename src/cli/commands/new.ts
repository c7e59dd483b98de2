/**
 * `bento-kit new DIR`: scaffold a service that `bento-kit serve DIR` serves at
 * once: an API server in front of a runner pool of 2 workers (TypeScript, or
 * Python under uvicorn with `--python`), its manifest, a test and a
 * package.json with `"type": "module"`. The files come from the package's
 * `templates/` (copied to `dist/templates/` in the npm build).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { defineCommand } from "../_define-command.ts";
import { packageAsset } from "../../package-file.ts";
import { VERSION } from "../../version.ts";
import { failUsage } from "../terminal/_admin-client.ts";
import { nextSteps } from "../terminal/_next-steps.ts";

export const newCommand = defineCommand({
  meta: { name: "new", description: "Create a service in a new directory: an API server, a runner pool, a test" },
  args: {
    dir: {
      type: "positional",
      required: true,
      valueHint: "DIR",
      description: "The directory to create (new or empty)",
    },
    python: { type: "boolean", description: "Write the runner in Python, served by uvicorn (python3 -m uvicorn)" },
  },
  run({ args }) {
    const dir = resolve(args.dir);
    const problem = notEmpty(dir);
    if (problem) return failUsage(`${args.dir} ${problem}: give a new or empty directory`);
    const name = basename(dir).replace(/[^A-Za-z0-9_.-]+/g, "_") || "service";
    const files = scaffold(args.python ? "python" : "typescript", name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of files) writeFileSync(join(dir, file), text);
    const rel = relative(process.cwd(), dir) || ".";
    console.log(
      `Created ${rel}: ${[...files.keys()].sort().join(", ")}\n\n${nextSteps(dir, rel, args.python === true)}`,
    );
  },
});

/** Why `dir` cannot take the service, or undefined. */
function notEmpty(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  if (!statSync(dir).isDirectory()) return "exists and is not a directory";
  return readdirSync(dir).length > 0 ? "is not empty" : undefined;
}

/** File name → text of the service's files. */
function scaffold(runner: "typescript" | "python", name: string): Map<string, string> {
  const files = new Map<string, string>();
  const runnerText = runner === "python" ? "`runner.py`, under uvicorn" : "`runner.ts`, with the model in `model.ts`";
  for (const folder of ["common", runner]) {
    const from = packageAsset(join("templates", folder));
    for (const file of readdirSync(from)) {
      const text = readFileSync(join(from, file), "utf8");
      files.set(file, text.replaceAll("{{name}}", name).replaceAll("{{runner}}", runnerText));
    }
  }
  const pkg = {
    name: name.toLowerCase().replace(/^[._]+/, "") || "service",
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: { start: "bento-kit serve .", test: "node --import tsx --test service.test.ts" },
    dependencies: { "bento-kit": `^${VERSION}` },
  };
  files.set("package.json", `${JSON.stringify(pkg, null, 2)}\n`);
  // The TypeScript Node runs itself (docs/worker-runtimes.md): with it, a Node supervisor starts the workers
  // without tsx; editors and tsc read it too.
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
    },
  };
  files.set("tsconfig.json", `${JSON.stringify(tsconfig, null, 2)}\n`);
  return files;
}
