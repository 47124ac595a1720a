// Report medians and 90th percentiles are taken by selection; they must be exactly the
// nearest-rank figures of the sorted values.
import { medianAndP90, percentile } from '../../../src/domain/sla/stats.js';

function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

it('selection gives the nearest-rank median and 90th percentile of the sorted values', () => {
  const rnd = random(7);
  const shapes: ((n: number) => number[])[] = [
    (n) => Array.from({ length: n }, () => Math.floor(rnd() * 1e6)),
    (n) => Array.from({ length: n }, () => [0, 3600, 3600, 7200][Math.floor(rnd() * 4)]!), // mostly equal
    (n) => Array.from({ length: n }, (_, i) => i), // sorted
    (n) => Array.from({ length: n }, (_, i) => n - i), // reversed
    (n) => Array.from({ length: n }, (_, i) => (i < n / 2 ? i : n - i)), // organ pipe
    (n) => Array.from({ length: n }, () => 42),
  ];
  for (const shape of shapes) {
    for (const n of [0, 1, 2, 3, 4, 5, 9, 10, 11, 100, 1001, 20_000]) {
      const values = shape(n);
      const sorted = Float64Array.from(values).sort();
      expect(medianAndP90(Float64Array.from(values))).toEqual([percentile(sorted, 50), percentile(sorted, 90)]);
    }
  }
});
