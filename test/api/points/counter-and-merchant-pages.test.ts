/**
 * The rewards counter's and the merchant coupon page's rules over real HTTP (the app in-process, a
 * real database, the dev mailbox): who may use the counter, compound scope, refused redemptions
 * changing nothing, education rewards and refunds at the counter, and the merchant page's refusals
 * (a foreign form, another merchant's coupon, a tampered or expired link).
 */
import { Directory } from '../../../db/services/directory';
import { Ledger } from '../../../db/services/ledger';
import { cardCodeOf } from '../../../domain/card';
import { signMerchantLink } from '../../../links/holder-links';
import { seedMerchant } from '../../support/app-harness';
import { CookieJar, LINK_SECRET, postForm, request, signIn, startDashboardHarness, unique, type DashboardHarness } from '../dashboard/harness';

jest.setTimeout(60_000);

let h: DashboardHarness;
beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
});
afterAll(async () => {
  await h?.close();
});

const COUNTER = () => `${h.baseUrl}/dashboard/points/counter`;
const DAY = 86_400_000;

async function seed(opts: { compound?: string; points?: number } = {}) {
  const id = unique('fam');
  const family = await new Directory(h.db).createFamily({ id, compoundId: opts.compound ?? 'c-east', name: `家庭 ${id}`, email: `${id}@example.test`, members: 2 });
  const ledger = new Ledger(h.db);
  await ledger.award({ holder: { kind: 'family', id }, amount: opts.points ?? 100, idempotencyKey: unique('aw'), rule: 'attendance' });
  const mid = unique('m');
  const merchant = await seedMerchant(h.db, { id: mid, email: `${mid}@example.test`, name: `商户 ${mid}` });
  const coupon = await ledger.createReward({ id: unique('rw'), name: `代金券 ${mid}`, kind: 'merchantCoupon', merchantId: mid, price: 30, stock: 5 });
  const book = await ledger.createReward({ id: unique('rw'), name: `绘本 ${mid}`, kind: 'education', price: 20, stock: 5 });
  return { family, merchant, coupon, book, ledger };
}

async function redeem(jar: CookieJar, familyId: string, code: string, rewardId: string, key = crypto.randomUUID()) {
  const shown = await request(`${COUNTER()}?code=${encodeURIComponent(code)}`, jar);
  return postForm(`${COUNTER()}/redeem`, jar, { csrf: shown.csrf ?? '', familyId, rewardId, key });
}

describe('the rewards counter', () => {
  test('the supervisor may not use it; a grid worker only for families of their compound', async () => {
    const east = await seed();
    const west = await seed({ compound: 'c-west' });
    const su = await signIn(h, 'su');
    expect((await request(COUNTER(), su)).status).toBe(403);
    const gw = await signIn(h, 'gw');
    expect((await request(COUNTER(), gw)).status).toBe(200);
    expect((await request(`${COUNTER()}?code=${cardCodeOf(east.family.qrToken)}`, gw)).text).toContain(east.family.name);
    const other = await request(`${COUNTER()}?code=${cardCodeOf(west.family.qrToken)}`, gw);
    expect(other.status).toBe(403);
    expect(other.text).not.toContain(west.family.name);
    const unknown = await request(`${COUNTER()}?code=ZZZZ-ZZZZ`, gw);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('没有找到这张卡');
    // Without a session: the sign-in page, not the counter.
    const anonymous = await request(COUNTER(), new CookieJar());
    expect(anonymous.status).toBe(303);
    expect(anonymous.location).toMatch(/^\/sign-in/);
  });

  test('a refused redemption (too expensive, a foreign form) changes nothing', async () => {
    const s = await seed({ points: 25 });
    const gw = await signIn(h, 'gw');
    const poor = await redeem(gw, s.family.id, cardCodeOf(s.family.qrToken), s.coupon.id);
    expect(poor.status).toBe(409);
    expect(poor.text).toContain('积分不够，没有兑换');
    const foreign = await postForm(`${COUNTER()}/redeem`, gw, { csrf: 'x'.repeat(43), familyId: s.family.id, rewardId: s.book.id, key: crypto.randomUUID() });
    expect(foreign.status).toBe(403);
    expect(await h.db.selectFrom('redemptions').select('id').where('family_id', '=', s.family.id).execute()).toEqual([]);
    expect(await s.ledger.balance({ kind: 'family', id: s.family.id })).toBe(25);
  });

  test('an education reward is handed over at the counter once; an unused coupon’s points are refunded with a reason', async () => {
    const s = await seed();
    const gw = await signIn(h, 'gw');
    const code = cardCodeOf(s.family.qrToken);
    expect((await redeem(gw, s.family.id, code, s.book.id)).status).toBe(201);
    expect((await redeem(gw, s.family.id, code, s.coupon.id)).status).toBe(201);
    const [book, voucher] = await Promise.all(
      [s.book.id, s.coupon.id].map((rid) => h.db.selectFrom('redemptions').selectAll().where('family_id', '=', s.family.id).where('reward_id', '=', rid).executeTakeFirstOrThrow()),
    );
    const shown = await request(`${COUNTER()}?code=${code}`, gw);
    const csrf = shown.csrf ?? '';
    // Staff hand over the book; they cannot take the merchant's coupon.
    const used = await postForm(`${COUNTER()}/use`, gw, { csrf, familyId: s.family.id, redemptionId: book!.id });
    expect(used.status).toBe(200);
    expect(used.text).toContain('标记为已使用');
    const again = await postForm(`${COUNTER()}/use`, gw, { csrf, familyId: s.family.id, redemptionId: book!.id });
    expect(again.status).toBe(409);
    expect(again.text).toContain('这张券已于');
    expect((await postForm(`${COUNTER()}/use`, gw, { csrf, familyId: s.family.id, redemptionId: voucher!.id })).status).toBe(409);
    // Refund needs a reason; then the points come back.
    expect((await postForm(`${COUNTER()}/refund`, gw, { csrf, familyId: s.family.id, redemptionId: voucher!.id, reason: ' ' })).status).toBe(400);
    expect(await s.ledger.balance({ kind: 'family', id: s.family.id })).toBe(50);
    const refunded = await postForm(`${COUNTER()}/refund`, gw, { csrf, familyId: s.family.id, redemptionId: voucher!.id, reason: '家长改了主意' });
    expect(refunded.status).toBe(200);
    expect(refunded.text).toContain('当前积分：80 分');
    expect(await s.ledger.balance({ kind: 'family', id: s.family.id })).toBe(80);
    expect((await postForm(`${COUNTER()}/refund`, gw, { csrf, familyId: s.family.id, redemptionId: book!.id, reason: '再退' })).status).toBe(409);
  });

  test('only coordinators send merchants their coupon links', async () => {
    const s = await seed();
    const gw = await signIn(h, 'gw');
    expect((await request(`${h.baseUrl}/dashboard/points/merchants`, gw)).status).toBe(403);
    const co = await signIn(h, 'co');
    const list = await request(`${h.baseUrl}/dashboard/points/merchants`, co);
    expect(list.text).toContain(s.merchant.name);
  });
});

