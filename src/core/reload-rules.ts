/**
 * Which changed files `serve --reload` reacts to. Patterns follow `.gitignore`:
 * one without a slash matches a name at any depth (`*.log`), one with a slash
 * is anchored at the watched directory (`data/raw`), a trailing slash matches
 * directories only, `*` stays within a path segment, `**` crosses them, `!`
 * re-includes. A path is ignored when it, or a directory above it, is.
 *
 * Never watched: `.git`, `node_modules`, `__pycache__`, `.venv` (directories)
 * and `*.pyc`. Ignored: editors' and tools' temp, swap and backup files
 * (GNU `sed -i`'s `sedXXXXXX`, Vim's `.x.swp`/`.swo`/`.swx`/`4913`/`x~`,
 * Emacs' `.#x` and `#x#`, JetBrains' `x___jb_tmp___`, Kate's, gedit's), the service
 * directory's `.gitignore` patterns and `--reload-exclude`; `--reload-include`
 * brings a file back from those.
 */

/** Directories never watched, whatever the include patterns say. */
export const ALWAYS_SKIPPED_DIRS: readonly string[] = [".git", "node_modules", "__pycache__", ".venv"];
const ALWAYS_IGNORED_FILES: readonly string[] = ["*.pyc"];
const ALNUM = "[A-Za-z0-9]";
/**
 * Temp files that appear and vanish while a tool saves: GNU sed -i writes
 * `sedXXXXXX` beside the file, then renames it over; Vim's swap files and its
 * write test (4913), backups (`x~`); Emacs locks and autosaves; JetBrains'
 * safe write; Kate's and gedit's swap and temp files.
 */
export const EDITOR_FILES: readonly string[] = [
  `sed${ALNUM.repeat(6)}`,
  "*.swp",
  "*.swo",
  "*.swx",
  "*~",
  "4913",
  ".#*",
  "\\#*#",
  "*___jb_tmp___",
  "*___jb_old___",
  "*.kate-swp",
  ".goutputstream-*",
];

export interface ReloadRulesInput {
  /** The text of the service directory's `.gitignore`, if any. */
  readonly gitignore?: string;
  /** `--reload-exclude` patterns. */
  readonly exclude?: readonly string[];
  /** `--reload-include` patterns. */
  readonly include?: readonly string[];
}

export interface ReloadFilter {
  /** True when a change to this file (relative path, `/`-separated) must not reload. */
  ignored(relPath: string): boolean;
  /** True for a directory not to watch at all. */
  skipDir(relPath: string): boolean;
}

interface Rule {
  readonly regex: RegExp;
  readonly negate: boolean;
  readonly dirOnly: boolean;
}

export function createReloadFilter(input: ReloadRulesInput): ReloadFilter {
  const always = compile([...ALWAYS_SKIPPED_DIRS.map((d) => `${d}/`), ...ALWAYS_IGNORED_FILES]);
  const user = compile([...EDITOR_FILES, ...(input.gitignore ?? "").split(/\r?\n/), ...(input.exclude ?? [])]);
  const include = compile(input.include ?? []);
  return {
    ignored(relPath) {
      if (matchesPath(always, relPath, false)) return true;
      return matchesPath(user, relPath, false) && !matchesPath(include, relPath, false);
    },
    skipDir(relPath) {
      if (matchesPath(always, relPath, true)) return true;
      // An ignored directory may hold an included file: only skipped when nothing is included.
      return include.length === 0 && matchesPath(user, relPath, true);
    },
  };
}

/** Patterns as written in `.gitignore` (comments and blank lines allowed). */
export function compile(patterns: readonly string[]): readonly Rule[] {
  const rules: Rule[] = [];
  for (const raw of patterns) {
    let p = raw.replace(/(?<!\\)\s+$/, "");
    if (p === "" || p.startsWith("#")) continue;
    const negate = p.startsWith("!");
    if (negate) p = p.slice(1);
    p = p.replace(/^\\([#!])/, "$1");
    const dirOnly = p.endsWith("/");
    if (dirOnly) p = p.replace(/\/+$/, "");
    if (p === "") continue;
    const anchored = p.includes("/");
    p = p.replace(/^\//, "");
    const body = globToRegex(p);
    rules.push({ regex: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`), negate, dirOnly });
  }
  return rules;
}

/** True when `relPath` or one of the directories above it is matched (the last matching rule decides). */
export function matchesPath(rules: readonly Rule[], relPath: string, isDir: boolean): boolean {
  if (rules.length === 0) return false;
  const parts = relPath.split("/").filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    if (decide(rules, parts.slice(0, i).join("/"), i < parts.length || isDir)) return true;
  }
  return false;
}

function decide(rules: readonly Rule[], path: string, isDir: boolean): boolean {
  let matched = false;
  for (const rule of rules) {
    if (rule.dirOnly && !isDir) continue;
    if (rule.regex.test(path)) matched = !rule.negate;
  }
  return matched;
}

/** A glob as a regular expression body: `**` crosses directories, `*` and `?` do not. */
function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const slashAfter = glob[i + 2] === "/";
      out += slashAfter ? "(?:.*/)?" : ".*";
      i += slashAfter ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) out += "\\[";
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else if (c === "\\" && i + 1 < glob.length) out += escape(glob[++i]!);
    else out += escape(c);
  }
  return out;
}

function escape(c: string): string {
  return /[.+^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** `--reload-exclude "*.log,data/"`: a comma-separated list of patterns. */
export function splitPatterns(value: string | undefined): readonly string[] {
  return (value ?? "").split(",").map((p) => p.trim()).filter(Boolean);
}
