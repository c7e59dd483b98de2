/**
 * Secrets never leave the admin server. In every answer a string becomes
 * "***" (or loses its secret part) when its NAME looks secret — an object key,
 * an argv flag (`--db-password=v`, `--db-password v`), an assignment
 * (`API_KEY=v`) — or when its VALUE looks like one whatever its name: a URL's
 * user info (`postgres://u:pw@h/db`), an `Authorization` scheme (`Bearer v`),
 * a PEM private key, a long high-entropy token.
 *
 * Names are split into words (`_`, `-`, `.`, camelCase): a word with password,
 * passwd, passphrase, secret, token, credential, apikey or privatekey in it,
 * or a word pwd, pass, auth..., cookie, key(s), is secret. `PWD` and `OLDPWD`
 * alone are the shell's working directories, not passwords. `-p` is not read
 * as a password: it is the port for most servers.
 */
export const REDACTED = "***";

const SECRET_WORD = /password|passwd|passphrase|secret|token|credential|apikey|privatekey/;
const SECRET_WHOLE_WORD = /^(?:pwd|pass|o?auth\w*|cookie|keys?|pat|dsn)$/;
const WORKING_DIRS = new Set(["PWD", "OLDPWD"]);

/** Names already judged (object keys and flags repeat in every answer: 64 workers' keys cost 0.1 ms a request). */
const judged = new Map<string, boolean>();
const JUDGED_MAX = 4096;

/** Is a variable, flag or key named `name` a secret? */
export function looksSecret(name: string): boolean {
  let secret = judged.get(name);
  if (secret === undefined) {
    secret = judgeName(name);
    if (judged.size >= JUDGED_MAX) judged.clear();
    judged.set(name, secret);
  }
  return secret;
}

function judgeName(name: string): boolean {
  const bare = name.replace(/^-+/, "");
  if (WORKING_DIRS.has(bare)) return false;
  const words = bare.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  const joined = words.join("");
  if (/apikey|privatekey|accesskey|secretkey/.test(joined)) return true;
  return words.some((w) => SECRET_WORD.test(w) || SECRET_WHOLE_WORD.test(w));
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
    return redactText(value);
  }
  if (Array.isArray(value)) {
    return value.every((v) => typeof v === "string") ? redactArgv(value) : value.map((v) => redactValue(v, undefined));
  }
  if (value !== null && typeof value === "object") {
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(value)) copy[k] = redactValue((value as Record<string, unknown>)[k], k);
    return copy;
  }
  return value;
}

/** An argv (or any list of strings): each item redacted, and the item after a secret flag (`--token v`) too. */
export function redactArgv(items: readonly string[]): string[] {
  return items.map((item, i) => {
    const previous = items[i - 1];
    const afterSecretFlag = previous !== undefined && /^--?[A-Za-z][\w.-]*$/.test(previous) && looksSecret(previous);
    return afterSecretFlag && !item.startsWith("-") ? REDACTED : redactText(item);
  });
}

/** One string: a secret assignment's value, then every secret-shaped part. */
export function redactText(text: string): string {
  const m = /^(-{0,2}[A-Za-z_][\w.-]*)=/.exec(text);
  if (m === null) return redactShapes(text);
  return looksSecret(m[1]!) ? `${m[1]}=${REDACTED}` : m[0] + redactShapes(text.slice(m[0].length));
}

const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
const AUTH_SCHEME = /\b(Bearer|Basic|Token|Digest)(\s+)[^\s,;"']+/gi;
/** A run of token characters (no `/`: paths stay). */
const TOKEN_RUN = /[A-Za-z0-9_+=.~-]{20,}/g;

function redactShapes(text: string): string {
  // Too short for a token or a key, no URL, no scheme and its value: nothing to find (most values: a status, a name).
  if (text.length < 20 && !text.includes("://") && !/\s/.test(text)) return text;
  return text
    .replace(PRIVATE_KEY, REDACTED)
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(AUTH_SCHEME, `$1$2${REDACTED}`)
    .replace(TOKEN_RUN, (run) => (looksLikeToken(run) ? REDACTED : run));
}

/**
 * A generated credential: 20+ characters mixing letters and digits whose
 * characters are spread (Shannon entropy of at least 3.5 bits each; 3 for
 * hex-only runs, which cannot pass 4): what `openssl rand -hex 16`, API keys
 * and JWTs have, and words, dates and version strings do not.
 */
export function looksLikeToken(run: string): boolean {
  if (!/[A-Za-z]/.test(run) || !/\d/.test(run)) return false;
  const counts = new Map<string, number>();
  for (const ch of run) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / run.length) * Math.log2(n / run.length);
  return bits >= (/^[0-9a-f]+$/i.test(run) ? 3 : 3.5);
}
