import { defineService } from "bento-kit";
export default defineService({ name: "x", api: { command: ["node"] ] });
