/**
 * The model: a nearest-centroid classifier of iris flowers, deterministic and
 * dependency-free. Replace it with yours (load weights once, at start).
 */

/** The mean of each class's 150-sample iris measurements (cm): sepal length, sepal width, petal length, petal width. */
const CENTROIDS: Readonly<Record<string, readonly number[]>> = {
  setosa: [5.006, 3.428, 1.462, 0.246],
  versicolor: [5.936, 2.77, 4.26, 1.326],
  virginica: [6.588, 2.974, 5.552, 2.026],
};

/** The nearest class of each row. */
export function predict(rows: readonly (readonly number[])[]): string[] {
  return rows.map((row) => {
    let best = "";
    let bestDistance = Infinity;
    for (const [name, centre] of Object.entries(CENTROIDS)) {
      const distance = centre.reduce((sum, c, i) => sum + (c - (row[i] ?? 0)) ** 2, 0);
      if (distance < bestDistance) [best, bestDistance] = [name, distance];
    }
    return best;
  });
}

/** The rows of a request body (a JSON array of rows of 4 numbers), or a message saying what is expected. */
export function parseRows(body: unknown): number[][] | string {
  const expected = "expected a JSON array of rows of 4 numbers, e.g. [[5.9,3.0,5.1,1.8]]";
  if (!Array.isArray(body) || body.length === 0) return expected;
  for (const row of body) {
    if (!Array.isArray(row) || row.length !== 4 || !row.every((x) => typeof x === "number" && Number.isFinite(x))) {
      return expected;
    }
  }
  return body as number[][];
}
