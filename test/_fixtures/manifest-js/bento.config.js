// ESM: the package.json above this directory says "type": "module".
export default {
  name: "manifest_js",
  api: { command: ["node", "../sd-worker.mjs"], workers: 1 },
};
