/** Resolves once `promise` settles (fulfilled or rejected), or after `ms`, whichever comes first; the timer never outlives it. */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(() => {}, () => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ])
    .finally(() => clearTimeout(timer));
}
