/** `incrementWhile`'s limits: one whole number per key (a caller bug otherwise, caught alike by both stores). */
export function assertLimits(keys: readonly string[], limits: readonly number[]): void {
  if (limits.length !== keys.length || !limits.every((limit) => Number.isSafeInteger(limit))) {
    throw new RangeError('incrementWhile needs one whole-number limit per key');
  }
}
