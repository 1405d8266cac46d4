/**
 * One family, the whole way (issue 11's journey), against the real product: the workflow on the
 * shared Temporal dev server, real SMTP into the dev mailbox, SQLite, and Chromium at 390 px for
 * every page a person uses.
 *
 *   registration-open email → registers in one tap → confirmation with the card as an inline QR
 *   (it decodes to the family's card) → checks in by its own link → sees its points on its own
 *   page → redeems a reward at the counter (desk staff type the card's code) → the coupon email →
 *   the merchant, from its emailed link, marks the coupon used → a second use is refused → the
 *   cycle report counts it.
 *
 * Two steps happen days later in real life and are run now, each by the very calls the workflow
 * makes (named where they happen): opening check-in 30 minutes before the start, and closing it
 * and awarding the points after the activity.
 */
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { cardCodeOf, qrCardUrl } from '../../domain/card';
import type { ActivityStatus } from '../../domain/activity';
import { Ledger } from '../../db/services/ledger';
import { SqlActivityStore } from '../../db/store';
import { formatDateTime } from '../../i18n/format';
import { LINK_SECRET, STAFF, api, communityPlan, eventually, seedCycle, seedMerchant, startApiHarness, unique, type ApiHarness } from '../api/harness';
import { seenMail } from '../api/dashboard/harness';
import { seedFamily } from '../api/people-fixtures';
import { browserSession, checkAtBothWidths, signIn, WIDTHS, type BrowserSession } from '../browser/browser';
import { decodeQrPng } from '../support/qr-decode';
import { selfLinks } from '../support/self-links';

jest.setTimeout(240_000);

let h: ApiHarness;
let browsers: BrowserSession;

beforeAll(async () => {
  h = await startApiHarness({ worker: true });
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});


const phone = (): Promise<Page> => browsers.newPage({ viewport: WIDTHS.phone });

