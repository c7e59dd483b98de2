/** Probe: two admin tokens made on this runtime (test/admin/token.test.ts). */
import { generateToken } from "../../src/admin/_token.ts";
import { runProbe } from "./probe-util.ts";

runProbe(() => Promise.resolve([generateToken(), generateToken()]));
