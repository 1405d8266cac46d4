/**
 * The property manager's day with their activities, in a real browser against the real app and a
 * real worker: sign in from the emailed link, create a merchant-venue activity with the form (a
 * bad end time first, shown beside its field, then fixed), revise one field of the prefilled plan,
 * move it, and find it on "my activities" with what it waits on and from whom.
 */
import type { Page } from 'playwright-core';
import { seedCycle, seedMerchant } from '../api/harness';
import { STAFF, seenMail, signInLinkIn, signInMailTo, startDashboardHarness, unique, type DashboardHarness } from '../api/dashboard/harness';
import { beijingInputs } from '../../api/activities/pages';
import { insertPeople } from '../db/fixtures';
import { browserSession, checkAtBothWidths, heading, reloadUntil, signIn, type BrowserSession } from './browser';

jest.setTimeout(240_000);

const DAY = 86_400_000;
let h: DashboardHarness;
let browsers: BrowserSession;
let pm: Page;
const cycleId = unique('cycle-pm');
const title = unique('东苑读书会');

beforeAll(async () => {
  h = await startDashboardHarness({ worker: true });
  await seedCycle(h.db, cycleId);
  await seedMerchant(h.db, { id: unique('m-wanda'), email: 'wanda@example.test', name: '万达广场', venueName: '万达广场中庭' });
  await seedMerchant(h.db, { id: unique('m-books'), email: 'books@example.test', name: '新华书店', venueName: '新华书店二楼' });
  await insertPeople(h.db, { volunteers: [{ id: unique('vol-chen'), compound_id: 'c-east', name: '陈志愿', email: 'chen-vol@example.test' }] });
  browsers = await browserSession();
  pm = await browsers.newPage();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});

async function submit(page: Page): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), page.locator('form.plan button[type="submit"]').click()]);
}

async function setTime(page: Page, prefix: 'start' | 'end', iso: string): Promise<void> {
  const { date, time } = beijingInputs(iso);
  await page.fill(`#${prefix}Date`, date);
  await page.fill(`#${prefix}Time`, time);
}

