/** Imports the enum module once it runs (top-level await): refused then, so it runs through tsx. */
import { serveFacts } from "./_facts.ts";

console.log("late: started");
const { Color } = await import("./_color.ts");
await serveFacts(import.meta.main, () => Color.Red);
