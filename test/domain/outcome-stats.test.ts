/**
 * The paired tests of outcome evaluation against published values (R's own examples) and against
 * independent computations written here: enumeration of every outcome for the exact tests, and
 * the textbook formula with Φ integrated numerically for the normal approximation. Nothing here
 * calls the function under test to make its expected value.
 */
import {
  binomialTestHalf,
  mcnemarExact,
  meanChange,
  midRanks,
  normalCdf,
  shareOf,
  signTest,
  wilcoxonSignedRank,
} from '../../domain/outcome-stats';

/** Φ(x) by Simpson's rule on the density from 0 (independent of normalCdf's rational approximation). */
function phiBySimpson(x: number): number {
  const steps = 20_000;
  const h = x / steps;
  const f = (t: number) => Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI);
  let s = f(0) + f(x);
  for (let i = 1; i < steps; i++) s += (i % 2 === 1 ? 4 : 2) * f(i * h);
  return 0.5 + (s * h) / 3;
}

/** R's two-sided binom.test p: the total probability of outcomes no likelier than the one observed, by listing them. */
function binomialByEnumeration(k: number, n: number): number {
  const probs: number[] = [];
  for (let i = 0; i <= n; i++) {
    let c = 1;
    for (let j = 0; j < i; j++) c = (c * (n - j)) / (j + 1);
    probs.push(c / 2 ** n);
  }
  const observed = probs[k] as number;
  return Math.min(
    1,
    probs.filter((p) => p <= observed * (1 + 1e-7)).reduce((s, p) => s + p, 0),
  );
}

/** Exact signed-rank p by flipping every sign of the ranks: P(|V − μ| ≥ |v − μ|). */
function signedRankByEnumeration(differences: number[]): { v: number; p: number } {
  const abs = differences.map(Math.abs);
  const ranks = abs.map((a) => abs.filter((b) => b < a).length + 1); // no ties in these inputs
  const v = differences.reduce((s, d, i) => (d > 0 ? s + (ranks[i] as number) : s), 0);
  const n = differences.length;
  const mu = (n * (n + 1)) / 4;
  let extreme = 0;
  for (let mask = 0; mask < 2 ** n; mask++) {
    let sum = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) sum += ranks[i] as number;
    if (Math.abs(sum - mu) >= Math.abs(v - mu) - 1e-9) extreme++;
  }
  return { v, p: extreme / 2 ** n };
}

