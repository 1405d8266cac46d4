/**
 * The statistics of outcome evaluation (issue 12): paired tests on each family's answer before
 * (the cycle's baseline) and after (the same questionnaire at the cycle's end), and the plain
 * figures beside them. Pure arithmetic, no dependencies, so that the report and its tests agree
 * on one definition:
 *
 * - Exact two-sided sign test: the pairs that changed (ties dropped), k of n changed upwards;
 *   p = min(1, 2·P(X ≤ min(k, n−k))) for X ~ Binomial(n, ½) — R's `binom.test(k, n)`. On yes/no
 *   items (no = 0, yes = 1) the changed pairs are McNemar's discordant pairs, so this is the exact
 *   McNemar test.
 * - Wilcoxon signed-rank test (R's `wilcox.test(after, before, paired = TRUE)`): zero differences
 *   dropped, |d| ranked with mid-ranks for ties, V = the sum of the positive differences' ranks.
 *   Exact distribution when fewer than 50 pairs changed and there are neither ties nor zero
 *   differences (R's rule, so its figures can be checked against R); otherwise the normal
 *   approximation with the tie correction of the variance and a continuity correction of ½.
 *   Likert answers nearly always tie, so the report says which of the two it used.
 */

/** Which test gave a p-value. */
export type PairedTestMethod = 'mcnemarExact' | 'signExact' | 'wilcoxonExact' | 'wilcoxonNormal';

export interface PairedTest {
  method: PairedTestMethod;
  /** Pairs that changed (the test's n once ties or zeros are dropped). */
  changed: number;
  /** The statistic: pairs that went up (sign, McNemar), or V (Wilcoxon). */
  statistic: number;
  /** Two-sided; null when no pair changed (nothing to test). */
  pValue: number | null;
}

/** log(n!) by summation: n here is at most a few thousand answers. */
const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials[i] = (logFactorials[i - 1] as number) + Math.log(i);
  return logFactorials[n] as number;
}

/** P(X ≤ k) for X ~ Binomial(n, ½), summed in log space so large n does not overflow. */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let total = 0;
  const logHalfN = n * Math.log(0.5);
  for (let i = 0; i <= k; i++) total += Math.exp(logFactorial(n) - logFactorial(i) - logFactorial(n - i) + logHalfN);
  return Math.min(1, total);
}

/** Exact two-sided binomial test of `k` successes in `n` against p = ½ (R's `binom.test(k, n)$p.value`). */
export function binomialTestHalf(k: number, n: number): number {
  if (n === 0) return 1;
  const tail = Math.min(k, n - k);
  // The distribution is symmetric: the other tail is as likely. When k = n/2 both tails cover all.
  return Math.min(1, 2 * binomialHalfCdf(tail, n));
}

/** The exact sign test on paired differences (after − before); zero differences are ties, dropped. */
export function signTest(differences: readonly number[], method: 'signExact' | 'mcnemarExact' = 'signExact'): PairedTest {
  const up = differences.filter((d) => d > 0).length;
  const down = differences.filter((d) => d < 0).length;
  const changed = up + down;
  return { method, changed, statistic: up, pValue: changed === 0 ? null : binomialTestHalf(up, changed) };
}

/** The exact McNemar test on yes/no pairs: the sign test on their discordant pairs. */
export function mcnemarExact(pairs: readonly { before: boolean; after: boolean }[]): PairedTest {
  return signTest(
    pairs.map((p) => Number(p.after) - Number(p.before)),
    'mcnemarExact',
  );
}

/** Mid-ranks of the values (1-based; tied values share the mean of their ranks). */
export function midRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && (order[end + 1] as { v: number }).v === (order[start] as { v: number }).v) end++;
    const rank = (start + end + 2) / 2;
    for (let j = start; j <= end; j++) ranks[(order[j] as { i: number }).i] = rank;
    start = end + 1;
  }
  return ranks;
}

/**
 * How many of the 2ⁿ sign assignments of the ranks 1..n give each sum V (0 … n(n+1)/2): the exact
 * null distribution of the signed-rank statistic without ties.
 */
