/**
 * Outcome evaluation's figures (issue 12), computed from the answers at the moment they are asked
 * for, never saved: a family that withdraws takes its answer out of every figure at once. Only
 * aggregates leave this module; the family behind an answer is read only to pair its baseline
 * with its end answer.
 *
 * Definitions:
 * - A round's invited: its invitations. Answered: its responses not withdrawn (answers present).
 *   Response rate: answered ÷ invited (none when nobody was invited).
 * - An item's distribution over the answers that answered it (a blank optional item, or a value of
 *   the wrong kind, is not an answer to it): Likert, the count per point 1–5 and the mean (2
 *   decimals); yes/no, yes and no and the share yes; single choice, the count per option; short
 *   text, only how many answered it — never what they wrote.
 * - Pre/post (the cycle's baseline round and its end round): a pair is one family's baseline answer
 *   and its end answer to the same item, both counted. Per Likert and yes/no item: the pairs; the
 *   share before and after (yes/no: answering yes; Likert: answering 4 or 5); the mean change
 *   (end − baseline; yes/no counted 1 for yes, 0 for no, so it is the change of the share); and the
 *   paired test's two-sided p (yes/no: the exact McNemar test; Likert: Wilcoxon signed-rank, see
 *   domain/outcome-stats.ts). Items with fewer than MIN_PAIRS pairs show no figure but their count.
 */
import type { CountedAnswer, SurveyRecordsRepository, SurveyRoundRecord } from '../db/repositories/survey-records';
import type { SurveyRoundKind } from '../db/types';
import { LIKERT_POINTS, type AnswerValue, type Answers, type QuestionnaireDefinition, type QuestionnaireItem, type Wording } from '../domain/questionnaire';
import { mcnemarExact, meanChange, shareOf, wilcoxonSignedRank, type PairedTest } from '../domain/outcome-stats';

/** Pre/post figures of an item with fewer pairs than this are not shown. */
export const MIN_PAIRS = 5;
/** A Likert answer at or above this point counts as agreeing (the share before → after). */
export const LIKERT_AGREE_FROM = 4;

export interface ItemDistribution {
  itemId: string;
  kind: QuestionnaireItem['kind'];
  text: Wording;
  /** Answers that answered this item. */
  answered: number;
  /** Likert: the answers per point 1–5 (index 0 is point 1), the labels, the mean (2 decimals). */
  likert?: { counts: number[]; labels: Wording[]; mean: number | null };
  yesNo?: { yes: number; no: number; shareYes: number | null };
  choice?: { optionId: string; text: Wording; count: number }[];
}

export interface RoundFigures {
  roundId: string;
  kind: SurveyRoundKind;
  activityId: string | null;
  activityTitle: string | null;
  activityStartsAt: string | null;
  questionnaireName: string;
  version: number;
  title: Wording;
  invited: number;
  answered: number;
  /** answered ÷ invited; null when nobody was invited. */
  responseRate: number | null;
  items: ItemDistribution[];
}

export interface PrePostItem {
  itemId: string;
  kind: 'likert' | 'yesNo';
  text: Wording;
  pairs: number;
  /** Absent when there are fewer than MIN_PAIRS pairs: those figures are not shown. */
  figures?: {
    shareBefore: number;
    shareAfter: number;
    /** Mean of end − baseline over the pairs (yes/no: 1 for yes, 0 for no). */
    meanChange: number;
    test: PairedTest;
  };
}

export interface PrePostFigures {
  baselineRoundId: string;
  endRoundId: string;
  /** Families with both a baseline and an end answer that count. */
  families: number;
  items: PrePostItem[];
}

export interface CycleEvaluation {
  cycleId: string;
  /** The participant surveys after the cycle's activities, by the round's opening. */
  activityRounds: RoundFigures[];
  baseline?: RoundFigures;
  end?: RoundFigures;
  /** When the cycle has both a baseline and an end round. */
  prePost?: PrePostFigures;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The item's value in an answer when it is one of the item's kind; undefined otherwise. */
function valueFor(item: QuestionnaireItem, answers: Answers): AnswerValue | undefined {
  const v = answers[item.id];
  switch (item.kind) {
    case 'likert':
      return typeof v === 'number' && (LIKERT_POINTS as readonly number[]).includes(v) ? v : undefined;
    case 'yesNo':
      return typeof v === 'boolean' ? v : undefined;
    case 'choice':
      return typeof v === 'string' && item.options.some((o) => o.id === v) ? v : undefined;
    case 'text':
      return typeof v === 'string' && v.trim() !== '' ? v : undefined;
  }
}

function parseAnswers(json: string): Answers {
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Answers) : {};
  } catch {
    return {};
  }
}

/** The distribution of one item over the answers. */
export function itemDistribution(item: QuestionnaireItem, answers: readonly Answers[]): ItemDistribution {
  const values = answers.map((a) => valueFor(item, a)).filter((v): v is AnswerValue => v !== undefined);
  const base = { itemId: item.id, kind: item.kind, text: item.text, answered: values.length };
  switch (item.kind) {
    case 'likert': {
      const points = values as number[];
      const counts = LIKERT_POINTS.map((p) => points.filter((v) => v === p).length);
      const mean = points.length ? round2(points.reduce((s, v) => s + v, 0) / points.length) : null;
      return { ...base, likert: { counts, labels: item.labels, mean } };
    }
    case 'yesNo': {
      const yes = values.filter((v) => v === true).length;
      return { ...base, yesNo: { yes, no: values.length - yes, shareYes: shareOf(values, (v) => v === true) } };
    }
    case 'choice':
      return { ...base, choice: item.options.map((o) => ({ optionId: o.id, text: o.text, count: values.filter((v) => v === o.id).length })) };
    case 'text':
      // The text itself never leaves: personal data, and it could name the family.
      return base;
  }
}

