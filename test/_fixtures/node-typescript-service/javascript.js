// A JavaScript worker beside them: Node runs it with its compile cache on, as the TypeScript ones.
import { serveFacts } from "./_facts.ts";

await serveFacts(import.meta.main, () => "javascript");
