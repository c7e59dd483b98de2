/**
 * The Node versions CI tests the supervisor on (.ci/node-versions; package.json's
 * `engines` and the README say the same). An older Node still runs, untested:
 * the supervisor says so in one line at start.
 */
export const TESTED_NODE_MAJORS = [22, 24, 26] as const;

/** The warning for a supervisor on `version` (process.version) of `runtime`; undefined when tested. */
export function untestedNodeLine(runtime: string, version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? Number.NaN);
  if (runtime !== "node" || !(major < TESTED_NODE_MAJORS[0])) return undefined;
  return `Node ${version} is older than the versions bento-kit is tested on (Node ${TESTED_NODE_MAJORS.join(", ")}): ` +
    "upgrade to Node 24 LTS or later";
}