/** A small generator of fixed pseudo-random numbers (the test's data must not change between runs). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('the exact sign test', () => {
  test("matches R's binom.test", () => {
    // binom.test(1, 10)$p.value = 0.02148438 (= 2·11/1024); binom.test(2, 12)$p.value = 0.03857422 (= 2·79/4096).
    expect(binomialTestHalf(1, 10)).toBeCloseTo(0.02148438, 8);
    expect(binomialTestHalf(2, 12)).toBeCloseTo(0.03857422, 8);
    expect(binomialTestHalf(9, 10)).toBeCloseTo(0.02148438, 8);
    expect(binomialTestHalf(5, 10)).toBe(1);
  });

  test('equals the enumeration of every outcome for n up to 30', () => {
    for (let n = 1; n <= 30; n++) for (let k = 0; k <= n; k++) expect(binomialTestHalf(k, n)).toBeCloseTo(binomialByEnumeration(k, n), 12);
  });

  test('stays finite and exact for thousands of pairs', () => {
    // n = 2000, k = 1000: the middle, p = 1; k = 900: far out, p tiny but positive.
    expect(binomialTestHalf(1000, 2000)).toBe(1);
    const p = binomialTestHalf(900, 2000);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-5);
  });

  test('drops ties and counts the pairs that went up', () => {
    // 7 up, 1 down, 3 unchanged: binom.test(7, 8) = 2·(1 + 8)/256 = 0.0703125.
    const r = signTest([1, 2, 1, 3, 1, 1, 2, -1, 0, 0, 0]);
    expect(r).toMatchObject({ method: 'signExact', changed: 8, statistic: 7 });
    expect(r.pValue).toBeCloseTo(18 / 256, 12);
    expect(signTest([0, 0]).pValue).toBeNull();
  });

  test('on yes/no pairs is the exact McNemar test of the discordant pairs', () => {
    // 12 no→yes, 2 yes→no, 20 concordant: binom.test(12, 14) = 2·(1 + 14 + 91)/16384.
    const pairs = [
      ...Array.from({ length: 12 }, () => ({ before: false, after: true })),
      ...Array.from({ length: 2 }, () => ({ before: true, after: false })),
      ...Array.from({ length: 10 }, () => ({ before: true, after: true })),
      ...Array.from({ length: 10 }, () => ({ before: false, after: false })),
    ];
    const r = mcnemarExact(pairs);
    expect(r).toMatchObject({ method: 'mcnemarExact', changed: 14, statistic: 12 });
    expect(r.pValue).toBeCloseTo((2 * 106) / 16384, 12);
  });
});

describe('the Wilcoxon signed-rank test', () => {
  test("matches R's ?wilcox.test example (Hollander & Wolfe, depression scale)", () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = wilcoxonSignedRank(x.map((xi, i) => xi - (y[i] as number)));
    // wilcox.test(x, y, paired = TRUE): V = 40, p-value = 0.03906 (= 2·20/1024·… = 0.0390625).
    expect(r.method).toBe('wilcoxonExact');
    expect(r.statistic).toBe(40);
    expect(r.pValue).toBeCloseTo(0.0390625, 10);
  });

  test('exact p equals flipping every sign, for samples without ties', () => {
    const rand = lcg(12);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + (trial % 14);
      const d = Array.from({ length: n }, (_, i) => (rand() < 0.6 ? 1 : -1) * (i + 1 + rand() * 0.5));
      const expected = signedRankByEnumeration(d);
      const r = wilcoxonSignedRank(d);
      expect(r.method).toBe('wilcoxonExact');
      expect(r.statistic).toBeCloseTo(expected.v, 10);
      expect(r.pValue).toBeCloseTo(expected.p, 12);
    }
  });

  test('with ties and zeros: the normal approximation with tie and continuity corrections, computed by hand', () => {
    // Likert changes of 12 families: 0, 0 dropped → n = 10: +1 ×5, +2 ×3, −1 ×2.
    // |d|: 1 ×7 (ranks 1–7, mid-rank 4), 2 ×3 (ranks 8–10, mid-rank 9).
    // V = 5·4 + 3·9 = 47; μ = 10·11/4 = 27.5; ties: (7³−7) + (3³−3) = 336 + 24 = 360;
    // σ² = 10·11·21/24 − 360/48 = 96.25 − 7.5 = 88.75; z = (47 − 27.5 − 0.5)/√88.75 = 19/9.42072…
    const d = [1, 1, 1, 1, 1, 2, 2, 2, -1, -1, 0, 0];
    const r = wilcoxonSignedRank(d);
    const z = 19 / Math.sqrt(88.75);
    expect(r.method).toBe('wilcoxonNormal');
    expect(r.changed).toBe(10);
    expect(r.statistic).toBe(47);
    expect(r.pValue).toBeCloseTo(2 * (1 - phiBySimpson(z)), 9);
    expect(r.pValue).toBeCloseTo(0.04372, 4);
  });

  test('fifty or more changed pairs without ties use the normal approximation', () => {
    const d = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? -1 : 1) * (i + 1));
    const r = wilcoxonSignedRank(d);
    const v = d.reduce((s, x) => (x > 0 ? s + x : s), 0); // |d| = 1..50, so the rank is |d|
    const centre = v - (50 * 51) / 4;
    const z = (centre - Math.sign(centre) * 0.5) / Math.sqrt((50 * 51 * 101) / 24);
    expect(r.method).toBe('wilcoxonNormal');
    expect(r.statistic).toBe(v);
    expect(r.pValue).toBeCloseTo(2 * Math.min(phiBySimpson(z), 1 - phiBySimpson(z)), 9);
  });

  test('nothing changed: no p-value', () => {
    expect(wilcoxonSignedRank([0, 0, 0]).pValue).toBeNull();
    expect(wilcoxonSignedRank([]).pValue).toBeNull();
  });
});

describe('the pieces', () => {
  test('Φ matches published values and the integral of the density', () => {
    expect(normalCdf(-1.96)).toBeCloseTo(0.024997895148220435, 12);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 12);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316300946, 13);
    for (const x of [-6, -2.5, -0.3, 0, 0.7, 1.5, 4]) expect(normalCdf(x)).toBeCloseTo(phiBySimpson(x), 10);
  });

  test('mid-ranks share the mean of the tied ranks', () => {
    expect(midRanks([3, 1, 3, 2, 3])).toEqual([4, 1, 4, 2, 4]);
  });

  test('mean change and share', () => {
    expect(meanChange([{ before: 2, after: 4 }, { before: 3, after: 2 }])).toEqual({ n: 2, mean: 0.5 });
    expect(meanChange([])).toEqual({ n: 0, mean: null });
    expect(shareOf([1, 4, 5, 2], (v) => v >= 4)).toBe(0.5);
    expect(shareOf([], () => true)).toBeNull();
  });
});
