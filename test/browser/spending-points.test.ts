/**
 * Spending growth points, in a real browser (Chromium at 390 px) against the real app, a real
 * database and a real dev mailbox: desk staff at the counter type a family's card code, see the
 * balance and redeem; the family's coupon email arrives with the code and a link to its own page,
 * where the family sees its balance, its history in words and the coupon "已发放"; a coordinator
 * emails the merchant its coupon link; the merchant enters the code and marks it used; a second try
 * says when it was used; the cycle report counts it. The family, its points, the rewards and the
 * cycle are seeded in the database; the journey is pages only.
 */
import type { Page } from 'playwright-core';
import { cardCodeOf } from '../../domain/card';
import { formatDateTime } from '../../i18n/format';
import { Directory } from '../../db/services/directory';
import { Ledger } from '../../db/services/ledger';
import { seedCycle, seedMerchant } from '../support/app-harness';
import { STAFF, seenMail, startDashboardHarness, unique, type DashboardHarness } from '../api/dashboard/harness';
import { seedActivity } from '../api/people-fixtures';
import { browserSession, checkAtBothWidths, signIn, type BrowserSession } from './browser';

jest.setTimeout(180_000);

let h: DashboardHarness;
let browsers: BrowserSession;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});

const PHONE = { width: 390, height: 844 };

async function phonePage(): Promise<Page> {
  const page = await browsers.newPage({ viewport: PHONE });
  return page;
}

