/**
 * Awarding points outside an activity in a real browser (Chromium, 390 px and desktop) against the
 * real app: a grid worker finds a family of their own compound by name (another compound's family
 * is not found), is refused an award past the monthly cap with the cap named (nothing written),
 * awards what is left for family learning with a reason, and sees it in the family's history; the
 * ledger holds it with its rule and reason; the coordinator's cycle report counts it.
 */
import type { Page } from 'playwright-core';
import { Cycles } from '../../db/services/cycles';
import { Ledger } from '../../db/services/ledger';
import { STAFF, startDashboardHarness, type DashboardHarness } from '../api/dashboard/harness';
import { browserSession, checkAtBothWidths, heading, signIn, type BrowserSession } from './browser';

jest.setTimeout(180_000);

const DAY = 86_400_000;
let h: DashboardHarness;
let browsers: BrowserSession;
const cycleId = 'cy-award';

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false, env: { POINTS_EARNING_CAP: '100', POINTS_EARNING_CAP_PERIOD: 'month' } });
  browsers = await browserSession();
  // 刘家 (c-east) earned 90 at an activity this month; the cap leaves 10.
  await new Ledger(h.db).award({ holder: { kind: 'family', id: 'fam-east-1' }, amount: 90, idempotencyKey: 'seed-activity-award', activityId: 'act-seed', rule: 'attendance' });
  const now = Date.now();
  await new Cycles(h.db).ensure({
    cycleId,
    name: '第二期孵化周期',
    periodStart: new Date(now - 10 * DAY).toISOString(),
    periodEnd: new Date(now + 30 * DAY).toISOString(),
    compounds: ['c-east'],
    coordinator: { id: STAFF.co.id },
    supervisor: { id: STAFF.su.id },
    milestones: [],
  });
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});

async function submit(page: Page, button = 'main button[type="submit"]'): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), page.locator(button).first().click()]);
}

const staffAwards = () => h.db.selectFrom('points_entries').selectAll().where('holder_id', '=', 'fam-east-1').where('activity_id', 'is', null).execute();

describe('a grid worker awards family-learning points from a phone', () => {
  let page: Page;

  it('finds a family of their compound by name; another compound’s family is not found', async () => {
    page = await browsers.newPage();
    await signIn(page, h, STAFF.gw.email);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${h.baseUrl}/dashboard/points/award`);
    expect(await heading(page)).toBe('发放成长积分');
    await page.fill('#q', '吴家');
    await submit(page, 'form.search button');
    expect(await page.locator('main').textContent()).toContain('没有找到这个名称的家庭。');
    await page.fill('#q', '刘');
    await submit(page, 'form.search button');
    expect(await page.locator('main').textContent()).toContain('找到 1 个家庭');
    await checkAtBothWidths(page, 'points-award-search-zh', 5_000);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: '选择' }).click()]);
    expect(await heading(page)).toBe('为刘家发放积分');
    expect(await page.locator('main').textContent()).toContain('当前积分：90');
  });

  it('an award past the monthly cap is refused with the cap named, and nothing is written', async () => {
    await page.getByLabel('家庭学习').check();
    await page.fill('#points', '20');
    await page.fill('#reason', '亲子共读打卡满 4 周');
    await submit(page);
    const refusal = '超过积分上限：每个家庭每月最多 100 积分，本月已获得 90，还可发放 10。本次没有发放。';
    expect(await page.locator('p.error').textContent()).toBe(refusal);
    // What was typed is kept.
    expect(await page.inputValue('#reason')).toBe('亲子共读打卡满 4 周');
    expect(await staffAwards()).toEqual([]);
    await checkAtBothWidths(page, 'points-award-cap-zh', 5_000);
  });

  it('awards what is left, sees it in the family’s history, and the ledger holds it with its rule and reason', async () => {
    await page.fill('#points', '10');
    await submit(page);
    expect(await heading(page)).toBe('为刘家发放积分');
    expect(await page.locator('p.ok').textContent()).toBe('已为刘家发放 10 积分：家庭学习。当前积分 100。');
    const history = (await page.locator('table.cards').textContent()) ?? '';
    expect(history).toContain('获得 · 家庭学习');
    expect(history).toContain('亲子共读打卡满 4 周');
    expect(history).toContain('+10');
    await checkAtBothWidths(page, 'points-award-done-zh', 5_000);
    const rows = await staffAwards();
    expect(rows).toEqual([expect.objectContaining({ kind: 'award', amount: 10, rule: 'familyLearning', note: '亲子共读打卡满 4 周', activity_id: null })]);
    // Opening the page again (a reload of the answer) awards nothing more.
    await page.reload();
    expect(await staffAwards()).toHaveLength(1);
  });

  it('the coordinator’s cycle report counts it', async () => {
    const coordinator = await browsers.newPage();
    await signIn(coordinator, h, STAFF.co.email);
    await coordinator.goto(`${h.baseUrl}/dashboard/cycles/${cycleId}/report`);
    const figure = coordinator.locator('.fig', { hasText: '活动外发放积分' });
    expect(await figure.locator('.v').textContent()).toBe('10');
    const summary = (await coordinator.locator('main').textContent()) ?? '';
    expect(summary).toContain('活动外发放积分：家庭学习');
    // A coordinator finds any compound's family, with its compound named; the page reads in English too.
    await coordinator.goto(`${h.baseUrl}/dashboard/points/award?lang=en`);
    expect(await heading(coordinator)).toBe('Award growth points');
    await coordinator.fill('#q', '吴家');
    await submit(coordinator, 'form.search button');
    const found = (await coordinator.locator('table.cards').textContent()) ?? '';
    expect(found).toContain('吴家');
    expect(found).toContain('西苑');
    await checkAtBothWidths(coordinator, 'points-award-search-en', 5_000);
  });
});
