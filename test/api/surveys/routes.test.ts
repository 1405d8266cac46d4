/**
 * Questionnaires over the JSON API (api/surveys/routes.ts): an import is saved as version 1; a
 * bad one is a 400 naming each field and saves nothing; only the coordinator may.
 */
import { api, startApiHarness, type ApiHarness } from '../harness';
import { sampleDefinition } from '../../support/surveys';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness({ worker: false });
});
afterAll(async () => {
  await h?.close();
});

const count = async () => Number((await h.db.selectFrom('questionnaires').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

test('an imported questionnaire is version 1 and is listed with its versions', async () => {
  const created = await api(h.baseUrl, 'POST', '/api/questionnaires', { who: 'co', body: { name: '家庭画像', definition: sampleDefinition() } });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ questionnaireId: expect.stringMatching(/^q_/), versionId: expect.stringMatching(/^qv_/), version: 1 });
  const listed = await api(h.baseUrl, 'GET', '/api/questionnaires', { who: 'co' });
  expect(listed.status).toBe(200);
  const q = listed.body.questionnaires.find((x: { id: string }) => x.id === created.body.questionnaireId);
  expect(q).toMatchObject({ name: '家庭画像', versions: [{ version: 1, items: 4, rounds: 0, title: { 'zh-CN': '活动满意度调查' } }] });
});

test('a bad definition is a 400 naming each field, and nothing is saved', async () => {
  const before = await count();
  const bad = sampleDefinition();
  (bad.items[0] as { labels: unknown[] }).labels.pop();
  const refused = await api(h.baseUrl, 'POST', '/api/questionnaires', { who: 'co', body: { definition: { ...bad, consent: { 'zh-CN': '', en: 'x' } } } });
  expect(refused.status).toBe(400);
  const fields = JSON.stringify(refused.body);
  expect(fields).toContain('definition.items.0.labels');
  expect(fields).toContain('definition.consent.zh-CN');
  expect(await count()).toBe(before);
});

test('only the coordinator may import', async () => {
  const before = await count();
  const refused = await api(h.baseUrl, 'POST', '/api/questionnaires', { who: 'pm', body: { definition: sampleDefinition() } });
  expect(refused.status).toBe(403);
  expect(await count()).toBe(before);
});