export function signedRankCounts(n: number): number[] {
  const max = (n * (n + 1)) / 2;
  const counts = new Array<number>(max + 1).fill(0);
  counts[0] = 1;
  for (let rank = 1; rank <= n; rank++) {
    for (let s = max; s >= rank; s--) counts[s] = (counts[s] as number) + (counts[s - rank] as number);
  }
  return counts;
}

/** Φ(x), the standard normal distribution function (West 2005, after Hart 1968: double precision). */
export function normalCdf(x: number): number {
  const a = Math.abs(x);
  let tail: number;
  if (a > 37) tail = 0;
  else {
    const e = Math.exp((-a * a) / 2);
    if (a < 7.07106781186547) {
      let num = 3.52624965998911e-2 * a + 0.700383064443688;
      num = num * a + 6.37396220353165;
      num = num * a + 33.912866078383;
      num = num * a + 112.079291497871;
      num = num * a + 221.213596169931;
      num = num * a + 220.206867912376;
      let den = 8.83883476483184e-2 * a + 1.75566716318264;
      den = den * a + 16.064177579207;
      den = den * a + 86.7807322029461;
      den = den * a + 296.564248779674;
      den = den * a + 637.333633378831;
      den = den * a + 793.826512519948;
      den = den * a + 440.413735824752;
      tail = (e * num) / den;
    } else {
      let b = a + 0.65;
      b = a + 4 / b;
      b = a + 3 / b;
      b = a + 2 / b;
      b = a + 1 / b;
      tail = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

/** Below this many changed pairs, without ties or zeros, the exact distribution is used (R's rule). */
export const WILCOXON_EXACT_BELOW = 50;

/** The Wilcoxon signed-rank test on paired differences (after − before), two-sided. */
export function wilcoxonSignedRank(differences: readonly number[]): PairedTest {
  const hadZeros = differences.some((d) => d === 0);
  const d = differences.filter((x) => x !== 0);
  const n = d.length;
  if (n === 0) return { method: 'wilcoxonNormal', changed: 0, statistic: 0, pValue: null };
  const ranks = midRanks(d.map(Math.abs));
  const v = d.reduce((s, x, i) => (x > 0 ? s + (ranks[i] as number) : s), 0);
  const tieGroups = new Map<number, number>();
  for (const r of ranks) tieGroups.set(r, (tieGroups.get(r) ?? 0) + 1);
  const hasTies = [...tieGroups.values()].some((t) => t > 1);

  if (n < WILCOXON_EXACT_BELOW && !hasTies && !hadZeros) {
    const counts = signedRankCounts(n);
    const total = 2 ** n;
    const below = (x: number) => counts.slice(0, x + 1).reduce((s, c) => s + c, 0) / total;
    // As R: the upper tail P(V ≥ v) above the centre, the lower P(V ≤ v) below it, doubled.
    const oneSided = v > (n * (n + 1)) / 4 ? 1 - below(v - 1) : below(v);
    return { method: 'wilcoxonExact', changed: n, statistic: v, pValue: Math.min(1, 2 * oneSided) };
  }

  const centre = v - (n * (n + 1)) / 4;
  const tieSum = [...tieGroups.values()].reduce((s, t) => s + (t ** 3 - t), 0);
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieSum / 48);
  if (sigma === 0) return { method: 'wilcoxonNormal', changed: n, statistic: v, pValue: null };
  const z = (centre - Math.sign(centre) * 0.5) / sigma;
  return { method: 'wilcoxonNormal', changed: n, statistic: v, pValue: Math.min(1, 2 * Math.min(normalCdf(z), normalCdf(-z))) };
}

/** The mean of (after − before) over the pairs, with their number; null mean for none. */
export function meanChange(pairs: readonly { before: number; after: number }[]): { n: number; mean: number | null } {
  if (pairs.length === 0) return { n: 0, mean: null };
  return { n: pairs.length, mean: pairs.reduce((s, p) => s + (p.after - p.before), 0) / pairs.length };
}

/** The share of the values that satisfy `counts` (0 … 1); null for none. */
export function shareOf<T>(values: readonly T[], counts: (value: T) => boolean): number | null {
  return values.length === 0 ? null : values.filter(counts).length / values.length;
}
