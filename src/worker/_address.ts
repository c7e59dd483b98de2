/** Runner addresses: the parser lives in the core, so the CLI checks a runner map exactly as the client reads it. */
export { parseRunnerAddress, type RunnerTarget } from "../core/runner-address.ts";
