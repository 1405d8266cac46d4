/**
 * Outcome evaluation's figures in the locale's words: the cycle report's `outcomes` table (CSV,
 * aggregates only — each row's sources are round ids, whose page lists who was invited and who
 * answered, never what) and the pieces of text the pages share with it (a round's name, a share
 * as a percentage, a signed change, a p-value).
 */
import type { Locale } from '../domain/vocabulary';
import type { CsvTable, Cell } from '../lib/csv';
import { catalogFor } from '../i18n';
import { OUTCOME_CSV_COLUMNS, type OutcomeCsvColumn } from '../i18n/catalog';
import { formatNumber } from '../i18n/format';
import type { CycleEvaluation, ItemDistribution, PrePostItem, RoundFigures } from './outcomes';

/** A round as people name it: the activity's title for an activity's survey, else baseline or end. */
export function roundName(round: Pick<RoundFigures, 'kind' | 'activityTitle'>, locale: Locale): string {
  const e = catalogFor(locale).evaluation;
  return round.kind === 'activity' ? e.activityRound(round.activityTitle ?? '') : e.roundKinds[round.kind];
}

/** A share (0 … 1) as a whole percentage, e.g. 31%. */
export function percent(share: number | null, locale: Locale): string {
  return share === null ? '–' : `${formatNumber(Math.round(share * 100), locale)}%`;
}

/** A change with its sign, two decimals at most: +0.45, −0.2, 0. */
export function signed(n: number, locale: Locale): string {
  const text = formatNumber(Math.abs(n), locale);
  return n > 0 ? `+${text}` : n < 0 ? `−${text}` : text;
}

/** A two-sided p-value as a reader expects it: three decimals, or "< 0.001". */
export function pText(p: number | null): string {
  if (p === null) return '–';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** A p-value for the CSV: six significant digits. */
const pCell = (p: number | null): number | null => (p === null ? null : Number(p.toPrecision(6)));
const share4 = (share: number | null): number | null => (share === null ? null : Math.round(share * 10_000) / 10_000);

/** The mean change in the words of its item: points on a scale, percentage points of a share. */
export function changeText(item: PrePostItem, locale: Locale): string {
  const f = item.figures;
  if (!f) return '–';
  return item.kind === 'yesNo' ? catalogFor(locale).evaluation.points(signed(Math.round(f.meanChange * 100), locale)) : signed(f.meanChange, locale);
}

/** An item's distribution in one line (the CSV's cell and the page's summary). */
export function distributionText(item: ItemDistribution, locale: Locale): string {
  const e = catalogFor(locale).evaluation;
  const n = (x: number) => formatNumber(x, locale);
  if (item.likert) return item.likert.counts.map((c, i) => `${i + 1}: ${n(c)}`).join('; ');
  if (item.yesNo) return e.shareYes(percent(item.yesNo.shareYes, locale), n(item.yesNo.yes), n(item.yesNo.no));
  if (item.choice) return item.choice.map((o) => `${o.text[locale]}: ${n(o.count)}`).join('; ');
  return e.textAnswered(n(item.answered));
}

/** The cycle report's `outcomes` table: each round, each of its items' distribution, and the pre/post comparison. */
export function outcomesTable(evaluation: CycleEvaluation, locale: Locale = 'zh-CN'): CsvTable<OutcomeCsvColumn> {
  const e = catalogFor(locale).evaluation;
  const columns = OUTCOME_CSV_COLUMNS.map((key) => ({ key, header: e.csv.headers[key] }));
  const rows: Partial<Record<OutcomeCsvColumn, Cell>>[] = [];
  const rounds = [...(evaluation.baseline ? [evaluation.baseline] : []), ...evaluation.activityRounds, ...(evaluation.end ? [evaluation.end] : [])];
  for (const r of rounds) {
    const name = roundName(r, locale);
    rows.push({ section: e.csv.sections.round, round: name, invited: r.invited, answered: r.answered, responseRate: share4(r.responseRate), sources: r.roundId });
    for (const item of r.items) {
      rows.push({
        section: e.csv.sections.item,
        round: name,
        item: item.text[locale],
        itemKind: e.itemKinds[item.kind],
        answered: item.answered,
        distribution: distributionText(item, locale),
        // The mean of a yes/no item (yes 1, no 0) is its share yes.
        mean: item.likert ? item.likert.mean : item.yesNo ? share4(item.yesNo.shareYes) : null,
        sources: r.roundId,
      });
    }
  }
  const pp = evaluation.prePost;
  if (pp) {
    const name = `${e.roundKinds.baseline} → ${e.roundKinds.end}`;
    for (const item of pp.items) {
      const f = item.figures;
      rows.push({
        section: e.csv.sections.prePost,
        round: name,
        item: item.text[locale],
        itemKind: e.itemKinds[item.kind],
        pairs: item.pairs,
        shareBefore: f ? share4(f.shareBefore) : null,
        shareAfter: f ? share4(f.shareAfter) : null,
        meanChange: f ? f.meanChange : null,
        pValue: f ? pCell(f.test.pValue) : null,
        test: f ? (f.test.pValue === null ? e.noChange : e.tests[f.test.method]) : e.tooFewPairs,
        sources: `${pp.baselineRoundId} ${pp.endRoundId}`,
      });
    }
  }
  return { columns, rows };
}
