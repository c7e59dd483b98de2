/**
 * Whether the Debian Python packages the Python-worker tests need are here.
 * Without them those tests are skipped (bun lists them as skipped, and
 * .ci/test counts them); BENTO_TEST_NO_PYTHON=1 acts as if they were missing.
 */
import { existsSync } from "node:fs";

const off = process.env.BENTO_TEST_NO_PYTHON === "1";
const has = (pkg: string) => !off && existsSync(`/usr/lib/python3/dist-packages/${pkg}`);

export const hasUvicorn = has("uvicorn");
export const hasGunicorn = has("gunicorn");

/** Say once, in the test output, why tests are skipped. */
export function noteSkipped(what: string, missing: readonly string[]): void {
  if (missing.length > 0) {
    console.warn(`skipping ${what}: ${missing.join(", ")} not installed (apt-get install ${missing.join(" ")})`);
  }
}

export const hasGrpcio = has("grpc");
export const hasPrometheusClient = has("prometheus_client");
/** Debian's `prometheus` (the server and promtool). */
export const hasPrometheus = existsSync("/usr/bin/prometheus") && existsSync("/usr/bin/promtool");
