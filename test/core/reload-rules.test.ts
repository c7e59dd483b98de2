/** Which changed files `serve --reload` reacts to: built-in rules, .gitignore, --reload-exclude and --reload-include. */
import { expect, test } from "bun:test";
import { createReloadFilter, splitPatterns } from "../../src/core/reload-rules.ts";

test("node_modules, .git, __pycache__, .venv and *.pyc never reload, at any depth, whatever is included", () => {
  const f = createReloadFilter({ include: ["*.js", "*.pyc"] });
  for (const dir of ["node_modules", ".git", "__pycache__", ".venv", "pkg/node_modules", "a/b/__pycache__"]) {
    expect(f.skipDir(dir)).toBe(true);
  }
  expect(f.ignored("node_modules/x/index.js")).toBe(true);
  expect(f.ignored(".git/HEAD")).toBe(true);
  expect(f.ignored("model/weights.pyc")).toBe(true);
  expect(f.ignored("api.ts")).toBe(false);
  expect(f.skipDir("src")).toBe(false);
  expect(f.ignored("node_modules_notes.md")).toBe(false);
  for (const editorFile of [".api.ts.swp", "api.ts~", ".#api.ts", "4913"]) expect(f.ignored(editorFile)).toBe(true);
});

test("editors' and tools' temp files never reload: sed -i's sedXXXXXX, swap, backup, safe-write files", () => {
  const f = createReloadFilter({});
  const noise = [
    "sedAb12Cd",
    "lib/sed0aZ9xQ",
    ".runner.ts.swp",
    ".runner.ts.swo",
    ".runner.ts.swx",
    "runner.ts~",
    "4913",
    "lib/4913",
    ".#runner.ts",
    "#runner.ts#",
    "runner.ts___jb_tmp___",
    "runner.ts___jb_old___",
    "runner.ts.kate-swp",
    ".goutputstream-AB12CD",
  ];
  for (const file of noise) expect([file, f.ignored(file)]).toEqual([file, true]);
  // Names that only look alike are code.
  for (const file of ["sedan.ts", "sed12345.ts", "sedAb12C", "seder12345", "runner.ts", "4913.ts"]) {
    expect([file, f.ignored(file)]).toEqual([file, false]);
  }
});

test(".gitignore patterns: names at any depth, anchored paths, directories only, negation, comments", () => {
  const f = createReloadFilter({ gitignore: "# logs\n*.log\n/build\ndata/\n!keep.log\ntmp/**/*.bin\n\n" });
  expect(f.ignored("server.log")).toBe(true);
  expect(f.ignored("logs/deep/server.log")).toBe(true);
  expect(f.ignored("keep.log")).toBe(false);
  expect(f.ignored("build/out.js")).toBe(true);
  expect(f.ignored("src/build/out.js")).toBe(false); // anchored at the root
  expect(f.skipDir("data")).toBe(true);
  expect(f.ignored("data/raw.csv")).toBe(true);
  expect(f.ignored("data")).toBe(false); // a file named data is not a directory
  expect(f.ignored("tmp/a/b/c.bin")).toBe(true);
  expect(f.ignored("tmp/c.bin")).toBe(true);
  expect(f.ignored("tmp/c.txt")).toBe(false);
  expect(f.ignored("# logs")).toBe(false);
});

test("--reload-exclude adds patterns; --reload-include brings files back from .gitignore and excludes", () => {
  const f = createReloadFilter({ gitignore: "models/\n", exclude: ["*.md", "notes/"], include: ["models/*.json"] });
  expect(f.ignored("README.md")).toBe(true);
  expect(f.ignored("notes/a.txt")).toBe(true);
  expect(f.ignored("models/config.json")).toBe(false);
  expect(f.ignored("models/weights.bin")).toBe(true);
  // An ignored directory may hold an included file: it is watched.
  expect(f.skipDir("models")).toBe(false);
  expect(createReloadFilter({ gitignore: "models/\n" }).skipDir("models")).toBe(true);
});

test("globs: * and ? stay in a segment, ** crosses, [abc] classes", () => {
  const f = createReloadFilter({ exclude: ["a/*.ts", "b/**", "c?.txt", "[xy].js"] });
  expect(f.ignored("a/m.ts")).toBe(true);
  expect(f.ignored("a/sub/m.ts")).toBe(false);
  expect(f.ignored("b/sub/deep/m.ts")).toBe(true);
  expect(f.ignored("c1.txt")).toBe(true);
  expect(f.ignored("c12.txt")).toBe(false);
  expect(f.ignored("x.js")).toBe(true);
  expect(f.ignored("z.js")).toBe(false);
});

test("a comma-separated flag value is a list of patterns", () => {
  expect(splitPatterns(" *.log, data/ ,,")).toEqual(["*.log", "data/"]);
  expect(splitPatterns(undefined)).toEqual([]);
});
