/**
 * Checks a prediction request body: a JSON array of rows of 4 finite numbers.
 * Shared by the API worker and the TypeScript runner (python/runner.py
 * mirrors it, with the same messages).
 */

export const FEATURES = ["sepal length", "sepal width", "petal length", "petal width"] as const;

/** Most rows accepted in one request. */
export const MAX_ROWS = 10_000;

const EXPECTED = "expected a JSON array of rows of 4 numbers (sepal length, sepal width, petal length, " +
  "petal width in cm), e.g. [[5.9,3.0,5.1,1.8]]";

/** The rows, or a message saying what is wrong and what is expected. */
export type RowsResult = { readonly ok: true; readonly rows: number[][] } | {
  readonly ok: false;
  readonly error: string;
};

/** Parses and checks a request body given as text. */
export function parseRows(text: string): RowsResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Body is not valid JSON (${(error as Error).message}); ${EXPECTED}` };
  }
  return checkRows(value);
}

/** Checks an already parsed body. */
export function checkRows(value: unknown): RowsResult {
  if (!Array.isArray(value)) {
    return { ok: false, error: `Body must be a JSON array of rows, got ${describe(value)}; ${EXPECTED}` };
  }
  if (value.length === 0) return { ok: false, error: `Body is an empty array: send at least one row; ${EXPECTED}` };
  if (value.length > MAX_ROWS) {
    return { ok: false, error: `Body has ${value.length} rows, at most ${MAX_ROWS} are accepted per request` };
  }
  for (const [i, row] of value.entries()) {
    const problem = checkRow(row, i);
    if (problem !== undefined) return { ok: false, error: `${problem}; ${EXPECTED}` };
  }
  return { ok: true, rows: value as number[][] };
}

function checkRow(row: unknown, i: number): string | undefined {
  if (!Array.isArray(row)) return `Row ${i} must be an array of 4 numbers, got ${describe(row)}`;
  if (row.length !== FEATURES.length) return `Row ${i} has ${row.length} values, not 4`;
  for (const [j, x] of row.entries()) {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      return `Row ${i}, value ${j} (${FEATURES[j]}) must be a finite number, got ${describe(x)}`;
    }
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") {
    return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)}`;
  }
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return String(value);
  return `an ${typeof value}`;
}