test('one family: the registration-open email to a used coupon the cycle report counts', async () => {
  // ---- on file: the family, a merchant with a coupon reward, the cycle
  const family = await seedFamily(h.db, { members: 3, name: '吴家' });
  const merchant = await seedMerchant(h.db, { id: unique('m'), email: `${unique('shop')}@example.test`, name: '悦来书店' });
  const rewardName = `书店代金券 ${unique('r')}`;
  await new Ledger(h.db).createReward({ id: unique('rw'), name: rewardName, kind: 'merchantCoupon', merchantId: merchant.id, price: 8, stock: 5 });
  const cycleId = await seedCycle(h.db, unique('cycle'));

  // ---- the property manager starts the activity; the coordinator approves it
  const title = unique('东苑亲子运动会');
  const plan = communityPlan(title, { capacity: 20, pointsRules: { attendance: 10, perVolunteerHour: 5 } });
  const started = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId, plan } });
  expect(started.status).toBe(201);
  const activityId = started.body.activityId as string;
  await eventually(async () => ((await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' })).body as ActivityStatus).stage === 'approval' || undefined, 30_000, 'approval');
  expect((await api(h.baseUrl, 'POST', `/api/activities/${activityId}/approval`, { who: 'co', body: { round: 1, decision: 'approve', comment: '' } })).status).toBe(200);

  // ---- the registration-open email carries the family's own link: one tap registers
  const open = await h.mailbox.waitFor((m) => m.to.includes(family.email) && m.subject.includes(title) && m.subject.startsWith('活动报名开始'), 60_000);
  const registerUrl = selfLinks(open, LINK_SECRET).register;
  expect(registerUrl).toBeDefined();
  const home = await phone();
  await home.goto(registerUrl!);
  await home.check('#members-3');
  await Promise.all([home.waitForLoadState('load'), home.locator('button[value="register"]').click()]);
  await home.getByText('报名成功').first().waitFor();
  expect(await h.db.selectFrom('registrations').select(['status', 'members']).where('activity_id', '=', activityId).where('family_id', '=', family.id).executeTakeFirst()).toEqual({ status: 'registered', members: 3 });

  // ---- the confirmation: its own subject, the card inline (it decodes to the family's card)
  const confirmation = await h.mailbox.waitFor((m) => m.to.includes(family.email) && m.subject === `报名成功：${title}`, 30_000);
  const parsed = await simpleParser(h.mailbox.raw(confirmation.id)!, { keepCidLinks: true });
  const qr = parsed.attachments.find((a) => a.contentType === 'image/png' && a.contentDisposition === 'inline');
  expect(qr).toBeDefined();
  expect(decodeQrPng(qr!.content)).toBe(qrCardUrl(h.baseUrl, family.qrToken));
  expect(confirmation.text).toContain(cardCodeOf(family.qrToken));
  const links = selfLinks(confirmation, LINK_SECRET);

  // ---- check-in opens (the workflow's attendance stage makes this call 30 minutes before the start)
  const store = new SqlActivityStore(h.db);
  await store.openAttendance(activityId, { opensAt: new Date(Date.now() - 60_000).toISOString(), closesAt: new Date(Date.parse(plan.endsAt) + 30 * 60_000).toISOString() });
  await home.goto(links.checkIn!);
  await Promise.all([home.waitForLoadState('load'), home.locator('button[value="checkIn"]').click()]);
  await home.getByText('签到成功').waitFor();
  expect(await h.db.selectFrom('check_ins').select(['person_id', 'method']).where('activity_id', '=', activityId).execute()).toEqual([{ person_id: family.id, method: 'link' }]);

  // ---- attendance closes and the points are awarded (the workflow's calls at the window's close)
  expect(await store.closeAttendance(activityId)).toMatchObject({ families: 1, participants: 3 });
  await store.awardActivityPoints(activityId, { attendance: 10, perVolunteerHour: 5, familyLearning: 0 });

  // ---- the family's own page, from its confirmation's link: its points in plain words
  await home.goto(`${links.register!}/family`);
  await home.waitForURL(/\/f\//);
  await expect(home.locator('#points').textContent()).resolves.toContain('10 分');
  await expect(home.locator('#history').textContent()).resolves.toContain(`参加活动：${title}`);
  await checkAtBothWidths(home, 'journey-family-page');
  await home.setViewportSize(WIDTHS.phone);

  // ---- at the counter: the grid worker types the card's code, sees the balance, redeems
  const desk = await phone();
  await signIn(desk, h, STAFF.gw.email);
  await desk.goto(`${h.baseUrl}/dashboard/points/counter`);
  await desk.fill('#code', cardCodeOf(family.qrToken));
  await Promise.all([desk.waitForURL(/code=/), desk.getByRole('button', { name: '查找家庭' }).click()]);
  await expect(desk.locator('#family').textContent()).resolves.toContain('当前积分：10 分');
  const seen = seenMail(h.mailbox);
  await desk.locator('label.choice', { hasText: rewardName }).click();
  await Promise.all([desk.waitForURL(/\/counter\/redeem/), desk.getByRole('button', { name: '确认兑换' }).click()]);
  await expect(desk.locator('#family .ok').textContent()).resolves.toContain('剩余积分：2 分');
  const coupon = await h.db.selectFrom('redemptions').selectAll().where('family_id', '=', family.id).executeTakeFirstOrThrow();

  // ---- the coupon email
  const couponMail = await h.mailbox.waitFor((m) => !seen.has(m.id) && m.to.includes(family.email), 15_000);
  expect(couponMail.subject).toBe(`您的兑换券：${rewardName}`);
  expect(couponMail.text).toContain(coupon.coupon_code);

  // ---- the coordinator emails the merchant its link; the merchant marks the coupon used, once
  const coordinator = await phone();
  await signIn(coordinator, h, STAFF.co.email);
  await coordinator.goto(`${h.baseUrl}/dashboard/points/merchants`);
  const before = seenMail(h.mailbox);
  await Promise.all([coordinator.waitForURL(/\/send/), coordinator.locator('tr', { hasText: '悦来书店' }).getByRole('button', { name: '发送核销链接' }).click()]);
  const merchantMail = await h.mailbox.waitFor((m) => !before.has(m.id) && m.to.includes(merchant.email), 15_000);
  const merchantUrl = /(https?:\/\/\S+\/m\/[A-Za-z0-9_.-]+)/.exec(merchantMail.text)?.[1];
  const shop = await phone();
  await shop.goto(merchantUrl!);
  await shop.fill('#code', coupon.coupon_code);
  await Promise.all([shop.waitForURL(/code=/), shop.getByRole('button', { name: '查询' }).click()]);
  await expect(shop.locator('#coupon').textContent()).resolves.toContain('这张券有效，可以使用');
  await shop.locator('label.choice').click();
  await Promise.all([shop.waitForLoadState('load'), shop.getByRole('button', { name: '标记为已使用' }).click()]);
  await expect(shop.locator('.ok').textContent()).resolves.toContain(`已核销“${rewardName}”`);
  const used = await h.db.selectFrom('coupon_events').selectAll().where('redemption_id', '=', coupon.id).executeTakeFirstOrThrow();

  await shop.fill('#code', coupon.coupon_code);
  await Promise.all([shop.waitForURL(/code=/), shop.getByRole('button', { name: '查询' }).click()]);
  await expect(shop.locator('.error').first().textContent()).resolves.toContain(`这张券已于 ${formatDateTime(used.at, 'zh-CN')} 使用，不能再次使用`);
  expect(await h.db.selectFrom('coupon_events').select('id').where('redemption_id', '=', coupon.id).execute()).toHaveLength(1);

  // ---- the cycle report counts the used coupon for its merchant
  await coordinator.goto(`${h.baseUrl}/dashboard/cycles/${cycleId}/report`);
  await expect(coordinator.locator('.card', { hasText: '兑换券使用（按商户）' }).locator('tr', { hasText: '悦来书店' }).textContent()).resolves.toMatch(/悦来书店\s*1/);
});