function definitionOf(round: SurveyRoundRecord): QuestionnaireDefinition {
  return JSON.parse(round.definitionJson) as QuestionnaireDefinition;
}

/** A round's figures from its records. */
export function roundFigures(round: SurveyRoundRecord, invited: number, answers: readonly CountedAnswer[]): RoundFigures {
  const definition = definitionOf(round);
  const parsed = answers.map((a) => parseAnswers(a.answersJson));
  return {
    roundId: round.roundId,
    kind: round.kind,
    activityId: round.activityId,
    activityTitle: round.activityTitle,
    activityStartsAt: round.activityStartsAt,
    questionnaireName: round.questionnaireName,
    version: round.version,
    title: definition.title,
    invited,
    answered: answers.length,
    responseRate: invited > 0 ? answers.length / invited : null,
    items: definition.items.map((item) => itemDistribution(item, parsed)),
  };
}

/** The pre/post figures of a cycle's baseline and end answers, paired by family. */
export function prePostFigures(baseline: SurveyRoundRecord, end: SurveyRoundRecord, answers: readonly CountedAnswer[]): PrePostFigures {
  const byFamily = (roundId: string) => new Map(answers.filter((a) => a.roundId === roundId).map((a) => [a.familyId, parseAnswers(a.answersJson)]));
  const before = byFamily(baseline.roundId);
  const after = byFamily(end.roundId);
  const families = [...before.keys()].filter((id) => after.has(id)).sort();
  const endItems = new Map(definitionOf(end).items.map((i) => [i.id, i]));
  const items: PrePostItem[] = [];
  for (const item of definitionOf(baseline).items) {
    // The end round sends the same version; an item changed in between is not compared.
    const endItem = endItems.get(item.id);
    if ((item.kind !== 'likert' && item.kind !== 'yesNo') || endItem?.kind !== item.kind) continue;
    const pairs: { before: number; after: number }[] = [];
    for (const familyId of families) {
      const b = valueFor(item, before.get(familyId) as Answers);
      const a = valueFor(endItem, after.get(familyId) as Answers);
      if (b === undefined || a === undefined) continue;
      pairs.push({ before: Number(b), after: Number(a) });
    }
    const shown: PrePostItem = { itemId: item.id, kind: item.kind, text: item.text, pairs: pairs.length };
    if (pairs.length >= MIN_PAIRS) {
      const counts = item.kind === 'yesNo' ? (v: number) => v === 1 : (v: number) => v >= LIKERT_AGREE_FROM;
      shown.figures = {
        shareBefore: shareOf(pairs.map((p) => p.before), counts) as number,
        shareAfter: shareOf(pairs.map((p) => p.after), counts) as number,
        meanChange: round2(meanChange(pairs).mean as number),
        test:
          item.kind === 'yesNo'
            ? mcnemarExact(pairs.map((p) => ({ before: p.before === 1, after: p.after === 1 })))
            : wilcoxonSignedRank(pairs.map((p) => p.after - p.before)),
      };
    }
    items.push(shown);
  }
  return { baselineRoundId: baseline.roundId, endRoundId: end.roundId, families: families.length, items };
}

/** The figures of one round by id, or undefined. */
export async function computeRoundFigures(records: SurveyRecordsRepository, roundId: string): Promise<RoundFigures | undefined> {
  const round = await records.round(roundId);
  if (!round) return undefined;
  const [invited, answers] = await Promise.all([records.invitedCounts([roundId]), records.countedAnswers([roundId])]);
  return roundFigures(round, invited.get(roundId) ?? 0, answers);
}

/** The participant survey's figures of an activity, or undefined when it has none. */
export async function computeActivitySurvey(records: SurveyRecordsRepository, activityId: string): Promise<RoundFigures | undefined> {
  const round = await records.activityRound(activityId);
  return round ? computeRoundFigures(records, round.roundId) : undefined;
}

/** A cycle's evaluation: each activity's survey, the baseline and end rounds, and their pre/post figures. */
export async function computeCycleEvaluation(records: SurveyRecordsRepository, cycleId: string): Promise<CycleEvaluation> {
  const rounds = await records.cycleRounds(cycleId);
  const ids = rounds.map((r) => r.roundId);
  const [invited, answers] = await Promise.all([records.invitedCounts(ids), records.countedAnswers(ids)]);
  const figuresOf = (r: SurveyRoundRecord) =>
    roundFigures(
      r,
      invited.get(r.roundId) ?? 0,
      answers.filter((a) => a.roundId === r.roundId),
    );
  const baseline = rounds.find((r) => r.kind === 'baseline' && r.cycleId === cycleId);
  const end = rounds.find((r) => r.kind === 'end' && r.cycleId === cycleId);
  return {
    cycleId,
    activityRounds: rounds.filter((r) => r.kind === 'activity').map(figuresOf),
    ...(baseline ? { baseline: figuresOf(baseline) } : {}),
    ...(end ? { end: figuresOf(end) } : {}),
    ...(baseline && end ? { prePost: prePostFigures(baseline, end, answers) } : {}),
  };
}