test('a family’s points become a coupon at the counter, the family sees it on its page, the merchant takes it once, the report counts it', async () => {
  // ---- records on file
  const cycleId = await seedCycle(h.db, unique('cycle-pts'));
  const familyId = unique('fam');
  const familyEmail = `${familyId}@example.test`;
  const family = await new Directory(h.db).createFamily({ id: familyId, compoundId: 'c-east', name: '陈晓东家', email: familyEmail, members: 3 });
  const activity = await seedActivity(h.db, { startsInMs: -2 * 86_400_000 });
  const ledger = new Ledger(h.db);
  await ledger.award({ holder: { kind: 'family', id: familyId }, amount: 100, idempotencyKey: unique('aw'), rule: 'attendance', activityId: activity.id });
  const merchantId = unique('m');
  const merchant = await seedMerchant(h.db, { id: merchantId, email: `${merchantId}@example.test`, name: '悦来书店' });
  const rewardName = `书店代金券 ${unique('r')}`;
  await ledger.createReward({ id: unique('rw'), name: rewardName, kind: 'merchantCoupon', merchantId: merchant.id, price: 30, stock: 3 });
  await ledger.createReward({ id: unique('rw'), name: `天文望远镜 ${unique('r')}`, kind: 'education', price: 5000, stock: 1 });

  // ---- the counter: grid worker of the family's compound, on a phone
  const staff = await phonePage();
  await signIn(staff, h, STAFF.gw.email);
  await staff.goto(`${h.baseUrl}/dashboard/points/counter`);
  await staff.fill('#code', cardCodeOf(family.qrToken).toLowerCase());
  await Promise.all([staff.waitForURL(/code=/), staff.getByRole('button', { name: '查找家庭' }).click()]);
  const panel = staff.locator('#family');
  await expect(panel.textContent()).resolves.toContain('陈晓东家');
  await expect(panel.textContent()).resolves.toContain('当前积分：100 分');
  // The telescope costs more than the family has: it cannot be chosen.
  expect(await staff.locator('label.choice', { hasText: '天文望远镜' }).locator('input').isDisabled()).toBe(true);
  expect(await staff.locator('label.choice', { hasText: rewardName }).locator('input').isDisabled()).toBe(false);
  await checkAtBothWidths(staff, 'points-counter-family');
  await staff.setViewportSize(PHONE);
  const seen = seenMail(h.mailbox);
  await staff.locator('label.choice', { hasText: rewardName }).click();
  await Promise.all([staff.waitForURL(/\/counter\/redeem/), staff.getByRole('button', { name: '确认兑换' }).click()]);
  const done = (await staff.locator('#family .ok').textContent()) ?? '';
  expect(done).toContain(`已兑换“${rewardName}”`);
  expect(done).toContain('剩余积分：70 分');
  expect(done).toContain('兑换码已通过邮件发送给陈晓东家');
  const coupon = await h.db.selectFrom('redemptions').selectAll().where('family_id', '=', familyId).executeTakeFirstOrThrow();
  expect(done).toContain(coupon.coupon_code);
  // Resending the same form (a reload) spends nothing twice.
  await staff.reload();
  await expect(staff.locator('#family .ok').textContent()).resolves.toContain('没有重复扣分');
  expect(await h.db.selectFrom('redemptions').select('id').where('family_id', '=', familyId).execute()).toHaveLength(1);
  expect(await ledger.balance({ kind: 'family', id: familyId })).toBe(70);

  // ---- the family's email, with the code and its page
  const mail = await h.mailbox.waitFor((m) => !seen.has(m.id) && m.to.includes(familyEmail), 15_000);
  expect(mail.subject).toBe(`您的兑换券：${rewardName}`);
  expect(mail.text).toContain(coupon.coupon_code);
  expect(mail.text).toContain('请到悦来书店出示下面的兑换码使用');
  const familyUrl = /(https?:\/\/\S+\/f\/[A-Za-z0-9_.-]+)/.exec(mail.text)?.[1];
  expect(familyUrl).toBeDefined();
  const outbox = await h.db.selectFrom('email_outbox').selectAll().where('recipient_key', '=', `family:${familyId}`).where('purpose', '=', 'couponIssued').execute();
  expect(outbox.map((o) => o.status)).toEqual(['sent']);

  // ---- the family opens its page from the email
  const home = await phonePage();
  await home.goto(familyUrl as string);
  await expect(home.locator('#points').textContent()).resolves.toContain('70 分');
  const history = (await home.locator('#history').textContent()) ?? '';
  expect(history).toContain('参加活动：邻里节·亲子运动会');
  expect(history).toContain(`兑换：${rewardName}`);
  const couponRow = home.locator('#coupons li', { hasText: coupon.coupon_code });
  await expect(couponRow.textContent()).resolves.toContain('已发放');
  await checkAtBothWidths(home, 'family-page');

  // ---- a coordinator emails the merchant its coupon link
  const coordinator = await phonePage();
  await signIn(coordinator, h, STAFF.co.email);
  await coordinator.goto(`${h.baseUrl}/dashboard/points/merchants`);
  const seenBefore = seenMail(h.mailbox);
  await Promise.all([coordinator.waitForURL(/\/send/), coordinator.locator('tr', { hasText: '悦来书店' }).getByRole('button', { name: '发送核销链接' }).click()]);
  await expect(coordinator.locator('.ok').textContent()).resolves.toContain('已把核销链接发送给悦来书店');
  const merchantMail = await h.mailbox.waitFor((m) => !seenBefore.has(m.id) && m.to.includes(merchant.email), 15_000);
  const merchantUrl = /(https?:\/\/\S+\/m\/[A-Za-z0-9_.-]+)/.exec(merchantMail.text)?.[1];
  expect(merchantUrl).toBeDefined();

  // ---- the merchant checks the code and takes it
  const shop = await phonePage();
  await shop.goto(merchantUrl as string);
  await shop.fill('#code', coupon.coupon_code.toLowerCase());
  await Promise.all([shop.waitForURL(/code=/), shop.getByRole('button', { name: '查询' }).click()]);
  await expect(shop.locator('#coupon').textContent()).resolves.toContain('这张券有效，可以使用');
  await expect(shop.locator('#coupon').textContent()).resolves.toContain(rewardName);
  await checkAtBothWidths(shop, 'merchant-coupon-valid');
  await shop.setViewportSize(PHONE);
  await shop.locator('label.choice').click();
  await Promise.all([shop.waitForLoadState('load'), shop.getByRole('button', { name: '标记为已使用' }).click()]);
  await expect(shop.locator('.ok').textContent()).resolves.toContain(`已核销“${rewardName}”`);
  const event = await h.db.selectFrom('coupon_events').selectAll().where('redemption_id', '=', coupon.id).executeTakeFirstOrThrow();
  expect(event).toMatchObject({ kind: 'used', merchant_id: merchant.id });

  // ---- a second try is refused, naming when it was used
  await shop.fill('#code', coupon.coupon_code);
  await Promise.all([shop.waitForURL(/code=/), shop.getByRole('button', { name: '查询' }).click()]);
  const second = (await shop.locator('.error').first().textContent()) ?? '';
  expect(second).toContain(`这张券已于 ${formatDateTime(event.at, 'zh-CN')} 使用，不能再次使用`);
  expect(await shop.getByRole('button', { name: '标记为已使用' }).count()).toBe(0);
  await checkAtBothWidths(shop, 'merchant-coupon-used');
  expect(await h.db.selectFrom('coupon_events').select('id').where('redemption_id', '=', coupon.id).execute()).toHaveLength(1);

  // ---- the family's page now says used
  await home.reload();
  await expect(home.locator('#coupons li', { hasText: coupon.coupon_code }).textContent()).resolves.toContain('已使用');

  // ---- the cycle report counts it
  await coordinator.goto(`${h.baseUrl}/dashboard/cycles/${cycleId}/report`);
  const couponsTable = coordinator.locator('.card', { hasText: '兑换券使用（按商户）' });
  await expect(couponsTable.locator('tr', { hasText: '悦来书店' }).textContent()).resolves.toMatch(/悦来书店\s*1/);
  await expect(coordinator.locator('.fig', { hasText: '已使用的兑换券' }).locator('.v').textContent()).resolves.toBe('1');
});
