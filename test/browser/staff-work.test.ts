/**
 * Staff do their work in the browser (issue 10): the grid worker decides from their approvals page,
 * and the coordinator decides an escalated approval and assigns a venue from the dashboard's
 * waiting list. Real app, real worker on the shared Temporal dev server, real dev mailbox, Debian's
 * Chromium. The waits are shortened (config env) so an approval escalates and a merchant's silence
 * ends within the test.
 */
import { startPageFor } from '../../api/http/start-page';
import type { Page } from 'playwright-core';
import { createCycleActivities, visibilityCycleActivityLister } from '../../activities/cycle';
import { seedCycle, seedMerchant, merchantPlan } from '../api/harness';
import {
  STAFF,
  TOKENS,
  communityPlan,
  eventually,
  seenMail,
  signInLinkIn,
  signInMailTo,
  startActivity,
  startDashboardHarness,
  unique,
  type DashboardHarness,
} from '../api/dashboard/harness';
import { browserSession, checkAtBothWidths, heading, reloadUntil, signIn, type BrowserSession } from './browser';

jest.setTimeout(240_000);

let h: DashboardHarness;
let browsers: BrowserSession;
const cycleId = unique('cycle-work');
let escalatedId: string;
let escalatedTitle: string;
let venueId: string;
let venueTitle: string;

beforeAll(async () => {
  h = await startDashboardHarness({
    worker: true,
    env: {
      // The grid worker has 40 s before the coordinator is asked; a merchant 2 s to answer.
      APPROVAL_REMINDER_AFTER: '30s',
      APPROVAL_ESCALATE_AFTER: '40s',
      VENUE_ANSWER_TIMEOUT: '2s',
    },
    // The cycle the coordinator starts from the dashboard runs on this worker too.
    extraActivities: ({ db, store, mailer, client, baseUrl, config }) =>
      createCycleActivities({
        db,
        store,
        mailer,
        listCycleActivities: visibilityCycleActivityLister(client),
        publicBaseUrl: baseUrl,
        messageIdDomain: config.mail.from.email.split('@')[1] ?? 'localhost',
      }),
  });
  await seedCycle(h.db, cycleId);
  // Started first: it escalates to the coordinator while the grid worker works on another.
  escalatedTitle = unique('东苑读书会');
  escalatedId = await startActivity(h, cycleId, communityPlan(escalatedTitle));
  const merchant = await seedMerchant(h.db, { id: unique('m'), email: `${unique('merchant')}@example.test`, name: '万达广场', venueName: '万达广场中庭' });
  venueTitle = unique('东苑市集');
  venueId = await startActivity(h, cycleId, merchantPlan(venueTitle, merchant));
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});


async function signInAs(who: 'gw' | 'co'): Promise<Page> {
  const page = await browsers.newPage();
  await signIn(page, h, STAFF[who].email);
  // Each role lands on its own start page (the grid worker on their approvals).
  expect(page.url()).toBe(`${h.baseUrl}${startPageFor(STAFF[who].role)}`);
  return page;
}

async function statusOf(activityId: string): Promise<{ stage: string; decisions: { kind: string; outcome: string; by?: { id: string } }[]; venue?: { venueName: string; hours: number; merchantId?: string } }> {
  const res = await fetch(`${h.baseUrl}/api/activities/${activityId}`, { headers: { authorization: `Bearer ${TOKENS.co}` } });
  return (await res.json()) as never;
}

/** On the action-link page: choose an answer, write a comment, send. */
async function decide(page: Page, choice: string, comment = ''): Promise<void> {
  await page.locator(`input[name="choice"][value="${choice}"]`).check();
  if (comment) await page.fill('#comment', comment);
  await Promise.all([page.waitForLoadState('load'), page.locator('form button[type="submit"]').click()]);
  await page.getByRole('heading', { name: '提交成功' }).waitFor({ timeout: 15_000 });
}

