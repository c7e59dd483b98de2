/** Erasable TypeScript only: Node runs it itself. */
import { serveFacts } from "./_facts.ts";

const value: string = "plain";
await serveFacts(import.meta.main, () => value);
