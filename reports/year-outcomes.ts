/**
 * The year report's outcome section: each cycle of the period's evaluation (reports/outcomes.ts),
 * as the year report draws it. Pre/post items are per cycle (a baseline and its end pair one
 * family's answers within one cycle; pairing across cycles would compare different
 * questionnaires), labelled with the cycle's name; response rates are per round. Aggregates only,
 * computed at view time like the cycle's own (a withdrawn answer leaves every figure).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import { SurveyRecordsRepository } from '../db/repositories/survey-records';
import type { YearOutcomeSection } from '../domain/year-report';
import { LOCALES, SURVEY_ROUND_TERMS, type Locale } from '../domain/vocabulary';
import { computeCycleEvaluation, type CycleEvaluation, type RoundFigures } from './outcomes';

type Labels = Record<Locale, string>;
const inBoth = (f: (locale: Locale) => string): Labels => Object.fromEntries(LOCALES.map((l) => [l, f(l)])) as Labels;

const cycleReportHref = (cycleId: string) => `/dashboard/cycles/${encodeURIComponent(cycleId)}/report#evaluation`;
const roundHref = (roundId: string) => `/dashboard/surveys/rounds/${encodeURIComponent(roundId)}`;

/** The section for these cycles (the year report's cycles of the period); null when none had a survey. */
export async function yearOutcomes(db: Kysely<Database>, cycles: readonly { cycleId: string; name: string }[]): Promise<YearOutcomeSection | null> {
  const records = new SurveyRecordsRepository(db);
  const section: YearOutcomeSection = { items: [], responseRates: [] };
  for (const cycle of cycles) {
    const one = cycleOutcomeSection(await computeCycleEvaluation(records, cycle.cycleId), cycle.name);
    section.items.push(...one.items);
    section.responseRates.push(...one.responseRates);
  }
  return section.items.length || section.responseRates.length ? section : null;
}

/**
 * One cycle's evaluation as the charts draw it (the cycle report's own charts, and its share of
 * the year report's): `prefix` names the cycle in labels where several cycles share a chart.
 */
export function cycleOutcomeSection(evaluation: CycleEvaluation, prefix?: string): YearOutcomeSection {
  const section: YearOutcomeSection = { items: [], responseRates: [] };
  const named = (text: string) => (prefix ? `${prefix} · ${text}` : text);
  const rate = (round: RoundFigures, about: Labels) =>
    section.responseRates.push({ label: about, invited: round.invited, answered: round.answered, href: roundHref(round.roundId) });
  if (evaluation.baseline) rate(evaluation.baseline, inBoth((l) => named(SURVEY_ROUND_TERMS.baseline[l])));
  for (const round of evaluation.activityRounds) rate(round, inBoth((l) => round.activityTitle ?? SURVEY_ROUND_TERMS.activity[l]));
  if (evaluation.end) rate(evaluation.end, inBoth((l) => named(SURVEY_ROUND_TERMS.end[l])));
  for (const item of evaluation.prePost?.items ?? []) {
    section.items.push({
      label: inBoth((l) => named(item.text[l])),
      kind: item.kind,
      before: item.figures?.shareBefore ?? null,
      after: item.figures?.shareAfter ?? null,
      pairs: item.pairs,
      meanChange: item.figures?.meanChange ?? null,
      pValue: item.figures?.test.pValue ?? null,
      href: cycleReportHref(evaluation.cycleId),
    });
  }
  return section;
}