describe('a property manager creates, revises and moves an activity in the browser', () => {
  const startsAt = new Date(Date.now() + 10 * DAY);
  startsAt.setUTCHours(2, 0, 0, 0); // 10:00 Beijing time
  let activityUrl: string;

  it('signs in from the emailed link and lands on "my activities"', async () => {
    await signIn(pm, h, STAFF.pm.email);
    // A property manager's start page is their activities.
    expect(pm.url()).toBe(`${h.baseUrl}/dashboard/my-activities`);
    expect(await heading(pm)).toBe('我的活动');
    expect(await pm.locator('header.top a', { hasText: '我的活动' }).count()).toBe(1);
  });

  it('creates a merchant-venue activity: an end before the start is shown beside the end, in Chinese; fixed, the activity starts', async () => {
    await Promise.all([pm.waitForLoadState('load'), pm.locator('header.top a', { hasText: '我的活动' }).click()]);
    expect(await heading(pm)).toBe('我的活动');
    await Promise.all([pm.waitForURL(`${h.baseUrl}/dashboard/activities/new`), pm.locator('a', { hasText: '创建活动' }).click()]);
    expect(await heading(pm)).toBe('创建活动');
    // The compound is the property manager's own, preset; the points rules have their defaults.
    expect(await pm.locator('[data-key="compound"]').textContent()).toContain('东苑');
    expect(await pm.inputValue('#attendancePoints')).toBe('10');
    expect(await pm.inputValue('#perHourPoints')).toBe('5');
    await checkAtBothWidths(pm, 'pm-new-activity-zh');

    await pm.selectOption('#cycleId', cycleId);
    await pm.fill('#theme', '全民阅读');
    await pm.fill('#title', title);
    await setTime(pm, 'start', startsAt.toISOString());
    await setTime(pm, 'end', new Date(startsAt.getTime() - 3_600_000).toISOString());
    await pm.fill('#capacity', '30');
    await pm.check('input[name="venueKind"][value="merchant"]');
    await pm.selectOption('#merchant1', { label: '新华书店 · 新华书店二楼' });
    await pm.selectOption('#merchant2', { label: '万达广场 · 万达广场中庭' });
    await pm.fill('#venueHours', '2');
    await pm.fill('#volunteersNeeded', '3');
    await pm.fill('#budget', '800');
    await pm.fill('#description', '亲子共读绘本。');
    const before = await h.db.selectFrom('activities').select('id').where('title', '=', title).execute();
    await submit(pm);

    expect(await heading(pm)).toBe('创建活动');
    const endError = pm.locator('[data-key="endsAt"] .field-error');
    expect(await endError.textContent()).toBe('结束时间必须晚于开始时间');
    expect(await endError.getAttribute('data-field')).toBe('plan.endsAt');
    // What was typed is kept; nothing started.
    expect(await pm.inputValue('#title')).toBe(title);
    expect(await pm.locator('#merchant2').inputValue()).toContain('m-wanda');
    expect(before).toEqual([]);
    await checkAtBothWidths(pm, 'pm-new-activity-error-zh');

    await setTime(pm, 'end', new Date(startsAt.getTime() + 2 * 3_600_000).toISOString());
    await submit(pm);
    expect(pm.url()).toMatch(/\/dashboard\/activities\/act-[0-9a-f]+\?done=started$/);
    activityUrl = pm.url().replace(/\?.*$/, '');
    expect(await heading(pm)).toBe(title);
    expect(await pm.locator('#actions .ok').textContent()).toBe('活动已创建，方案已送审。');
  });

  it('revises one field of the prefilled plan', async () => {
    await Promise.all([pm.waitForLoadState('load'), pm.locator('#actions a', { hasText: '修改方案' }).click()]);
    expect(await heading(pm)).toBe(`修改方案：${title}`);
    expect(await pm.inputValue('#title')).toBe(title);
    expect(await pm.inputValue('#theme')).toBe('全民阅读');
    expect(await pm.inputValue('#startDate')).toBe(beijingInputs(startsAt.toISOString()).date);
    expect(await pm.inputValue('#startTime')).toBe('10:00');
    expect(await pm.inputValue('#capacity')).toBe('30');
    expect(await pm.locator('input[name="venueKind"][value="merchant"]').isChecked()).toBe(true);
    expect(await pm.locator('#merchant1 option:checked').textContent()).toBe('新华书店 · 新华书店二楼');
    expect(await pm.locator('#merchant2 option:checked').textContent()).toBe('万达广场 · 万达广场中庭');
    expect(await pm.inputValue('#description')).toBe('亲子共读绘本。');
    await checkAtBothWidths(pm, 'pm-revise-zh');

    await pm.fill('#capacity', '45');
    await submit(pm);
    expect(pm.url()).toBe(`${activityUrl}?done=revised`);
    expect(await pm.locator('#actions .ok').textContent()).toBe('方案已修改，已重新送审。');
    // The plan on record now has the new capacity (the form is prefilled from the workflow's plan); the rest is as it was.
    await pm.goto(`${activityUrl}/revise`);
    expect(await pm.inputValue('#capacity')).toBe('45');
    expect(await pm.inputValue('#title')).toBe(title);
    expect(await pm.locator('#merchant1 option:checked').textContent()).toBe('新华书店 · 新华书店二楼');
  });

  it('moves it a day later, with a reason', async () => {
    await pm.goto(activityUrl);
    await Promise.all([pm.waitForLoadState('load'), pm.locator('#actions a', { hasText: '调整时间' }).click()]);
    expect(await pm.inputValue('#startTime')).toBe('10:00');
    const moved = new Date(startsAt.getTime() + DAY);
    await setTime(pm, 'start', moved.toISOString());
    await setTime(pm, 'end', new Date(moved.getTime() + 2 * 3_600_000).toISOString());
    await pm.fill('#reason', '书店周末装修，顺延一天。');
    await checkAtBothWidths(pm, 'pm-reschedule-zh');
    await submit(pm);
    expect(pm.url()).toBe(`${activityUrl}?done=rescheduled`);
    const id = activityUrl.split('/').pop()!;
    const row = await h.db.selectFrom('activities').select(['starts_at']).where('id', '=', id).executeTakeFirst();
    expect(Date.parse(row?.starts_at ?? '')).toBe(moved.getTime());
  });

  it('signs a volunteer up by name and issues check-in links; registration links wait for the approved plan', async () => {
    await pm.goto(activityUrl);
    await pm.selectOption('#volunteerId', { label: '陈志愿' });
    await Promise.all([pm.waitForLoadState('load'), pm.locator('#actions button', { hasText: '为其报名' }).click()]);
    expect(pm.url()).toBe(`${activityUrl}?done=volunteerSignedUp`);
    expect(await pm.locator('#actions').textContent()).toContain('已报名：陈志愿');
    await checkAtBothWidths(pm, 'pm-activity-actions-zh');

    await Promise.all([pm.waitForLoadState('load'), pm.locator('#actions button', { hasText: '生成签到链接' }).click()]);
    expect(await heading(pm)).toBe('链接已生成');
    const link = await pm.locator('td a').first().getAttribute('href');
    expect(await pm.locator('td').first().textContent()).toContain('陈志愿');
    expect(link).toMatch(/^http:\/\/.+\/s\//);

    // Before the plan is approved nobody may register: the page says so and no email is queued.
    await pm.goto(activityUrl);
    const id = activityUrl.split('/').pop()!;
    const outbox = async () => (await h.db.selectFrom('email_outbox').select('key').where('activity_id', '=', id).where('purpose', '=', 'registrationOpen').execute()).length;
    expect(await outbox()).toBe(0);
    await Promise.all([pm.waitForLoadState('load'), pm.locator('#actions button', { hasText: '发送报名链接' }).click()]);
    expect(await heading(pm)).toBe('操作未完成');
    expect(await pm.locator('p.error').textContent()).toContain('方案通过审批之后才能报名');
    expect(await outbox()).toBe(0);
  });

  it('finds it on "my activities" with what it waits on, from whom by name (zh-CN and en)', async () => {
    await pm.goto(`${h.baseUrl}/dashboard/my-activities`);
    const content = await reloadUntil(pm, (c) => c.includes(title) && c.includes('等待 商户 新华书店'), 20_000, 'the activity waiting on the first merchant');
    expect(content).toContain('答复场地申请');
    const item = pm.locator('[data-stage="venueRequest"] li', { hasText: title });
    expect(await item.locator('.waits').textContent()).toMatch(/^等待 商户 新华书店：/);
    await checkAtBothWidths(pm, 'pm-my-activities-zh');

    await pm.goto(`${h.baseUrl}/dashboard/my-activities?lang=en`);
    expect(await heading(pm)).toBe('My activities');
    expect(await pm.locator('[data-stage="venueRequest"] li', { hasText: title }).locator('.waits').textContent()).toMatch(/^Waiting on Merchant 新华书店: /);
    await checkAtBothWidths(pm, 'pm-my-activities-en');
  });

  it('cancels it: a missing reason is shown beside the reason; with one, the activity is cancelled', async () => {
    // The English page above is remembered: back to Chinese.
    await pm.goto(`${activityUrl}?lang=zh-CN`);
    await Promise.all([pm.waitForLoadState('load'), pm.locator('#actions a', { hasText: '取消活动' }).click()]);
    await submit(pm);
    expect(await pm.locator('[data-key="reason"] .field-error').textContent()).toBe('请填写原因');
    await pm.fill('#reason', '报名人数不足。');
    await submit(pm);
    expect(pm.url()).toBe(`${activityUrl}?done=cancelled`);
    expect(await pm.locator('#actions .ok').textContent()).toBe('活动已取消，已通知相关人员。');
    await reloadUntil(pm, (c) => c.includes('报名人数不足。'), 10_000, 'the cancellation on the activity page');
  });
});
