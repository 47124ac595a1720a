// Summary statistics for SLA reports.

/**
 * Nearest-rank percentile: the smallest value v such that at least p% of the values are <= v.
 * It is always a figure that actually occurred (a lead can point at the ticket), and for the
 * median of an even count it is the lower middle value. Null for no values.
 */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number | null {
  const n = sortedAscending.length;
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sortedAscending[Math.min(n, rank) - 1];
}

/**
 * The median and 90th percentile of unsorted values, exactly as percentile() gives them on the
 * values sorted, by selection rather than a full sort (a report takes them of 200,000 values a
 * few times over). Reorders `values`.
 */
export function medianAndP90(values: Float64Array): [number | null, number | null] {
  const n = values.length;
  if (n === 0) return [null, null];
  const k90 = Math.min(n, Math.max(1, Math.ceil(0.9 * n))) - 1;
  const k50 = Math.min(n, Math.max(1, Math.ceil(0.5 * n))) - 1;
  const p90 = select(values, k90, 0, n - 1);
  // everything before k90 is now no greater than the value there
  return [k50 === k90 ? p90 : select(values, k50, 0, k90 - 1), p90];
}

/** The k-th smallest of a[lo..hi] (Hoare's selection); leaves a[lo..k] <= a[k] <= a[k..hi]. */
function select(a: Float64Array, k: number, lo: number, hi: number): number {
  while (hi > lo) {
    // median of three as the pivot: sorted and reversed runs stay linear
    const mid = (lo + hi) >> 1;
    const x = a[lo]!, y = a[mid]!, z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** a / b, or null when b is 0 (a rate of nothing is not 0% or 100%). */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}
