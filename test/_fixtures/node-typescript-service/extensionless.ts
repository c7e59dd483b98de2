/** An import without its extension: Node cannot resolve it (ERR_MODULE_NOT_FOUND), tsx does. */
// @ts-ignore: TypeScript under NodeNext resolution wants the extension too
import { word } from "./_word";
import { serveFacts } from "./_facts.ts";

await serveFacts(import.meta.main, () => word as string);
