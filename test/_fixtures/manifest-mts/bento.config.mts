import { defineService } from "bento-kit";

export default defineService({
  name: "manifest_mts",
  api: { command: ["node", "../sd-worker.mjs"], workers: 1 },
});
