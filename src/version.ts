/** Kept equal to package.json's version by scripts/versions.mjs (a test checks it). */
export const VERSION = "0.1.0";
