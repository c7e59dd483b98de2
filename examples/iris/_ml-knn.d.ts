// ml-knn ships no type declarations; this is the part of its API the example uses.
declare module "ml-knn" {
  interface KNNOptions {
    /** Number of neighbours that vote (default: number of classes + 1). */
    k?: number;
    distance?: (a: number[], b: number[]) => number;
  }
  export default class KNN {
    constructor(dataset: number[][], labels: number[], options?: KNNOptions);
    predict(rows: number[][]): number[];
  }
}
