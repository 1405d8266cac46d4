/**
 * Outcome evaluation in a real browser (Chromium, 390 px, zh-CN, no script by CSP) against the
 * real app: the coordinator defines a questionnaire on its page and makes it the cycle's
 * participant survey; after an activity the worker's survey sweeper emails each family that
 * checked in its own link; a family opens it from the dev mailbox, is refused without consent,
 * answers, sees "已提交于", and withdraws its answers.
 */
import type { Page } from 'playwright-core';
import { Cycles } from '../../db/services/cycles';
import { Surveys } from '../../db/services/surveys';
import { STAFF, startDashboardHarness, type DashboardHarness } from '../api/dashboard/harness';
import { seedActivityWithCheckIns } from '../support/surveys';
import { browserSession, checkAtBothWidths, expectNoHorizontalScroll, heading, signIn, type BrowserSession } from './browser';

jest.setTimeout(180_000);

const DAY = 86_400_000;
const cycleId = 'cy-survey-browser';
const activityId = 'act-survey-browser';
let h: DashboardHarness;
let browsers: BrowserSession;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: true });
  browsers = await browserSession();
  const now = Date.now();
  await new Cycles(h.db).ensure({
    cycleId,
    name: '第三期孵化周期',
    periodStart: new Date(now - 10 * DAY).toISOString(),
    periodEnd: new Date(now + 60 * DAY).toISOString(),
    compounds: ['c-east'],
    coordinator: { id: STAFF.co.id },
    supervisor: { id: STAFF.su.id },
    milestones: [],
  });
  // 刘家 checked in at the activity; 孙家 (same compound) did not.
  await seedActivityWithCheckIns(h.db, { activityId, cycleId, compound: 'c-east', title: '亲子运动会', checkedIn: ['fam-east-1'] });
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});

async function submit(page: Page, button = 'main button[type="submit"]'): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), page.locator(button).first().click()]);
}

const mainText = async (page: Page) => (await page.locator('main').textContent()) ?? '';

describe('a participant survey from definition to withdrawal', () => {
  let surveyUrl = '';

  it('the coordinator defines a questionnaire on its page and sets it as the cycle’s participant survey', async () => {
    const page = await browsers.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(page, h, STAFF.co.email);
    await page.goto(`${h.baseUrl}/dashboard/surveys/new`);
    expect(await heading(page)).toBe('新建问卷');
    await page.fill('#name', '活动后家庭调查');
    await page.fill('#titleZh', '活动后家庭调查');
    await page.fill('#titleEn', 'After the activity');
    await page.fill('#consentZh', '回答只用于统计，您可以随时撤回。');
    await page.fill('#consentEn', 'Answers are only counted; you may withdraw them at any time.');
    await page.selectOption('#i1Kind', 'likert');
    await page.fill('#i1Zh', '这次活动增进了家人之间的相互理解');
    await page.fill('#i1En', 'The activity increased mutual understanding');
    await page.fill('#i1ListZh', '非常不同意\n不同意\n一般\n同意\n非常同意');
    await page.fill('#i1ListEn', 'Strongly disagree\nDisagree\nNeutral\nAgree\nStrongly agree');
    await page.selectOption('#i2Kind', 'yesNo');
    await page.fill('#i2Zh', '每周至少有一次深度对话');
    await page.fill('#i2En', 'At least one deep conversation a week');
    await expectNoHorizontalScroll(page, 'the define form at 390 px');
    await submit(page, 'main button[type="submit"]:not([name="add"])');
    expect(await mainText(page)).toContain('已保存“活动后家庭调查”第 1 版');
    expect(await mainText(page)).toContain('第 1 版 · 活动后家庭调查');
    await checkAtBothWidths(page, 'surveys-list-zh', 5_000);

    await page.goto(`${h.baseUrl}/dashboard/cycles/${cycleId}`);
    await page.selectOption('#surveyQuestionnaireId', { label: '活动后家庭调查' });
    await submit(page, '#surveys button[type="submit"]');
    expect(await mainText(page)).toContain('问卷设置已保存');
    const chosen = await new Surveys(h.db).cycleQuestionnaires(cycleId);
    expect(chosen?.surveyQuestionnaireId).toMatch(/^q_/);
  });

  it('after the activity each family that checked in gets its own link by email', async () => {
    // The workflow's feedback stage does this (test/workflows/themed-activity.test.ts); here, the same step.
    const round = await new Surveys(h.db).ensureActivityRound({ activityId, remindAt: new Date(Date.now() + 3 * DAY).toISOString(), closesAt: new Date(Date.now() + 7 * DAY).toISOString() });
    expect(round).toBeDefined();
    const swept = await h.surveySweeper!.runNow();
    expect(swept.opened).toContain(round!.roundId);
    const mail = await h.mailbox.waitFor((m) => m.to.includes('liu@example.test') && m.subject.includes('问卷邀请'), 15_000);
    expect(mail.subject).toBe('【问卷邀请】活动后家庭调查');
    surveyUrl = /(https?:\/\/[^\s"<>]+\/survey\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(mail.text)?.[1] ?? '';
    expect(surveyUrl).not.toBe('');
    expect(h.mailbox.messages().filter((m) => m.to.includes('sun@example.test') && m.subject.includes('问卷'))).toEqual([]);
  });

  it('the family must consent, answers once, sees when it submitted, and withdraws', async () => {
    const page = await browsers.newPage({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    await page.goto(surveyUrl);
    expect(await heading(page)).toBe('活动后家庭调查');
    expect(await mainText(page)).toContain('回答只用于统计，您可以随时撤回。');
    await checkAtBothWidths(page, 'survey-family-form-zh', 5_000);

    // Answers without consent: refused, nothing saved, the choices kept.
    await page.getByLabel('4 · 同意').check();
    await page.getByLabel('是', { exact: true }).check();
    await submit(page);
    expect(await page.locator('main .error').textContent()).toContain('请先阅读知情同意');
    expect(await page.getByLabel('4 · 同意').isChecked()).toBe(true);
    expect(await h.db.selectFrom('survey_responses').selectAll().execute()).toEqual([]);

    await page.getByLabel('我已阅读并同意').check();
    await submit(page);
    expect(await mainText(page)).toContain('已提交于');
    const [stored] = await h.db.selectFrom('survey_responses').selectAll().execute();
    expect(JSON.parse(stored!.answers_json!)).toEqual({ q1: 4, q2: true });
    await expectNoHorizontalScroll(page, 'the submitted page at 390 px');

    await submit(page, 'main button[value="withdraw"]');
    expect(await mainText(page)).toMatch(/您的回答已于 .* 撤回并删除。/);
    const [erased] = await h.db.selectFrom('survey_responses').selectAll().execute();
    expect(erased?.answers_json).toBeNull();
    expect(erased?.withdrawn_at).not.toBeNull();
    await checkAtBothWidths(page, 'survey-family-withdrawn-zh', 5_000);
  });
});