describe('the merchant’s coupon page', () => {
  test('refuses another merchant’s coupon, a foreign form, a tampered or expired link; takes its own once', async () => {
    const s = await seed();
    const gw = await signIn(h, 'gw');
    expect((await redeem(gw, s.family.id, cardCodeOf(s.family.qrToken), s.coupon.id)).status).toBe(201);
    const row = await h.db.selectFrom('redemptions').selectAll().where('family_id', '=', s.family.id).executeTakeFirstOrThrow();
    const otherId = unique('m');
    await seedMerchant(h.db, { id: otherId, email: `${otherId}@example.test`, name: '别家' });

    const mine = signMerchantLink(s.merchant.id, LINK_SECRET, h.baseUrl, Date.now()).url;
    const theirs = signMerchantLink(otherId, LINK_SECRET, h.baseUrl, Date.now()).url;
    const jar = new CookieJar();
    const other = await request(`${theirs}?code=${row.coupon_code}`, jar);
    expect(other.status).toBe(403);
    expect(other.text).toContain('不是本店的优惠券');
    expect(other.text).not.toContain(s.coupon.name);

    expect((await request(`${mine}x`, jar)).status).toBe(400);
    expect((await request(signMerchantLink(s.merchant.id, LINK_SECRET, h.baseUrl, Date.now() - 100 * DAY).url, jar)).status).toBe(410);

    const shown = await request(`${mine}?code=${row.coupon_code}`, jar);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('这张券有效');
    const path = new URL(mine).pathname;
    expect((await postForm(`${h.baseUrl}${path}`, new CookieJar(), { csrf: shown.csrf ?? '', code: row.coupon_code, choice: 'use' })).status).toBe(403);
    // No choice made (a scanner pressing the button): nothing taken.
    const unchosen = await postForm(`${h.baseUrl}${path}`, jar, { csrf: shown.csrf ?? '', code: row.coupon_code });
    expect(unchosen.status).toBe(400);
    expect(unchosen.text).toContain('这张券没有被核销');
    expect(unchosen.text).toContain('name="choice"');
    expect(await h.db.selectFrom('coupon_events').select('id').where('redemption_id', '=', row.id).execute()).toEqual([]);
    const used = await postForm(`${h.baseUrl}${path}`, jar, { csrf: shown.csrf ?? '', code: row.coupon_code, choice: 'use' });
    expect(used.status).toBe(200);
    expect(used.text).toContain('已核销');
    const second = await postForm(`${h.baseUrl}${path}`, jar, { csrf: shown.csrf ?? '', code: row.coupon_code, choice: 'use' });
    expect(second.status).toBe(409);
    expect(second.text).toContain('这张券已于');
    const audit = await h.db.selectFrom('action_audit' as never).selectAll().where('recipient_key' as never, '=', `merchant:${s.merchant.id}` as never).execute();
    expect(audit.length).toBeGreaterThanOrEqual(4);
  });
});
