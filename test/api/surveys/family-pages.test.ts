/**
 * A family's survey page over real HTTP (api/surveys/family-pages.ts), on SQLite and PostgreSQL:
 * the signed link shows consent first, one submit records one answer, a second changes nothing,
 * missing items are named and nothing is saved, withdraw erases, a bad token is refused.
 */
import type { ActionAuditTable } from '../../../db/repositories/audit';
import { Surveys } from '../../../db/services/surveys';
import { DIALECTS } from '../../db/harness';
import { DAY, LINK_SECRET, api, page, seedCycle, startApiHarness, submit, unique, type ApiHarness } from '../harness';
import { SAMPLE_ANSWERS, answerFields, answerSurvey, sampleDefinition, seedActivityWithCheckIns, seedFamilies, surveyLinkFor, withdrawSurvey } from '../../support/surveys';

const TIMINGS = { endLeadMs: 14 * DAY, cycleRoundOpenMs: 14 * DAY, cycleRemindAfterMs: 7 * DAY };

describe.each(DIALECTS)('the survey page on %s', (dialect) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: false, dialect });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A round after an activity with two families invited; their links. */
  async function invited(closesInMs = 7 * DAY) {
    const surveys = new Surveys(h.db);
    const q = await surveys.createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
    const cycleId = await seedCycle(h.db, unique('cy'));
    await surveys.setCycleQuestionnaires(cycleId, { surveyQuestionnaireId: q.questionnaireId }, TIMINGS);
    const families = [unique('fa'), unique('fa')];
    await seedFamilies(h.db, 'c-east', families);
    const activityId = unique('act');
    await seedActivityWithCheckIns(h.db, { activityId, cycleId, compound: 'c-east', checkedIn: families });
    const round = await surveys.ensureActivityRound({ activityId, remindAt: new Date(Date.now() + closesInMs / 2).toISOString(), closesAt: new Date(Date.now() + closesInMs).toISOString() });
    const invitations = await surveys.writeInvitations(round!.roundId, new Date());
    const linkOf = (i: (typeof invitations)[number]) => surveyLinkFor(i, { secret: LINK_SECRET, baseUrl: h.baseUrl, expiresAtMs: Date.now() + 30 * DAY });
    return { surveys, invitations, links: invitations.map(linkOf), roundId: round!.roundId };
  }
  const responseOf = (invitationId: string) => h.db.selectFrom('survey_responses').selectAll().where('invitation_id', '=', invitationId).executeTakeFirst();

  it('GET shows the consent with a required choice and no default, then the items in Chinese (English on request), and records nothing', async () => {
    const { invitations, links } = await invited();
    const shown = await page(links[0]!);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('referrer-policy')).toBe('no-referrer');
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(shown.text).toContain('<html lang="zh-CN">');
    expect(shown.text).toContain('知情同意');
    expect(shown.text).toContain('本问卷匿名统计');
    expect(shown.text.indexOf('知情同意')).toBeLessThan(shown.text.indexOf('这次活动增进了家人之间的相互理解'));
    expect(shown.text).toContain('name="consent" value="agree"');
    expect(shown.text).not.toMatch(/checked/);
    expect(shown.text).toContain('亲子运动会');
    const en = await page(`${links[0]}?lang=en`);
    expect(en.text).toContain('The activity increased mutual understanding in our family');
    expect(en.text).toContain('I have read this and agree');
    expect(await responseOf(invitations[0]!.invitationId)).toBeUndefined();
  });

  it('without consent, or with a required item missing: 400 naming it, nothing saved', async () => {
    const { invitations, links } = await invited();
    const noConsent = await submit(links[0]!, answerFields(SAMPLE_ANSWERS, false));
    expect(noConsent.status).toBe(400);
    expect(noConsent.text).toContain('请先阅读知情同意');
    const missing = await submit(links[0]!, answerFields({ understanding: 4, heard: 'email' }));
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('以下必答题还没有回答：2. 每周至少有一次深度对话');
    // What was chosen stays chosen.
    expect(missing.text).toMatch(/value="4" checked/);
    const outOfScale = await submit(links[0]!, answerFields({ ...SAMPLE_ANSWERS, understanding: 9 }));
    expect(outOfScale.status).toBe(400);
    expect(outOfScale.text).toContain('1. 这次活动增进了家人之间的相互理解');
    expect(await responseOf(invitations[0]!.invitationId)).toBeUndefined();
  });

  it('one submit records one answer; a second submit shows "已提交于" and changes nothing; withdraw erases it', async () => {
    const { invitations, links } = await invited();
    const first = await answerSurvey(links[0]!, { ...SAMPLE_ANSWERS, comment: '孩子很喜欢' });
    expect(first.status).toBe(200);
    expect(first.html).toContain('已提交于');
    const stored = await responseOf(invitations[0]!.invitationId);
    expect(JSON.parse(stored!.answers_json!)).toEqual({ ...SAMPLE_ANSWERS, comment: '孩子很喜欢' });

    const again = await answerSurvey(links[0]!, { understanding: 1, talks: false, heard: 'email' });
    expect(again.status).toBe(200);
    expect(again.html).toContain('已提交于');
    expect(await responseOf(invitations[0]!.invitationId)).toEqual(stored);
    // The other family's invitation is untouched.
    expect(await responseOf(invitations[1]!.invitationId)).toBeUndefined();

    const withdrawn = await withdrawSurvey(links[0]!);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.html).toContain('您的回答已于');
    const erased = await responseOf(invitations[0]!.invitationId);
    expect(erased?.answers_json).toBeNull();
    expect(erased?.withdrawn_at).not.toBeNull();
    expect((await page(links[0]!)).text).toContain('撤回并删除');
    // No answer text reached the app's log; the audit has who did what, and no answer.
    expect(JSON.stringify(h.logs)).not.toContain('孩子很喜欢');
    const audit = await h.db
      .withTables<{ action_audit: ActionAuditTable }>()
      .selectFrom('action_audit')
      .selectAll()
      .where('workflow_id', '=', `survey:${invitations[0]!.invitationId}`)
      .orderBy('created_at')
      .execute();
    expect(audit.map((a) => [a.action, a.outcome, a.recipient_key])).toEqual([
      ['submit', 'recorded', `family:${invitations[0]!.familyId}`],
      ['submit', 'alreadyDecided', `family:${invitations[0]!.familyId}`],
      ['withdraw', 'recorded', `family:${invitations[0]!.familyId}`],
    ]);
    expect(JSON.stringify(audit)).not.toContain('孩子很喜欢');
  });

  it('a tampered, foreign or cross-family token is refused and a form from elsewhere changes nothing', async () => {
    const { invitations, links } = await invited();
    const link = links[0]!;
    const [payload, sig] = link.split('/survey/')[1]!.split('.') as [string, string];
    const flipped = `${h.baseUrl}/survey/${payload}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await page(flipped)).status).toBe(400);
    expect((await page(`${h.baseUrl}/survey/not-a-token`)).status).toBe(400);
    // A well-signed link that names another family than the invitation's.
    const crossed = surveyLinkFor({ invitationId: invitations[0]!.invitationId, familyId: invitations[1]!.familyId }, { secret: LINK_SECRET, baseUrl: h.baseUrl, expiresAtMs: Date.now() + DAY });
    expect((await page(crossed)).status).toBe(404);
    // Expired.
    const old = surveyLinkFor(invitations[0]!, { secret: LINK_SECRET, baseUrl: h.baseUrl, expiresAtMs: Date.now() - 1000 });
    expect((await page(old)).status).toBe(410);
    // A POST without the page's CSRF value.
    const foreign = await page(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(answerFields(SAMPLE_ANSWERS)).toString() });
    expect(foreign.status).toBe(403);
    const tamperedPost = await submit(flipped, answerFields(SAMPLE_ANSWERS), { from: await page(link) });
    expect(tamperedPost.status).toBe(400);
    expect(await responseOf(invitations[0]!.invitationId)).toBeUndefined();
  });

  it('after the close the page says so and refuses answers', async () => {
    const { surveys, invitations, links, roundId } = await invited();
    // Opened while it was open (its form and CSRF value), answered after the close.
    const openBefore = await page(links[0]!);
    await h.db.updateTable('survey_rounds').set({ closes_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', roundId).execute();
    const shown = await page(links[0]!);
    expect(shown.text).toContain('这份问卷已于');
    expect(shown.text).not.toContain('name="consent"');
    const late = await submit(links[0]!, answerFields(SAMPLE_ANSWERS), { from: openBefore });
    expect(late.status).toBe(409);
    expect(late.text).toContain('这份问卷已于');
    expect(await responseOf(invitations[0]!.invitationId)).toBeUndefined();
    expect((await surveys.invitation(invitations[0]!.invitationId))?.response).toBeUndefined();
  });

  it('a family that answered before the close can still withdraw after it', async () => {
    const { invitations, links, roundId } = await invited();
    expect((await answerSurvey(links[0]!, SAMPLE_ANSWERS)).status).toBe(200);
    await h.db.updateTable('survey_rounds').set({ closes_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', roundId).execute();
    const shown = await page(links[0]!);
    expect(shown.text).toContain('已提交于');
    expect(shown.text).toContain('value="withdraw"');
    expect((await withdrawSurvey(links[0]!)).status).toBe(200);
    expect((await responseOf(invitations[0]!.invitationId))?.answers_json).toBeNull();
  });

  it('the cycle start API takes existing questionnaires and writes the baseline and end rounds', async () => {
    const surveys = new Surveys(h.db);
    const survey = await surveys.createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
    const baseline = await surveys.createQuestionnaire({ definition: sampleDefinition(), by: 'co-1' });
    const id = unique('cy-api-ok');
    const periodStart = new Date(Date.now() + DAY).toISOString();
    const periodEnd = new Date(Date.now() + 90 * DAY).toISOString();
    const res = await api(h.baseUrl, 'POST', '/api/cycles', {
      who: 'co',
      body: { id, name: '问卷周期', periodStart, periodEnd, compounds: ['c-east'], surveyQuestionnaireId: survey.questionnaireId, baselineQuestionnaireId: baseline.questionnaireId },
    });
    expect(res.status).toBeLessThan(300);
    expect(await surveys.cycleQuestionnaires(id)).toEqual({ surveyQuestionnaireId: survey.questionnaireId, baselineQuestionnaireId: baseline.questionnaireId });
    const rounds = await surveys.roundsOfCycle(id);
    expect(rounds.map((r) => [r.kind, r.questionnaireVersionId, r.opensAt])).toEqual([
      ['baseline', baseline.versionId, new Date(periodStart).toISOString()],
      ['end', baseline.versionId, new Date(Date.parse(periodEnd) - h.config.surveys.endLeadMs).toISOString()],
    ]);
    await h.client.workflow.getHandle(res.body.workflowId).terminate('test over').catch(() => undefined);
  });

  it('the cycle start API refuses a questionnaire that does not exist, naming the field, and records nothing', async () => {
    const id = unique('cy-api');
    const res = await api(h.baseUrl, 'POST', '/api/cycles', {
      who: 'co',
      body: {
      id,
      name: '问卷周期',
      periodStart: new Date(Date.now() + DAY).toISOString(),
      periodEnd: new Date(Date.now() + 90 * DAY).toISOString(),
      compounds: ['c-east'],
      baselineQuestionnaireId: 'q_missing',
      },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('baselineQuestionnaireId');
    expect(await h.db.selectFrom('cycles').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
  });
});
