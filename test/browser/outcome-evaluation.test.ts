/**
 * The outcome evaluation's pages in a real Chromium, with scripts off (CSP allows none), at a
 * phone's width and a desktop's: a coordinator goes from the dashboard to the cycle report, reads
 * its 成效评估 section, follows a round's figure to the round's page (who was invited and who
 * answered) and an activity's row to the activity's page with its survey. Survey records come from
 * test/outcomes/survey-fixture.ts; the figures' arithmetic has its own tests.
 */
import type { Page } from 'playwright-core';
import { Cycles } from '../../db/services/cycles';
import { startAppHarness, type AppHarness } from '../support/app-harness';
import { LINK_SECRET, STAFF, TOKENS, communityPlan, eventually, startActivity } from '../api/dashboard/harness';
import { insertPeople } from '../db/fixtures';
import { BASELINE, SURVEY, answer, insertQuestionnaire, insertRound, invite } from '../outcomes/survey-fixture';
import { browserSession, checkAtBothWidths, heading, signIn, type BrowserSession } from './browser';

const FAMILIES = Array.from({ length: 6 }, (_, k) => ({ id: `be-f${k + 1}`, compound_id: 'c-east', name: `王家${k + 1}`, email: `be-f${k + 1}@eval.example.test`, members: 3 }));
const cycleId = `eval-browser-${Date.now().toString(36)}`;
const title = '亲子阅读会';

let h: AppHarness;
let browsers: BrowserSession;

beforeAll(async () => {
  h = await startAppHarness({
    tmpPrefix: 'cogov-eval-browser-',
    taskQueuePrefix: 'eval-browser-',
    linkSecret: LINK_SECRET,
    mailFrom: 'noreply@eval.example.test',
    messageIdDomain: 'eval.example.test',
    staff: STAFF,
    tokens: TOKENS,
    worker: true,
    seed: (db) => insertPeople(db, { families: FAMILIES }),
    deps: { signInRateLimit: { capacity: 100, perMinute: 100 }, signInPageRateLimit: { capacity: 100, perMinute: 100 }, signInAddressLimit: { capacity: 100, perMinute: 100 } },
  });
  const db = h.db;
  await new Cycles(db).ensure({
    cycleId,
    name: '锦华合鸣第二期',
    periodStart: new Date(Date.now() - 86_400_000).toISOString(),
    periodEnd: new Date(Date.now() + 60 * 86_400_000).toISOString(),
    compounds: ['c-east'],
    coordinator: { id: STAFF.co.id },
    supervisor: { id: STAFF.su.id },
    milestones: [],
  });
  const activityId = await startActivity(h, cycleId, communityPlan(title));
  await eventually(async () => ((await db.selectFrom('activities').select('id').where('id', '=', activityId).executeTakeFirst()) ? true : undefined), 30_000, 'the activity recorded');
  const baselineV = await insertQuestionnaire(db, 'qb-browser', BASELINE);
  const surveyV = await insertQuestionnaire(db, 'qs-browser', SURVEY);
  await insertRound(db, { id: 'rb-browser', kind: 'baseline', versionId: baselineV, cycleId });
  await insertRound(db, { id: 'ra-browser', kind: 'activity', versionId: surveyV, activityId, cycleId, opensAt: '2026-03-01T00:00:00.000Z' });
  await insertRound(db, { id: 're-browser', kind: 'end', versionId: baselineV, cycleId, opensAt: '2026-06-01T00:00:00.000Z' });
  const ids = FAMILIES.map((f) => f.id);
  for (const round of ['rb-browser', 're-browser', 'ra-browser']) await invite(db, round, ids);
  // Talk: families 1–4 no → yes, 5–6 yes → yes: 2/6 = 33% → 6/6 = 100%. Emotion 3 → 4 for all.
  for (const [k, id] of ids.entries()) {
    await answer(db, 'rb-browser', id, { talk: k >= 4, emotion: 3, stage: 'primary' });
    await answer(db, 're-browser', id, { talk: true, emotion: 4, stage: 'primary', words: `答卷秘文-${k}` });
    if (k < 3) await answer(db, 'ra-browser', id, { understanding: 5, helping: true });
  }
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});

test('from the dashboard to the report’s 成效评估, a round’s page and the activity’s survey, without scripts, on a phone and a desktop', async () => {
  const page: Page = await browsers.newPage({ javaScriptEnabled: false });
  await signIn(page, h, STAFF.co.email);
  await page.goto(`${h.baseUrl}/dashboard`);
  await Promise.all([page.waitForURL(`**/dashboard/cycles/${cycleId}/report`), page.getByRole('link', { name: '周期报告' }).first().click()]);
  expect(await heading(page)).toBe('孵化周期报告：锦华合鸣第二期');
  const section = page.locator('#evaluation');
  await section.getByRole('heading', { name: /成效评估/ }).waitFor();
  const talk = (await section.locator('tr[data-item="talk"]').innerText()).replace(/\s+/g, ' ');
  expect(talk).toContain('每周至少一次深度对话：33% → 100%');
  expect(talk).toContain('+67 个百分点');
  expect(await section.locator('tr[data-round="ra-browser"]').innerText()).toMatch(/活动问卷：亲子阅读会\s+活动满意度\s+6\s+3\s+50%/);
  expect(await page.content()).not.toContain('答卷秘文');
  await checkAtBothWidths(page, 'evaluation-report');

  // A round's figure leads to its records: who was invited, who answered.
  await Promise.all([page.waitForURL('**/dashboard/surveys/rounds/ra-browser**'), section.locator('tr[data-round="ra-browser"] a').click()]);
  expect(await heading(page)).toBe('问卷回复情况：活动问卷：亲子阅读会');
  expect(await page.locator('table.roster tbody tr').count()).toBe(6);
  expect(await page.locator('table.roster .badge.green').count()).toBe(3);
  await checkAtBothWidths(page, 'evaluation-round');

  // The activity's page carries its survey.
  await page.goBack();
  await Promise.all([page.waitForURL('**/dashboard/activities/**'), page.getByRole('link', { name: title, exact: true }).first().click()]);
  const survey = page.locator('#survey');
  await survey.getByRole('heading', { name: '参与者问卷' }).waitFor();
  expect(await survey.innerText()).toContain('回复 3/6（50%）');
  await checkAtBothWidths(page, 'evaluation-activity');
});
