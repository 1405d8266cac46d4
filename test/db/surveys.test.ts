/**
 * Outcome evaluation's records (db/services/surveys.ts) and the survey sweeper
 * (activities/surveys.ts) on both dialects: versions are append-only, a bad import saves nothing,
 * a round opens once however many sweepers run at once, reminds once, and closes.
 */
import { Cycles } from '../../db/services/cycles';
import { Surveys, roundIdFor } from '../../db/services/surveys';
import { SqlActivityStore } from '../../db/store';
import { InvalidInputError } from '../../db/util';
import { sweepSurveys, surveyEmailKey, type SurveySweeperDeps } from '../../activities/surveys';
import type { OutgoingEmail } from '../../mail/mailer';
import { readSurveyToken } from '../../links/survey-links';
import { DIALECTS, useTestDatabase } from './harness';
import { SAMPLE_ANSWERS, sampleDefinition, seedActivityWithCheckIns, seedFamilies } from '../support/surveys';

const SECRET = 'survey-test-secret-that-is-long-enough-0123456789';
const DAY = 86_400_000;
const TIMINGS = { endLeadMs: 14 * DAY, cycleRoundOpenMs: 14 * DAY, cycleRemindAfterMs: 7 * DAY };

describe.each(DIALECTS)('surveys on %s', (dialect) => {
  const t = useTestDatabase(dialect);
  const sent: OutgoingEmail[] = [];
  const mailer = { send: async (m: OutgoingEmail) => void sent.push(m) };
  let n = 0;
  const fresh = (p: string) => `${p}${++n}`;

  beforeAll(async () => {
    await t.db.insertInto('compounds').values([{ id: 'c-east', name: '东苑' }, { id: 'c-west', name: '西苑' }, { id: 'c-north', name: '北苑' }]).execute();
  });
  beforeEach(() => {
    sent.length = 0;
  });

  function sweeper(nowMs: number, owner = 'sweeper-1'): SurveySweeperDeps {
    return { db: t.db, store: new SqlActivityStore(t.db, { now: () => new Date(nowMs) }), mailer, linkSecret: SECRET, publicBaseUrl: 'https://cogov.test', messageIdDomain: 'cogov.test', withdrawPeriodMs: 30 * DAY, owner, now: () => nowMs };
  }

  async function cycleWithSurvey(o: { survey?: string; baseline?: string; start?: number; end?: number; compounds?: string[] } = {}): Promise<string> {
    const cycleId = fresh('cy-');
    await new Cycles(t.db).ensure({
      cycleId,
      name: `周期${cycleId}`,
      periodStart: new Date(o.start ?? Date.now() - DAY).toISOString(),
      periodEnd: new Date(o.end ?? Date.now() + 200 * DAY).toISOString(),
      compounds: o.compounds ?? ['c-east', 'c-west'],
      coordinator: { id: 'co-1' },
      supervisor: { id: 'su-1' },
      milestones: [],
    });
    await new Surveys(t.db).setCycleQuestionnaires(cycleId, { surveyQuestionnaireId: o.survey ?? null, baselineQuestionnaireId: o.baseline ?? null }, TIMINGS);
    return cycleId;
  }

  it('an edit adds a version; the answered version and its answers stay exactly as they were', async () => {
    const surveys = new Surveys(t.db);
    const q = await surveys.createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
    const cycleId = await cycleWithSurvey({ survey: q.questionnaireId });
    const families = [fresh('fa-'), fresh('fa-')];
    await seedFamilies(t.db, 'c-east', families);
    const activityId = fresh('act-');
    await seedActivityWithCheckIns(t.db, { activityId, cycleId, compound: 'c-east', checkedIn: families });
    const round = await surveys.ensureActivityRound({ activityId, remindAt: new Date(Date.now() + DAY).toISOString(), closesAt: new Date(Date.now() + 7 * DAY).toISOString() });
    await sweepSurveys(sweeper(Date.now()));
    const [first] = await surveys.invitees(round!.roundId, { unansweredOnly: false });
    await surveys.submit({ invitationId: first!.invitationId, answers: SAMPLE_ANSWERS, consented: true });
    const before = await t.db.selectFrom('questionnaire_versions').selectAll().where('id', '=', q.versionId).executeTakeFirstOrThrow();

    const edited = sampleDefinition({ title: { 'zh-CN': '活动满意度调查（修订）', en: 'Activity survey (revised)' } });
    const v2 = await surveys.addVersion(q.questionnaireId, edited, 'co-1');

    expect(v2.version).toBe(2);
    const after = await t.db.selectFrom('questionnaire_versions').selectAll().where('id', '=', q.versionId).executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect((await surveys.round(round!.roundId))?.questionnaireVersionId).toBe(q.versionId);
    expect((await surveys.invitation(first!.invitationId))?.definition.title['zh-CN']).toBe('活动满意度调查');
    expect((await surveys.latestVersion(q.questionnaireId))?.definition.title['zh-CN']).toBe('活动满意度调查（修订）');
    const listed = (await surveys.listQuestionnaires()).find((x) => x.id === q.questionnaireId);
    expect(listed?.versions.map((v) => [v.version, v.rounds])).toEqual([
      [1, 1],
      [2, 0],
    ]);
  });

  it('a bad import names the field and saves nothing', async () => {
    const surveys = new Surveys(t.db);
    const count = async () => Number((await t.db.selectFrom('questionnaires').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const bad = sampleDefinition();
    const likert = bad.items[0] as Extract<(typeof bad.items)[number], { kind: 'likert' }>;
    likert.labels = likert.labels.slice(0, 4);
    await expect(surveys.importQuestionnaire(JSON.stringify(bad), 'co-1')).rejects.toMatchObject({ issues: [expect.objectContaining({ field: 'items.0.labels' })] });
    await expect(surveys.importQuestionnaire('{"title": ', 'co-1')).rejects.toMatchObject({ issues: [expect.objectContaining({ field: 'json' })] });
    const noConsent: Record<string, unknown> = { ...sampleDefinition() };
    delete noConsent.consent;
    const err = await surveys.importQuestionnaire(JSON.stringify(noConsent), 'co-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues.map((i) => i.field)).toContain('consent');
    expect(await count()).toBe(before);

    const ok = await surveys.importQuestionnaire(JSON.stringify({ name: '家庭画像', definition: sampleDefinition() }), 'co-1');
    expect(ok.version).toBe(1);
    expect(await count()).toBe(before + 1);
  });

  it('a cycle questionnaire that does not exist is refused, naming the field', async () => {
    const cycleId = await cycleWithSurvey();
    await expect(new Surveys(t.db).setCycleQuestionnaires(cycleId, { baselineQuestionnaireId: 'q_nope' }, TIMINGS)).rejects.toMatchObject({ code: 'QUESTIONNAIRE_NOT_FOUND', field: 'baselineQuestionnaireId' });
    expect(await new Surveys(t.db).cycleQuestionnaires(cycleId)).toEqual({ surveyQuestionnaireId: null, baselineQuestionnaireId: null });
  });

  it('an activity of a cycle without a survey questionnaire gets no round', async () => {
    const cycleId = await cycleWithSurvey();
    const activityId = fresh('act-');
    await seedActivityWithCheckIns(t.db, { activityId, cycleId, compound: 'c-east', checkedIn: [] });
    expect(await new Surveys(t.db).ensureActivityRound({ activityId, remindAt: new Date().toISOString(), closesAt: new Date(Date.now() + DAY).toISOString() })).toBeUndefined();
    expect(await t.db.selectFrom('survey_rounds').select('id').where('activity_id', '=', activityId).execute()).toEqual([]);
  });

  it('two sweepers at once open a round once: one invitation and one email per family that checked in', async () => {
    const surveys = new Surveys(t.db);
    const q = await surveys.createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
    const cycleId = await cycleWithSurvey({ survey: q.questionnaireId });
    const attended = [fresh('fa-'), fresh('fa-'), fresh('fa-')];
    const stayedHome = fresh('fa-');
    await seedFamilies(t.db, 'c-east', [...attended, stayedHome]);
    const activityId = fresh('act-');
    await seedActivityWithCheckIns(t.db, { activityId, cycleId, compound: 'c-east', checkedIn: attended });
    const now = Date.now();
    const round = await surveys.ensureActivityRound({ activityId, remindAt: new Date(now + DAY).toISOString(), closesAt: new Date(now + 7 * DAY).toISOString() });
    // A repeat of the workflow's step finds the same round.
    expect(await surveys.ensureActivityRound({ activityId, remindAt: new Date(now + DAY).toISOString(), closesAt: new Date(now + 7 * DAY).toISOString() })).toEqual(round);

    const [a, b] = await Promise.all([sweepSurveys(sweeper(now + 1000, 'one')), sweepSurveys(sweeper(now + 1000, 'two'))]);
    const invitations = await t.db.selectFrom('survey_invitations').select(['id', 'family_id']).where('round_id', '=', round!.roundId).execute();
    expect(invitations.map((i) => i.family_id).sort()).toEqual([...attended].sort());
    const ours = sent.filter((m) => attended.some((f) => m.to.email === `${f}@families.test`));
    expect(ours).toHaveLength(3);
    expect(new Set(ours.map((m) => m.messageId)).size).toBe(3);
    expect(a.emails.sent + b.emails.sent).toBe(3);
    // Each email carries its family's own link, signed for its invitation.
    for (const m of ours) {
      const token = /\/survey\/([A-Za-z0-9_.-]+)/.exec(m.text)?.[1] ?? '';
      const read = readSurveyToken(token, SECRET, now);
      expect(read.kind).toBe('ok');
      const inv = invitations.find((i) => read.kind === 'ok' && i.id === read.invitationId);
      expect(m.to.email).toBe(`${inv?.family_id}@families.test`);
    }
    expect((await surveys.round(round!.roundId))?.openedAt).not.toBeNull();

    // A later sweep (a restart) sends nothing more.
    sent.length = 0;
    const again = await sweepSurveys(sweeper(now + 2000));
    expect(again.opened).not.toContain(round!.roundId);
    expect(sent.filter((m) => m.to.email.endsWith('@families.test') && attended.some((f) => m.to.email.startsWith(f)))).toEqual([]);
  });

  it('a sweeper that died mid-round: the next waits out its lease, then finishes the round, the unmarked email again with its Message-ID', async () => {
    const surveys = new Surveys(t.db);
    const q = await surveys.createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
    const cycleId = await cycleWithSurvey({ survey: q.questionnaireId });
    const attended = [fresh('fa-'), fresh('fa-')];
    await seedFamilies(t.db, 'c-east', attended);
    const activityId = fresh('act-');
    await seedActivityWithCheckIns(t.db, { activityId, cycleId, compound: 'c-east', checkedIn: attended });
    const now = Date.now();
    const round = await surveys.ensureActivityRound({ activityId, remindAt: new Date(now + DAY).toISOString(), closesAt: new Date(now + 7 * DAY).toISOString() });
    // The first sweeper dies after its second email went out, before it could mark it sent.
    const store = new SqlActivityStore(t.db);
    let marks = 0;
    const dying = Object.assign(Object.create(store) as SqlActivityStore, {
      markEmailSent: async (key: string, id: string) => (++marks === 2 ? Promise.reject(new Error('process killed')) : store.markEmailSent(key, id)),
    });
    await expect(sweepSurveys({ ...sweeper(now + 1000), store: dying })).rejects.toThrow('process killed');
    expect(sent).toHaveLength(2);
    expect((await surveys.round(round!.roundId))?.openedAt).toBeNull();
    // Another sweeper before the dead one's lease lapsed leaves its email alone...
    await sweepSurveys(sweeper(now + 2000, 'other'));
    expect(sent).toHaveLength(2);
    expect((await surveys.round(round!.roundId))?.openedAt).toBeNull();
    // ...and after it, sends the unmarked one again with the same Message-ID (the client folds it), the marked one never.
    await sweepSurveys(sweeper(now + 6 * 60_000, 'other'));
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((m) => m.messageId)).size).toBe(2);
    expect(sent[2]?.messageId).toBe(sent[1]?.messageId);
    expect((await surveys.round(round!.roundId))?.openedAt).not.toBeNull();
  });

  it('the reminder goes once, only to families that have not answered; after the close answers are refused', async () => {
    const surveys = new Surveys(t.db);
    const q = await surveys.createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
    const cycleId = await cycleWithSurvey({ survey: q.questionnaireId });
    const attended = [fresh('fa-'), fresh('fa-')];
    await seedFamilies(t.db, 'c-east', attended);
    const activityId = fresh('act-');
    await seedActivityWithCheckIns(t.db, { activityId, cycleId, compound: 'c-east', checkedIn: attended });
    const now = Date.now();
    const round = await surveys.ensureActivityRound({ activityId, remindAt: new Date(now + DAY).toISOString(), closesAt: new Date(now + 2 * DAY).toISOString() });
    await sweepSurveys(sweeper(now + 1000));
    const invitees = await surveys.invitees(round!.roundId, { unansweredOnly: false });
    const answered = invitees.find((i) => i.familyId === attended[0])!;
    await surveys.submit({ invitationId: answered.invitationId, answers: SAMPLE_ANSWERS, consented: true });
    sent.length = 0;

    // Before its time: no reminder.
    await sweepSurveys(sweeper(now + DAY - 1000));
    expect(sent).toHaveLength(0);
    await Promise.all([sweepSurveys(sweeper(now + DAY + 1000, 'one')), sweepSurveys(sweeper(now + DAY + 1000, 'two'))]);
    await sweepSurveys(sweeper(now + DAY + 60_000));
    // (Other tests' rounds are due too; this round's reminders are these.)
    expect(sent.map((m) => m.to.email).filter((e) => attended.some((f) => e === `${f}@families.test`))).toEqual([`${attended[1]}@families.test`]);
    const outbox = await t.db.selectFrom('email_outbox').select(['key', 'purpose']).where('activity_id', '=', activityId).where('purpose', '=', 'surveyReminder').execute();
    expect(outbox.map((r) => r.key)).toEqual([surveyEmailKey(invitees.find((i) => i.familyId === attended[1])!.invitationId, 'remind')]);
    expect((await surveys.round(round!.roundId))?.remindedAt).not.toBeNull();

    const late = new Surveys(t.db, { now: () => new Date(now + 2 * DAY) });
    const other = invitees.find((i) => i.familyId === attended[1])!;
    await expect(late.submit({ invitationId: other.invitationId, answers: SAMPLE_ANSWERS, consented: true })).rejects.toMatchObject({ code: 'ROUND_CLOSED' });
    expect(await t.db.selectFrom('survey_responses').select('invitation_id').where('invitation_id', '=', other.invitationId).execute()).toEqual([]);
  });

  it('one answer per invitation; a withdrawal erases the answers and keeps the record', async () => {
    const surveys = new Surveys(t.db);
    const q = await surveys.createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
    const cycleId = await cycleWithSurvey({ survey: q.questionnaireId });
    const family = fresh('fa-');
    await seedFamilies(t.db, 'c-east', [family]);
    const activityId = fresh('act-');
    await seedActivityWithCheckIns(t.db, { activityId, cycleId, compound: 'c-east', checkedIn: [family] });
    const round = await surveys.ensureActivityRound({ activityId, remindAt: new Date(Date.now() + DAY).toISOString(), closesAt: new Date(Date.now() + 7 * DAY).toISOString() });
    const [inv] = await surveys.writeInvitations(round!.roundId, new Date());

    await expect(surveys.submit({ invitationId: inv!.invitationId, answers: { talks: true }, consented: true })).rejects.toMatchObject({ code: 'ANSWERS_INVALID', field: 'understanding' });
    const first = await surveys.submit({ invitationId: inv!.invitationId, answers: SAMPLE_ANSWERS, consented: true });
    const second = await surveys.submit({ invitationId: inv!.invitationId, answers: { ...SAMPLE_ANSWERS, understanding: 1 }, consented: true });
    expect(first.outcome).toBe('recorded');
    expect(second).toEqual({ outcome: 'alreadySubmitted', submittedAt: first.submittedAt, withdrawnAt: null });
    const stored = await t.db.selectFrom('survey_responses').selectAll().where('invitation_id', '=', inv!.invitationId).executeTakeFirstOrThrow();
    expect(JSON.parse(stored.answers_json ?? 'null')).toEqual(SAMPLE_ANSWERS);

    const w = await surveys.withdraw(inv!.invitationId);
    expect(w.outcome).toBe('withdrawn');
    expect((await surveys.withdraw(inv!.invitationId)).outcome).toBe('alreadyWithdrawn');
    const erased = await t.db.selectFrom('survey_responses').selectAll().where('invitation_id', '=', inv!.invitationId).executeTakeFirstOrThrow();
    expect(erased.answers_json).toBeNull();
    expect(erased.withdrawn_at).not.toBeNull();
    expect(erased.submitted_at).toBe(first.submittedAt);
  });

  it('a cycle with a baseline gets a baseline round at its start and an end round with the same version before its end, to its compounds’ active families', async () => {
    const surveys = new Surveys(t.db);
    const q = await surveys.createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
    const start = Date.now() - 1000;
    const end = start + 120 * DAY;
    const east = [fresh('fa-'), fresh('fa-')];
    const gone = fresh('fa-');
    const north = fresh('fa-');
    // Compounds of their own, so the families of other tests stay out of this cycle.
    const [inside, outside] = [fresh('c-in-'), fresh('c-out-')];
    await t.db.insertInto('compounds').values([{ id: inside, name: '南苑' }, { id: outside, name: '北苑二期' }]).execute();
    await seedFamilies(t.db, inside, [...east, gone]);
    await seedFamilies(t.db, outside, [north]);
    await t.db.updateTable('families').set({ deactivated_at: new Date().toISOString() }).where('id', '=', gone).execute();
    const cycleId = await cycleWithSurvey({ baseline: q.questionnaireId, start, end, compounds: [inside] });

    const baseline = await surveys.round(roundIdFor('baseline', cycleId));
    const endRound = await surveys.round(roundIdFor('end', cycleId));
    expect(baseline).toMatchObject({ kind: 'baseline', opensAt: new Date(start).toISOString(), closesAt: new Date(start + 14 * DAY).toISOString(), remindAt: new Date(start + 7 * DAY).toISOString() });
    expect(endRound).toMatchObject({ kind: 'end', opensAt: new Date(end - 14 * DAY).toISOString(), closesAt: new Date(end).toISOString(), questionnaireVersionId: baseline!.questionnaireVersionId });

    // A new version later does not move the rounds already on record.
    await surveys.addVersion(q.questionnaireId, sampleDefinition({ title: { 'zh-CN': '新版', en: 'New' } }), 'co-1');
    await surveys.ensureCycleRounds(cycleId, TIMINGS);
    expect((await surveys.round(roundIdFor('end', cycleId)))?.questionnaireVersionId).toBe(baseline!.questionnaireVersionId);

    await sweepSurveys(sweeper(start + 1000));
    const invited = await t.db.selectFrom('survey_invitations').select('family_id').where('round_id', '=', baseline!.id).execute();
    expect(invited.map((i) => i.family_id).sort()).toEqual([...east].sort());
    // The end round waits for its time.
    expect(await t.db.selectFrom('survey_invitations').select('id').where('round_id', '=', endRound!.id).execute()).toEqual([]);
    await sweepSurveys(sweeper(end - 14 * DAY + 1000));
    expect((await t.db.selectFrom('survey_invitations').select('family_id').where('round_id', '=', endRound!.id).execute()).length).toBe(2);
  });
});
