/** Imports an enum: refused by Node before a line runs, so it runs through tsx. */
import { Color } from "./_color.ts";
import { serveFacts } from "./_facts.ts";

await serveFacts(import.meta.main, () => Color.Red);
