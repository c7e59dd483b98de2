/**
 * Secrets never leave the admin server: in every response, a string under a
 * key that looks secret (PASSWORD, SECRET, TOKEN, KEY) becomes "***", and so
 * does the value of an argv item such as `--ssl-keyfile-password=...`.
 */
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;
export const REDACTED = "***";

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A plain-data type without its readonly marks (what a JSON response body is). */
export type Writable<T> = T extends readonly (infer U)[] ? Writable<U>[]
  : T extends object ? { -readonly [K in keyof T]: Writable<T[K]> }
  : T;

/** A deep copy of `value` with secret-looking values replaced. */
export function redact<T>(value: T): Writable<T> {
  return redactValue(value, undefined) as Writable<T>;
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (typeof value === "string") {
    if (key !== undefined && looksSecret(key)) return REDACTED;
    return redactAssignment(value);
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, undefined));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, k)]));
  }
  return value;
}

/** `--db-password=hunter2` → `--db-password=***`; `API_KEY=abc` → `API_KEY=***`. */
function redactAssignment(text: string): string {
  const m = /^(-{0,2}[A-Za-z_][\w.-]*)=/.exec(text);
  return m && looksSecret(m[1]!) ? `${m[1]}=${REDACTED}` : text;
}
