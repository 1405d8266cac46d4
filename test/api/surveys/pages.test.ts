/**
 * The coordinator's questionnaire pages over real HTTP (api/surveys/pages.ts), signed in as the
 * dashboard is: define from the form (a row added by POST), a bad form or import saves nothing and
 * names the field, a version as a family sees it, an edit adds a version, a cycle's questionnaires.
 */
import { Surveys, roundIdFor } from '../../../db/services/surveys';
import { seedCycle } from '../../support/app-harness';
import { sampleDefinition } from '../../support/surveys';
import { type CookieJar, postForm, request, signIn, startDashboardHarness, type DashboardHarness } from '../dashboard/harness';

let h: DashboardHarness;
let co: CookieJar;
beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  co = await signIn(h, 'co');
});
afterAll(async () => {
  await h?.close();
});

const count = async (table: 'questionnaires' | 'questionnaire_versions') => Number((await h.db.selectFrom(table).select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** The define form's fields for a two-item questionnaire (a 1–5 scale, yes/no). */
function defineFields(csrf: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    csrf,
    rows: '3',
    name: '亲子活动后调查',
    titleZh: '亲子活动后调查',
    titleEn: 'After the activity',
    consentZh: '回答仅用于统计。',
    consentEn: 'Answers are only counted.',
    i1Kind: 'likert',
    i1Zh: '活动增进了相互理解',
    i1En: 'It increased mutual understanding',
    i1Required: 'on',
    i1ListZh: '非常不同意\n不同意\n一般\n同意\n非常同意',
    i1ListEn: 'Strongly disagree\nDisagree\nNeutral\nAgree\nStrongly agree',
    i2Kind: 'yesNo',
    i2Zh: '每周至少一次深度对话',
    i2En: 'A deep conversation every week',
    i2Required: 'on',
    i3Kind: '',
    ...overrides,
  };
}

test('a coordinator defines a questionnaire from the form, adds a row by POST, previews it, and an edit adds a version', async () => {
  const form = await request(`${h.baseUrl}/dashboard/surveys/new`, co);
  expect(form.status).toBe(200);
  expect(form.text.match(/<legend>第 \d 题<\/legend>/g)).toHaveLength(3);
  const more = await postForm(`${h.baseUrl}/dashboard/surveys/new`, co, { ...defineFields(form.csrf!), add: '1' });
  expect(more.status).toBe(200);
  expect(more.text.match(/<legend>第 \d 题<\/legend>/g)).toHaveLength(4);
  expect(more.text).toContain('活动增进了相互理解');

  const before = await count('questionnaires');
  const saved = await postForm(`${h.baseUrl}/dashboard/surveys/new`, co, defineFields(form.csrf!));
  expect(saved.status).toBe(303);
  expect(await count('questionnaires')).toBe(before + 1);
  const list = await request(`${h.baseUrl}${saved.location}`, co);
  expect(list.text).toContain('已保存“亲子活动后调查”第 1 版');
  const q = (await new Surveys(h.db).listQuestionnaires()).find((x) => x.name === '亲子活动后调查')!;
  const v1 = await new Surveys(h.db).version(q.versions[0]!.id);
  expect(v1?.definition.items.map((i) => i.kind)).toEqual(['likert', 'yesNo']);

  const preview = await request(`${h.baseUrl}/dashboard/surveys/versions/${q.versions[0]!.id}`, co);
  expect(preview.status).toBe(200);
  expect(preview.text).toContain('回答仅用于统计。');
  expect(preview.text).toContain('1 · 非常不同意');
  expect(preview.text).not.toContain('提交问卷');

  const edit = await request(`${h.baseUrl}/dashboard/surveys/${q.id}/edit`, co);
  expect(edit.text).toContain('value="活动增进了相互理解"');
  const v2 = await postForm(`${h.baseUrl}/dashboard/surveys/new`, co, { ...defineFields(edit.csrf!, { i2Zh: '每周至少两次深度对话' }), questionnaireId: q.id });
  expect(v2.status).toBe(303);
  const versions = (await new Surveys(h.db).listQuestionnaires()).find((x) => x.id === q.id)!.versions;
  expect(versions.map((v) => v.version)).toEqual([1, 2]);
  expect((await new Surveys(h.db).version(q.versions[0]!.id))?.definition).toEqual(v1?.definition);
});

test('a scale without five labels is refused beside its field, and nothing is saved', async () => {
  const form = await request(`${h.baseUrl}/dashboard/surveys/new`, co);
  const before = await count('questionnaire_versions');
  const bad = await postForm(`${h.baseUrl}/dashboard/surveys/new`, co, defineFields(form.csrf!, { i1ListZh: '不同意\n同意', i1ListEn: 'Disagree\nAgree' }));
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('id="i1ListZh-error"');
  expect(bad.text).toContain('请修改标出的内容');
  expect(await count('questionnaire_versions')).toBe(before);
});

test('a bad JSON import is refused naming the field, nothing saved; a good one is saved', async () => {
  const list = await request(`${h.baseUrl}/dashboard/surveys`, co);
  const before = await count('questionnaires');
  const bad = sampleDefinition();
  (bad.items[0] as { labels: unknown[] }).labels.pop();
  const refused = await postForm(`${h.baseUrl}/dashboard/surveys/import`, co, { csrf: list.csrf!, json: JSON.stringify(bad) });
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('<code>items.0.labels</code>');
  const notJson = await postForm(`${h.baseUrl}/dashboard/surveys/import`, co, { csrf: list.csrf!, json: '{"title":' });
  expect(notJson.status).toBe(400);
  expect(notJson.text).toContain('<code>json</code>');
  expect(await count('questionnaires')).toBe(before);
  const ok = await postForm(`${h.baseUrl}/dashboard/surveys/import`, co, { csrf: list.csrf!, json: JSON.stringify({ name: '家庭画像', definition: sampleDefinition() }) });
  expect(ok.status).toBe(303);
  expect(await count('questionnaires')).toBe(before + 1);
});

test('only the coordinator reaches the questionnaire pages', async () => {
  const pm = await signIn(h, 'pm');
  expect((await request(`${h.baseUrl}/dashboard/surveys`, pm)).status).toBe(403);
  expect((await request(`${h.baseUrl}/dashboard/surveys/new`, pm)).status).toBe(403);
});

test("the cycle's page sets its questionnaires: the baseline and end rounds appear; an unknown one is refused", async () => {
  const surveys = new Surveys(h.db);
  const survey = await surveys.createQuestionnaire({ name: '活动后调查', definition: sampleDefinition(), by: 'co-1' });
  const baseline = await surveys.createQuestionnaire({ name: '家庭画像前后测', definition: sampleDefinition(), by: 'co-1' });
  const cycleId = await seedCycle(h.db, `cy-page-${Date.now()}`);
  const shown = await request(`${h.baseUrl}/dashboard/cycles/${cycleId}`, co);
  expect(shown.status).toBe(200);
  expect(shown.text).toContain('前测/后测问卷');
  const csrf = shown.csrf!;
  const refused = await postForm(`${h.baseUrl}/dashboard/cycles/${cycleId}/surveys`, co, { csrf, surveyQuestionnaireId: 'q_nope', baselineQuestionnaireId: '' });
  expect(refused.status).toBe(400);
  expect(await surveys.cycleQuestionnaires(cycleId)).toEqual({ surveyQuestionnaireId: null, baselineQuestionnaireId: null });

  const set = await postForm(`${h.baseUrl}/dashboard/cycles/${cycleId}/surveys`, co, { csrf, surveyQuestionnaireId: survey.questionnaireId, baselineQuestionnaireId: baseline.questionnaireId });
  expect(set.status).toBe(303);
  expect(await surveys.cycleQuestionnaires(cycleId)).toEqual({ surveyQuestionnaireId: survey.questionnaireId, baselineQuestionnaireId: baseline.questionnaireId });
  expect((await surveys.round(roundIdFor('baseline', cycleId)))?.questionnaireVersionId).toBe(baseline.versionId);
  const after = await request(`${h.baseUrl}${set.location}`, co);
  expect(after.text).toContain('问卷设置已保存');
  expect(after.text).toMatch(/基线问卷（周期开始） · .* 至 .* · 邀请 0 户，已回答 0 户/);
  expect(after.text).toMatch(/期末问卷（周期结束） · /);
});
