/**
 * Event ids are opaque strings that sort by age. Numeric ids are compared as
 * numbers (so "10" is newer than "9"); anything else compares as text.
 */
export function compareIds(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) {
    if (a.length !== b.length) return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `a` is strictly newer than `b`; anything is newer than nothing. */
export function isNewer(a: string | null, b: string | null): boolean {
  if (a === null) return false;
  if (b === null) return true;
  return compareIds(a, b) > 0;
}
