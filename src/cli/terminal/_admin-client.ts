/**
 * How the CLI commands reach a running service: find its admin server (the
 * instance files of this machine, `--service NAME` when several run,
 * `--admin URL` to name one), then call it with the stored token.
 */
import { err, ok, type Result } from "neverthrow";
import { describeInstance, listInstances, stateDir } from "../../launch/_instances.ts";
import { cliEnv } from "../../launch/_secret-env.ts";

/** The flags every command that talks to a service takes. */
export const targetArgs = {
  admin: {
    type: "string",
    valueHint: "URL",
    description:
      "Admin server of the service, e.g. http://127.0.0.1:41234 (default: the service running on this machine)",
  },
  service: { type: "string", valueHint: "NAME", description: "Which service, when several run on this machine" },
} as const;

export interface Target {
  readonly url: string;
  readonly token: string;
  readonly service?: string;
  /** The supervisor's pid, when found through its instance file. */
  readonly pid?: number;
  /** Its start time, when the instance file recorded it (a reused pid is another process). */
  readonly pidStart?: string;
}

export type ClientError =
  | { readonly kind: "NoService"; readonly message: string }
  | { readonly kind: "ServiceAmbiguous"; readonly message: string }
  | { readonly kind: "TokenMissing"; readonly message: string }
  | { readonly kind: "AdminUnreachable"; readonly message: string }
  | { readonly kind: "AdminRefused"; readonly message: string; readonly status: number; readonly apiKind: string };

const EXIT: { readonly [K in ClientError["kind"]]: (e: Extract<ClientError, { kind: K }>) => 1 | 2 } = {
  NoService: () => 1,
  ServiceAmbiguous: () => 2,
  TokenMissing: () => 2,
  AdminUnreachable: () => 1,
  // The request was wrong (unknown pool, bad count): a usage error. Anything else is a runtime failure.
  AdminRefused: (e) => ([400, 404, 413, 415].includes(e.status) ? 2 : 1),
};

export function failClient(error: ClientError): void {
  process.stderr.write(`Error: ${error.message}\n`);
  process.exitCode = (EXIT[error.kind] as (e: ClientError) => 1 | 2)(error);
}

/** A flag or argument the command cannot use: one line, exit 2. */
export function failUsage(message: string): void {
  process.stderr.write(`Error: ${message}\n`);
  process.exitCode = 2;
}

type Env = Readonly<Record<string, string | undefined>>;

export function findTarget(
  args: { readonly admin?: string; readonly service?: string },
  env: Env = cliEnv(),
): Result<Target, ClientError> {
  const dir = stateDir(env);
  const running = listInstances(dir);
  if (args.admin !== undefined) {
    const url = args.admin.replace(/\/+$/, "");
    if (!/^https?:\/\/[^/]+$/.test(url)) {
      return err({
        kind: "ServiceAmbiguous",
        message: `--admin: expected a URL such as http://127.0.0.1:41234, got "${args.admin}"`,
      });
    }
    const known = running.find((i) => i.url === url);
    const token = env.BENTO_ADMIN_TOKEN ?? known?.token;
    if (token === undefined) {
      return err({
        kind: "TokenMissing",
        message: `No token for ${url}: set BENTO_ADMIN_TOKEN to the token of that service`,
      });
    }
    return ok({ url, token, service: known?.service, pid: known?.pid, pidStart: known?.pidStart });
  }
  const named = args.service === undefined ? running : running.filter((i) => i.service === args.service);
  const list = running.map(describeInstance).join("; ");
  if (named.length === 0) {
    const message = args.service === undefined
      ? `No bento-kit service is running on this machine (looked in ${dir}): start one with bento-kit serve, or pass --admin URL`
      : `No service named "${args.service}" is running on this machine (looked in ${dir})${
        running.length ? `: running are ${list}` : ""
      }`;
    return err({ kind: "NoService", message });
  }
  if (named.length > 1) {
    const pick = new Set(named.map((i) => i.service)).size === named.length
      ? "--service NAME or --admin URL"
      : "--admin URL";
    return err({
      kind: "ServiceAmbiguous",
      message: `${named.length} services are running: pick one with ${pick}\n${
        named.map((i) => `  ${describeInstance(i)}`).join("\n")
      }`,
    });
  }
  const chosen = named[0]!;
  return ok({
    url: chosen.url,
    token: env.BENTO_ADMIN_TOKEN ?? chosen.token,
    service: chosen.service,
    pid: chosen.pid,
    ...(chosen.pidStart === undefined ? {} : { pidStart: chosen.pidStart }),
  });
}

/** Call the admin API; a JSON answer, or the API's error message as a ClientError. */
export async function callAdmin<T>(
  target: Target,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<Result<T, ClientError>> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    return err(unreachable(target, e));
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.ok) return ok(json as T);
  const apiError = (json as { error?: { kind?: string; message?: string } } | undefined)?.error;
  const message = res.status === 401
    ? `The admin server at ${target.url} refused the token: set BENTO_ADMIN_TOKEN to the token of that service`
    : apiError?.message ?? `The admin server at ${target.url} answered ${res.status}: ${text.slice(0, 200)}`;
  return err({ kind: "AdminRefused", status: res.status, apiKind: apiError?.kind ?? "Unknown", message });
}

export function unreachable(target: Target, cause: unknown): ClientError {
  const why = (cause as { cause?: { code?: string } })?.cause?.code ?? String((cause as Error)?.message ?? cause);
  return {
    kind: "AdminUnreachable",
    message: `Cannot reach the admin server of ${
      target.service ?? "the service"
    } at ${target.url} (${why}): is it still running?`,
  };
}
