/**
 * How one option's raw value (a flag's string or switch, an environment
 * variable's text, a manifest value) becomes its typed value. Each parser
 * names the option in its error as the user gave it (`--port`, `BENTO_PORT`
 * or `serve.port`). Pure.
 */
import { err, ok, type Result } from "neverthrow";
import { type OptionInvalid, optionInvalid } from "../errors.ts";

/** Where a value came from: its name as the user wrote it, and the directory a relative path is taken from. */
export interface Origin {
  readonly name: string;
  readonly from: "flag" | "env" | "manifest";
  readonly base: string;
}

export type Parser<T> = (raw: string | number | boolean, origin: Origin) => Result<T, OptionInvalid>;

export function whole(min: number, max: number = Number.MAX_SAFE_INTEGER): Parser<number> {
  return (raw, origin) => {
    const text = String(raw).trim();
    const n = Number(text);
    if (/^\d+$/.test(text) && n >= min && n <= max) return ok(n);
    const range = max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}` : `>= ${min}`;
    return err(optionInvalid(origin.name, `expected a whole number ${range}, got ${JSON.stringify(String(raw))}`));
  };
}

export const text: Parser<string> = (raw, origin) =>
  String(raw).trim() === "" ? err(optionInvalid(origin.name, "is empty: give a value")) : ok(String(raw));

/** Space-separated words (a repeated flag's values arrive joined by spaces). */
export const words: Parser<readonly string[]> = (raw, origin) => {
  const list = String(raw).split(/\s+/).filter(Boolean);
  return list.length === 0 ? err(optionInvalid(origin.name, "is empty: give a value")) : ok(list);
};

/** An IP address or a hostname; `[::1]` loses its brackets. */
export const host: Parser<string> = (raw, origin) =>
  String(raw).trim() === ""
    ? err(optionInvalid(origin.name, "is empty: give an IP address or a hostname"))
    : ok(String(raw).replace(/^\[(.*)\]$/, "$1"));

/** A switch: a flag's boolean, or an environment value where "", "0", "false" and "no" mean off. */
export const onOff: Parser<boolean> = (raw) => ok(typeof raw === "boolean" ? raw : isTrue(String(raw)));

/** A file or directory, made absolute against the origin's base (the current dir, or the service dir for the manifest). */
export const path: Parser<string> = (raw, origin) =>
  String(raw).trim() === ""
    ? err(optionInvalid(origin.name, "is empty: give a path"))
    : ok(absolutePath(origin.base, String(raw)));

export function oneOf<const T extends string>(choices: readonly T[]): Parser<T> {
  return (raw, origin) =>
    (choices as readonly string[]).includes(String(raw))
      ? ok(String(raw) as T)
      : err(optionInvalid(origin.name, `expected ${choices.join(" or ")}, got ${JSON.stringify(String(raw))}`));
}

/** An environment switch: set and not "", "0", "false" or "no". */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && !["", "0", "false", "no"].includes(value.trim().toLowerCase());
}

/** `p` against `base` when relative, with `.` and `..` segments resolved (POSIX paths; no runtime API). */
export function absolutePath(base: string, p: string): string {
  const parts: string[] = [];
  for (const part of (p.startsWith("/") ? p : `${base}/${p}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}