test('the grid worker approves from their approvals page, and then finds it under their past decisions', async () => {
  const title = unique('东苑亲子运动会');
  const activityId = await startActivity(h, cycleId, communityPlan(title));
  const gw = await signInAs('gw');
  // The nav leads to the page; it lists what waits on them with the round and the due time.
  await Promise.all([gw.waitForLoadState('load'), gw.getByRole('link', { name: '待我审批' }).click()]);
  expect(new URL(gw.url()).pathname).toBe('/dashboard/approvals');
  const listed = await reloadUntil(gw, (c) => c.includes(title), 15_000, 'the approval on the grid worker’s page');
  expect(listed).toContain('第 1 轮');
  expect(listed).toContain('截止');
  expect(listed).toContain('还没有审批记录');
  await checkAtBothWidths(gw, 'approvals-zh');

  // "Open" leads to the emailed link's page: the same plan, the same required choice.
  const card = gw.locator('.card', { has: gw.getByRole('heading', { name: title }) });
  await Promise.all([gw.waitForLoadState('load'), card.getByRole('link', { name: '打开审批页' }).click()]);
  expect(new URL(gw.url()).pathname).toMatch(/^\/a\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  expect(await heading(gw)).toBe('活动方案审批');
  expect(await gw.content()).toContain(title);
  await decide(gw, 'approve');
  const after = await eventually(async () => {
    const st = await statusOf(activityId);
    return st.decisions.some((d) => d.kind === 'approval') ? st : undefined;
  });
  expect(after.decisions.filter((d) => d.kind === 'approval')).toEqual([expect.objectContaining({ outcome: 'approve', by: expect.objectContaining({ id: STAFF.gw.id }) })]);

  await gw.goto(`${h.baseUrl}/dashboard/approvals`);
  const past = gw.locator('ul.records li', { hasText: title });
  expect(await past.textContent()).toContain('通过');
  expect(await past.textContent()).toContain('第 1 轮');
  // It no longer waits: no card to open it from.
  expect(await gw.locator('.card', { has: gw.getByRole('heading', { name: title }) }).count()).toBe(0);
  // Opening it again (an old bookmark) says it is not waiting; nothing is signed.
  await gw.goto(`${h.baseUrl}/dashboard/approvals/${activityId}/open`);
  expect(await heading(gw)).toBe('这项审批不在等您');

  await gw.goto(`${h.baseUrl}/dashboard/approvals?lang=en`);
  expect(await heading(gw)).toBe('Approvals waiting for me');
  expect(await gw.locator('ul.records li', { hasText: title }).textContent()).toContain('Approved');
  await checkAtBothWidths(gw, 'approvals-en');
});

test('the coordinator decides an escalated approval and assigns a venue from the dashboard’s waiting list', async () => {
  const co = await signInAs('co');
  // The merchant did not answer: the venue waits on the coordinator, with a button.
  await reloadUntil(co, (c) => c.includes(venueTitle) && c.includes('安排场地'), 30_000, 'the venue on the waiting list');
  const venueRow = co.locator('tr', { hasText: venueTitle });
  await Promise.all([co.waitForLoadState('load'), venueRow.getByRole('link', { name: '安排场地' }).click()]);
  expect(await heading(co)).toBe(`安排场地：${venueTitle}`);
  await checkAtBothWidths(co, 'venue-form-zh');

  // Bad input: each error beside its field, nothing assigned.
  await co.fill('#venueName', '');
  await co.fill('#hours', '0');
  await Promise.all([co.waitForLoadState('load'), co.getByRole('button', { name: '确定场地' }).click()]);
  expect(await co.locator('#venueName-error').textContent()).toBe('请填写此项');
  expect(await co.locator('#hours-error').textContent()).toBe('超出允许范围');
  expect((await statusOf(venueId)).venue).toBeUndefined();

  // The API refuses the same input naming the same fields.
  const json = await fetch(`${h.baseUrl}/api/activities/${venueId}/venue`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.co}`, 'content-type': 'application/json' },
    body: JSON.stringify({ venueName: '', hours: 0 }),
  });
  expect(json.status).toBe(400);
  const refused = (await json.json()) as { error: { details?: { field: string }[] } };
  expect((refused.error.details ?? []).map((d) => d.field).sort()).toEqual(['hours', 'venueName']);

  await co.selectOption('#merchantId', { label: '万达广场（万达广场中庭）' });
  await co.fill('#hours', '1.5');
  await Promise.all([co.waitForURL((u) => u.pathname === `/dashboard/activities/${venueId}`), co.getByRole('button', { name: '确定场地' }).click()]);
  const assigned = await statusOf(venueId);
  expect(assigned.venue).toMatchObject({ venueName: '万达广场中庭', hours: 1.5 });
  expect(assigned.decisions.filter((d) => d.kind === 'venueAssigned')).toEqual([expect.objectContaining({ outcome: '万达广场中庭', by: expect.objectContaining({ id: STAFF.co.id }) })]);

  // The grid worker did not decide in time: the approval waits on the coordinator, with a button.
  await co.goto(`${h.baseUrl}/dashboard`);
  await reloadUntil(co, (c) => c.includes(escalatedTitle) && c.includes('协调人 张协调'), 60_000, 'the escalated approval on the waiting list');
  await checkAtBothWidths(co, 'dashboard-actions-zh');
  const row = co.locator('tr', { hasText: escalatedTitle });
  await Promise.all([co.waitForLoadState('load'), row.getByRole('link', { name: '去审批' }).click()]);
  expect(await heading(co)).toBe('活动方案审批');
  await decide(co, 'reject', '预算超出本期安排。');
  const decided = await eventually(async () => {
    const st = await statusOf(escalatedId);
    return st.decisions.some((d) => d.kind === 'approval') ? st : undefined;
  });
  expect(decided.decisions.filter((d) => d.kind === 'approval')).toEqual([expect.objectContaining({ outcome: 'reject', by: expect.objectContaining({ id: STAFF.co.id }) })]);
  await co.goto(`${h.baseUrl}/dashboard/approvals`);
  expect(await co.locator('ul.records li', { hasText: escalatedTitle }).textContent()).toContain('不通过');
});

test('the coordinator starts a cycle with its milestones, marks one done and records a sponsorship, all from the dashboard', async () => {
  const sponsor = await seedMerchant(h.db, { id: unique('m-sponsor'), email: `${unique('sponsor')}@example.test`, name: '东苑超市', venueName: '东苑超市门前广场' });
  const newCycleId = unique('c-new').replace(/[^A-Za-z0-9_.:-]/g, '');
  const name = unique('2026 邻里互助周期');
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
  const co = await signInAs('co');
  await Promise.all([co.waitForLoadState('load'), co.getByRole('link', { name: '新建孵化周期' }).click()]);
  expect(await heading(co)).toBe('新建孵化周期');
  await checkAtBothWidths(co, 'cycle-new-zh');

  // Bad input: each error beside its field; no cycle is started.
  await co.fill('#id', newCycleId);
  await co.fill('#periodStart', day(0));
  await co.fill('#periodEnd', day(-1));
  await co.fill('#m1Name', '启动培训');
  await Promise.all([co.waitForLoadState('load'), co.getByRole('button', { name: '开始周期' }).click()]);
  expect(await co.locator('#name-error').textContent()).toBe('请填写此项');
  expect(await co.locator('#periodEnd-error').textContent()).toBe('结束日期须晚于开始日期');
  expect(await co.locator('#m1Due-error').textContent()).toBe('请选择日期');
  expect(await co.locator('#compounds-error').textContent()).toBe('请填写此项');
  expect(await h.db.selectFrom('cycles').select('id').where('id', '=', newCycleId).executeTakeFirst()).toBeUndefined();

  await co.fill('#name', name);
  await co.fill('#periodEnd', day(90));
  await co.getByLabel('东苑').check();
  await co.fill('#m1Due', day(7));
  await co.fill('#m2Name', '活动复盘');
  await co.fill('#m2Due', day(60));
  await Promise.all([co.waitForURL((u) => u.pathname === `/dashboard/cycles/${newCycleId}`), co.getByRole('button', { name: '开始周期' }).click()]);
  expect(await heading(co)).toBe(`孵化周期：${name}`);
  const kickoff = co.locator('ul.records li', { hasText: '启动培训' });
  await kickoff.waitFor();
  expect(await co.locator('ul.records li').count()).toBe(2);
  await checkAtBothWidths(co, 'cycle-page-zh');

  // A milestone marked done, with a note.
  await kickoff.locator('input[name="notes"]').fill('培训已完成，20 人参加。');
  await Promise.all([co.waitForURL((u) => u.searchParams.get('milestone') === 'm1'), kickoff.getByRole('button', { name: '记为完成' }).click()]);
  expect(await co.locator('.ok').textContent()).toBe('已记为完成：启动培训');
  const doneRow = co.locator('ul.records li', { hasText: '启动培训' });
  expect(await doneRow.textContent()).toContain('张协调');
  expect(await doneRow.getByRole('button', { name: '记为完成' }).count()).toBe(0);
  const progress = (await (await fetch(`${h.baseUrl}/api/cycles/${newCycleId}`, { headers: { authorization: `Bearer ${TOKENS.co}` } })).json()) as { milestones: unknown[] };
  expect(progress.milestones).toEqual([
    expect.objectContaining({ id: 'm1', state: 'done', notes: '培训已完成，20 人参加。', by: expect.objectContaining({ id: STAFF.co.id }) }),
    expect.objectContaining({ id: 'm2', state: 'pending' }),
  ]);

  // A sponsorship: bad input first (the API names the same fields), then recorded once.
  await co.fill('#amountCny', '0');
  await Promise.all([co.waitForLoadState('load'), co.getByRole('button', { name: '记录赞助' }).click()]);
  expect(await co.locator('#merchantId-error').textContent()).toBe('请填写此项');
  expect(await co.locator('#amountCny-error').textContent()).toBe('请填写大于 0 的金额，最多两位小数');
  const json = await fetch(`${h.baseUrl}/api/cycles/${newCycleId}/sponsorships`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.co}`, 'content-type': 'application/json' },
    body: JSON.stringify({ merchantId: '', amountCny: 0 }),
  });
  expect(json.status).toBe(400);
  const refused = (await json.json()) as { error: { details?: { field: string }[] } };
  expect([...new Set((refused.error.details ?? []).map((d) => d.field))].sort()).toEqual(['amountCny', 'merchantId']);
  expect(await h.db.selectFrom('sponsorships').select('id').where('cycle_id', '=', newCycleId).execute()).toEqual([]);

  await co.selectOption('#merchantId', { label: '东苑超市' });
  await co.fill('#amountCny', '1500.5');
  await co.fill('#note', '活动物资赞助');
  await Promise.all([co.waitForURL((u) => u.searchParams.get('done') === 'sponsorship'), co.getByRole('button', { name: '记录赞助' }).click()]);
  expect(await co.locator('.ok').textContent()).toBe('赞助已记录。');
  const rows = await h.db.selectFrom('sponsorships').selectAll().where('cycle_id', '=', newCycleId).execute();
  expect(rows).toEqual([expect.objectContaining({ merchant_id: sponsor.id, recorded_by: STAFF.co.id })]);
  expect(Number(rows[0]!.amount_cny)).toBe(1500.5);

  await co.goto(`${h.baseUrl}/dashboard/cycles/${newCycleId}?lang=en`);
  expect(await heading(co)).toBe(`Incubation cycle: ${name}`);
  await checkAtBothWidths(co, 'cycle-page-en');
  // The home page links to the cycle's page.
  await co.goto(`${h.baseUrl}/dashboard`);
  expect(await co.locator(`a[href="/dashboard/cycles/${newCycleId}"]`).count()).toBe(1);
});
