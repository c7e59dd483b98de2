/**
 * The README and docs as the tarball ships them: every relative link resolves
 * to a file inside the tarball, and the README's first screen (what an npm
 * user reads first) names no file that is only in the repository.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { packInto } from "./_helpers/packed.ts";
import { serviceTestMs } from "./_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

let dir = "";
let files: string[] = [];
/** The shipped Markdown, read from the unpacked tarball. */
let docs: { path: string; text: string }[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bento-kit-links-"));
  files = packInto(dir, false);
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  execFileSync("tar", ["-xzf", join(dir, tarball), "-C", dir]);
  docs = files.filter((f) => f.endsWith(".md") && !f.startsWith("dist/")).map((path) => ({
    path,
    text: readFileSync(join(dir, "package", path), "utf8"),
  }));
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** In the tarball as a file, or as a directory holding files. */
function shipped(path: string): boolean {
  const p = normalize(path).replace(/\/$/, "");
  return files.includes(p) || files.some((f) => f.startsWith(`${p}/`));
}

test("the tarball ships the README and every doc", () => {
  expect(docs.map((d) => d.path)).toContain("README.md");
  expect(docs.filter((d) => d.path.startsWith("docs/")).length).toBeGreaterThan(5);
});

test("every relative link of the shipped README and docs resolves inside the tarball", () => {
  const broken: string[] = [];
  let links = 0;
  for (const { path, text } of docs) {
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z][a-z+.-]*:/i.test(target!) || target!.startsWith("#")) continue;
      links++;
      const file = join(dirname(path), target!.split("#")[0]!);
      if (!shipped(file)) broken.push(`${path}: ${target}`);
    }
  }
  expect(links).toBeGreaterThan(10);
  expect(broken).toEqual([]);
});

test("the README's first screen names no file outside the tarball, and gives install, new, serve, curl and the contributors' two commands", () => {
  const screen = docs.find((d) => d.path === "README.md")!.text.split("\n").slice(0, 40).join("\n");
  const prose = screen.replace(/https?:\/\/\S+/g, "");
  const named = [
    ...prose.matchAll(
      /(?<![\w./@-])((?:examples|src|test|bench|scripts|plugins|docs|templates|bin|dist|\.ci)\/[\w./-]*)/g,
    ),
  ].map((m) => m[1]!.replace(/[.]$/, ""));
  expect(named.filter((p) => !shipped(p))).toEqual([]);
  expect(screen).toContain("npm install bento-kit");
  expect(screen).toContain("npx bento-kit new my-service");
  expect(screen).toContain("npx bento-kit serve my-service");
  expect(screen).toMatch(/curl -X POST localhost:3000\/classify/);
  expect(screen).toContain("npm install && npm start");
  expect(screen).toMatch(/^npm test\b/m);
});
