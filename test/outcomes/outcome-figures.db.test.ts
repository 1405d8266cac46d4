/**
 * Outcome evaluation's figures from survey records on SQLite and PostgreSQL: what counts as an
 * answer (not withdrawn, of the item's kind), which rounds are a cycle's, how families pair, the
 * five-pair threshold, and the round's roster (who, never what). Expected values are worked out
 * here from the rows the test writes.
 */
import { SurveyRecordsRepository } from '../../db/repositories/survey-records';
import { Cycles } from '../../db/services/cycles';
import { SqlActivityStore } from '../../db/store';
import { computeActivitySurvey, computeCycleEvaluation, computeRoundFigures } from '../../reports/outcomes';
import { outcomesTable } from '../../reports/outcomes-table';
import type { Answers } from '../../domain/questionnaire';
import { DIALECTS, useTestDatabase } from '../db/harness';
import { BASELINE, SURVEY, answer, insertQuestionnaire, insertRound, invite, withdraw } from './survey-fixture';

const FAMILIES = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'];

describe.each(DIALECTS)('outcome figures on %s', (dialect) => {
  const t = useTestDatabase(dialect);
  let records: SurveyRecordsRepository;

  beforeAll(async () => {
    const db = t.db;
    records = new SurveyRecordsRepository(db);
    await db.insertInto('compounds').values({ id: 'c1', name: '锦绣花园' }).execute();
    await db
      .insertInto('families')
      .values(FAMILIES.map((id, i) => ({ id, compound_id: 'c1', name: `家庭${i + 1}`, email: `${id}@example.test`, locale: 'zh-CN' as const, members: 3, qr_token: `q-${id}` })))
      .execute();
    for (const cycleId of ['cy-1', 'cy-2']) {
      await new Cycles(db).ensure({ cycleId, name: `周期 ${cycleId}`, periodStart: '2026-01-01T00:00:00.000Z', periodEnd: '2026-07-01T00:00:00.000Z', compounds: ['c1'], coordinator: { id: 'co-1' }, supervisor: { id: 'su-1' }, milestones: [] });
    }
    const store = new SqlActivityStore(db);
    for (const [id, cycleId] of [['act-1', 'cy-1'], ['act-other', 'cy-2']] as const) {
      await store.upsertActivity({ activityId: id, cycleId, compound: 'c1', title: `活动 ${id}`, startsAt: '2026-03-01T01:00:00.000Z', endsAt: '2026-03-01T03:00:00.000Z', capacity: 50, stage: 'feedback' });
    }
    const baselineV = await insertQuestionnaire(db, 'q-base', BASELINE);
    const surveyV = await insertQuestionnaire(db, 'q-survey', SURVEY);
    await insertRound(db, { id: 'r-base', kind: 'baseline', versionId: baselineV, cycleId: 'cy-1' });
    await insertRound(db, { id: 'r-end', kind: 'end', versionId: baselineV, cycleId: 'cy-1', opensAt: '2026-06-01T00:00:00.000Z' });
    // The activity's round names no cycle: it is the cycle's through its activity.
    await insertRound(db, { id: 'r-act', kind: 'activity', versionId: surveyV, activityId: 'act-1', opensAt: '2026-03-01T04:00:00.000Z' });
    await insertRound(db, { id: 'r-other', kind: 'activity', versionId: surveyV, activityId: 'act-other' });
    await invite(db, 'r-base', FAMILIES);
    await invite(db, 'r-end', FAMILIES);
    await invite(db, 'r-act', ['f1', 'f2', 'f3', 'f4', 'f5']);
    await invite(db, 'r-other', ['f6']);

    // The activity's survey: f1–f4 answer, f4 then withdraws; f5 never answers.
    await answer(db, 'r-act', 'f1', { understanding: 5, helping: true, advice: '答卷秘文-f1' });
    await answer(db, 'r-act', 'f2', { understanding: 4, helping: false });
    // A value of the wrong kind is no answer to its item.
    await answer(db, 'r-act', 'f3', { understanding: 7, helping: 'yes', advice: '  ' });
    await answer(db, 'r-act', 'f4', { understanding: 1, helping: true, advice: '答卷秘文-f4' });
    await withdraw(db, 'r-act', 'f4');
    await answer(db, 'r-other', 'f6', { understanding: 2, helping: true });

    // Baseline and end. talk: f1–f6 paired (f7 answers only the baseline); emotion: f2's end
    // answer left it blank, so 5 pairs; siblings: 2 pairs (under five).
    const base: Answers[] = [
      { talk: false, emotion: 2, siblings: true, stage: 'primary' },
      { talk: false, emotion: 3, siblings: false, stage: 'primary' },
      { talk: true, emotion: 3, stage: 'middle' },
      { talk: false, emotion: 4, stage: 'preschool' },
      { talk: true, emotion: 2, stage: 'nursery' }, // not an option: no answer to `stage`
      { talk: false, emotion: 3, stage: 'primary' },
      { talk: false, emotion: 5, stage: 'primary' },
    ];
    const end: Answers[] = [
      { talk: true, emotion: 4, siblings: true, stage: 'primary' },
      { talk: true, siblings: false, stage: 'primary' },
      { talk: true, emotion: 5, stage: 'middle' },
      { talk: true, emotion: 4, stage: 'preschool' },
      { talk: false, emotion: 4, stage: 'primary' },
      { talk: true, emotion: 3, stage: 'primary' },
    ];
    for (const [i, a] of base.entries()) await answer(db, 'r-base', FAMILIES[i] as string, a);
    for (const [i, a] of end.entries()) await answer(db, 'r-end', FAMILIES[i] as string, a);
  });

  test("a round: invited, answered without the withdrawn, each item's distribution over the answers of its kind", async () => {
    const r = await computeRoundFigures(records, 'r-act');
    expect(r).toMatchObject({ roundId: 'r-act', kind: 'activity', activityId: 'act-1', activityTitle: '活动 act-1', invited: 5, answered: 3, responseRate: 3 / 5 });
    const [understanding, helping, advice] = r!.items;
    // f1 5, f2 4 (f3's 7 is no point of the scale; f4 withdrew).
    expect(understanding).toMatchObject({ answered: 2, likert: { counts: [0, 0, 0, 1, 1], mean: 4.5 } });
    expect(helping).toMatchObject({ answered: 2, yesNo: { yes: 1, no: 1, shareYes: 0.5 } });
    // Only f1's text counts (f3's is blank, f4 withdrew), and only as a count.
    expect(advice).toEqual({ itemId: 'advice', kind: 'text', text: SURVEY.items[2]!.text, answered: 1 });
    expect(JSON.stringify(r)).not.toContain('答卷秘文');
    expect(await computeActivitySurvey(records, 'act-1')).toEqual(r);
    expect(await computeActivitySurvey(records, 'act-none')).toBeUndefined();
  });

  test("a cycle: its own rounds only, and each family's baseline paired with its end answer", async () => {
    const e = await computeCycleEvaluation(records, 'cy-1');
    expect(e.activityRounds.map((r) => r.roundId)).toEqual(['r-act']);
    expect(e.baseline).toMatchObject({ invited: 7, answered: 7 });
    expect(e.end).toMatchObject({ invited: 7, answered: 6 });
    // stage at baseline: primary f1 f2 f6 f7, middle f3, preschool f4; f5's 'nursery' is none.
    expect(e.baseline!.items[3]).toMatchObject({ answered: 6, choice: [{ optionId: 'preschool', count: 1 }, { optionId: 'primary', count: 4 }, { optionId: 'middle', count: 1 }] });
    const pp = e.prePost!;
    expect(pp).toMatchObject({ baselineRoundId: 'r-base', endRoundId: 'r-end', families: 6 });
    const [talk, emotion, siblings] = pp.items;
    // talk, f1–f6: before yes f3 f5 (2/6), after yes all but f5 (5/6); changes +1 f1 f2 f4 f6, −1 f5:
    // McNemar exact = binom.test(4, 5) = 2·(1 + 5)/32 = 0.375; mean change 3/6 = 0.5.
    expect(talk).toMatchObject({ itemId: 'talk', kind: 'yesNo', pairs: 6 });
    expect(talk!.figures!.shareBefore).toBeCloseTo(2 / 6, 12);
    expect(talk!.figures!.shareAfter).toBeCloseTo(5 / 6, 12);
    expect(talk!.figures!.meanChange).toBe(0.5);
    expect(talk!.figures!.test).toMatchObject({ method: 'mcnemarExact', changed: 5, statistic: 4 });
    expect(talk!.figures!.test.pValue).toBeCloseTo(0.375, 12);
    // emotion, pairs f1 f3 f4 f5 f6 (f2 left it blank at the end): 2→4, 3→5, 4→4, 2→4, 3→3.
    // Share of 4–5: before 1/5 (f4), after 4/5. Mean change (2+2+0+2+0)/5 = 1.2. Wilcoxon: three
    // changes of +2, tied (all rank 2), so the normal approximation: V = 6, μ = 3, σ² = 3·4·7/24 −
    // (27 − 3)/48 = 3.5 − 0.5 = 3; z = (3 − 0.5)/√3.
    expect(emotion).toMatchObject({ itemId: 'emotion', kind: 'likert', pairs: 5 });
    expect(emotion!.figures).toMatchObject({ shareBefore: 0.2, shareAfter: 0.8, meanChange: 1.2, test: { method: 'wilcoxonNormal', changed: 3, statistic: 6 } });
    expect(siblings).toEqual({ itemId: 'siblings', kind: 'yesNo', text: BASELINE.items[2]!.text, pairs: 2 });
    // Choice and text items are not compared.
    expect(pp.items.map((i) => i.itemId)).toEqual(['talk', 'emotion', 'siblings']);
  });

  test('the outcomes table holds aggregates and round ids, and the five-pair rule', async () => {
    const table = outcomesTable(await computeCycleEvaluation(records, 'cy-1'), 'zh-CN');
    const cells = JSON.stringify(table.rows);
    expect(cells).not.toContain('答卷秘文');
    for (const f of FAMILIES) expect(cells).not.toContain(`"${f}"`);
    const siblings = table.rows.find((r) => r.section === '前后测对比' && r.item === '家中有两个及以上孩子');
    expect(siblings).toMatchObject({ pairs: 2, test: '少于5对，不显示', sources: 'r-base r-end' });
    expect(siblings?.shareBefore ?? null).toBeNull();
    expect(table.rows.find((r) => r.section === '问卷轮次' && r.sources === 'r-act')).toMatchObject({ invited: 5, answered: 3, responseRate: 0.6 });
  });

  test("a round's roster: the invited families by name and whether an answer counts, nothing of the answers", async () => {
    const roster = await records.roster('r-act');
    expect(roster.map((r) => [r.familyId, r.name, r.answered])).toEqual([
      ['f1', '家庭1', true],
      ['f2', '家庭2', true],
      ['f3', '家庭3', true],
      ['f4', '家庭4', false], // withdrew
      ['f5', '家庭5', false],
    ]);
    expect(Object.keys(roster[0]!).sort()).toEqual(['answered', 'compound', 'familyId', 'invitedAt', 'name']);
  });

  test('a withdrawal leaves every figure at once', async () => {
    await withdraw(t.db, 'r-end', 'f6');
    const pp = (await computeCycleEvaluation(records, 'cy-1')).prePost!;
    // talk without f6: pairs f1–f5, before 2/5, after 4/5; changes +1 f1 f2 f4, −1 f5.
    expect(pp.families).toBe(5);
    expect(pp.items[0]).toMatchObject({ pairs: 5, figures: { shareBefore: 0.4, shareAfter: 0.8, meanChange: 0.4, test: { changed: 4, statistic: 3 } } });
    // emotion loses f6's pair: 4 pairs, under five, no figures.
    expect(pp.items[1]).toEqual({ itemId: 'emotion', kind: 'likert', text: BASELINE.items[1]!.text, pairs: 4 });
    expect((await computeRoundFigures(records, 'r-end'))!.answered).toBe(5);
  });
});
