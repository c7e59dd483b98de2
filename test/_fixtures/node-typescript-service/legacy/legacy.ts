/** Erasable TypeScript under a tsconfig.json without verbatimModuleSyntax: it runs through tsx, as it always did. */
import { serveFacts } from "../_facts.ts";

await serveFacts(import.meta.main, () => "legacy");
