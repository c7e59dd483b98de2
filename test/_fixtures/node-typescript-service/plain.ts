#!/usr/bin/env node
/** Erasable TypeScript only (and a `#!` line, which the marker import goes after): Node runs it itself. */
import { serveFacts } from "./_facts.ts";

const value: string = "plain";
await serveFacts(import.meta.main, () => value);
