/**
 * A family's own page (/f/), reached from any of its links, and the card behind a QR code (/q/):
 * over real HTTP, the app in-process, a real database.
 */
import { signSelfServiceLink } from '../../../api/family/links';
import { Coupons } from '../../../db/services/coupons';
import { Ledger } from '../../../db/services/ledger';
import { cardCodeOf } from '../../../domain/card';
import { signActionToken } from '../../../links/action-token';
import { signFamilyPageLink } from '../../../links/holder-links';
import { DAY, LINK_SECRET, page, seedMerchant, startApiHarness, unique, type ApiHarness } from '../harness';
import { award, seedActivity, seedFamily } from '../people-fixtures';
import { DIALECTS } from '../../db/harness';

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({ worker: false, dialect });
  });
  afterAll(async () => {
    await h?.close();
  });

  const strip = (html: string) =>
    html
      .replace(/<(style|svg)[\s\S]*?<\/\1>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ');

  describe('the family page', () => {
    test('shows registrations, the card, the balance and history in words, what expires, the rewards and the coupons', async () => {
      const f = await seedFamily(h.db, { name: '王小明家' });
      const a = await seedActivity(h.db);
      await h.db.insertInto('registrations').values({ activity_id: a.id, family_id: f.id, members: 3, status: 'registered', created_at: new Date().toISOString(), updated_at: new Date().toISOString(), seq: 1 }).execute();
      await new Ledger(h.db).award({ holder: { kind: 'family', id: f.id }, amount: 50, idempotencyKey: unique('aw'), rule: 'attendance', activityId: a.id });
      const mid = unique('m');
      const merchant = await seedMerchant(h.db, { id: mid, email: `${mid}@example.test` });
      const ledger = new Ledger(h.db);
      const cinema = await ledger.createReward({ id: unique('rw'), name: '电影票两张', kind: 'merchantCoupon', merchantId: merchant.id, price: 30, stock: 4 });
      await ledger.createReward({ id: unique('rw'), name: '科学绘本', kind: 'education', price: 500, stock: 0 });
      const { coupon } = await new Coupons(h.db).issue(f.id, cinema.id, unique('k'));

      const link = signFamilyPageLink(f.id, LINK_SECRET, h.baseUrl, Date.now());
      const res = await page(link.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-robots-tag')).toContain('noindex');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'none'");
      const text = strip(res.text);
      expect(text).toContain('王小明家');
      expect(text).toContain('邻里节·亲子运动会');
      expect(text).toContain('已报名（3 人）');
      expect(text).toContain(cardCodeOf(f.qrToken));
      expect(res.text).toContain('<svg');
      expect(text).toContain('20 分'); // 50 - 30
      expect(text).toContain('参加活动：邻里节·亲子运动会');
      expect(text).toContain('兑换：电影票两张');
      expect(text).toMatch(/30 分 将于 .+ 到期|20 分 将于 .+ 到期/);
      expect(text).toContain(coupon.code);
      expect(text).toContain('已发放');
      expect(text).toContain('科学绘本');
      expect(text).toContain('已兑完');
      expect(res.text).toContain('@media print');

      const en = strip((await page(`${link.url}?lang=en`)).text);
      expect(en).toContain('Took part in an activity: 邻里节·亲子运动会');
      expect(en).toContain('Issued');
    });

    test('a registration link of the family leads to a fresh family page; a forged or long-expired one does not', async () => {
      const f = await seedFamily(h.db);
      const a = await seedActivity(h.db);
      const s = signSelfServiceLink({ activityId: a.id, step: 'register', person: { kind: 'family', id: f.id }, expiresAtMs: Date.now() + DAY }, LINK_SECRET, h.baseUrl).url;
      const hop = await page(`${s}/family`);
      expect(hop.status).toBe(303);
      const location = hop.headers.get('location') ?? '';
      expect(location).toMatch(/^\/f\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\?lang=zh-CN$/);
      const landed = await page(`${h.baseUrl}${location}`);
      expect(landed.status).toBe(200);
      expect(landed.text).toContain(f.name);
      // The /s/ page itself carries the link.
      expect((await page(s)).text).toContain(`${new URL(s).pathname}/family?lang=zh-CN`);

      expect((await page(`${h.baseUrl}/s/not-a-token/family`)).status).toBe(400);
      const forged = signActionToken({ v: 1, wf: 'family-page', step: 'family', round: 0, rcp: `family:${f.id}`, act: ['view'], exp: Math.floor(Date.now() / 1000) + 60 }, 'another-secret-0123456789abcdefghijklmnop');
      expect((await page(`${h.baseUrl}/f/${forged}`)).status).toBe(400);
      const expired = signFamilyPageLink(f.id, LINK_SECRET, h.baseUrl, Date.now() - 200 * DAY);
      const gone = await page(expired.url);
      expect(gone.status).toBe(410);
      expect(gone.text).not.toContain(f.name);
    });
  });

  test('the family page is rate-limited per address like the /s/ pages, with a page that says so', async () => {
    const f = await seedFamily(h.db);
    const extra = await h.startExtraApp({ linkRateLimit: { capacity: 2, perMinute: 1 } });
    try {
      const url = signFamilyPageLink(f.id, LINK_SECRET, extra.baseUrl, Date.now()).url;
      expect((await page(url)).status).toBe(200);
      expect((await page(url)).status).toBe(200);
      const refused = await page(url);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(refused.text).not.toContain(f.name);
    } finally {
      await extra.close();
    }
  });

  describe('the card behind a QR code', () => {
    test('shows the family’s name, QR and short code to anyone, and nothing personal else; an unknown token is a 404 of the same look', async () => {
      const f = await seedFamily(h.db, { name: '李四家' });
      await award(h.db, f.id, 40);
      const card = await page(`${h.baseUrl}/q/${f.qrToken}`);
      expect(card.status).toBe(200);
      const text = strip(card.text);
      expect(text).toContain('李四家');
      expect(text).toContain(cardCodeOf(f.qrToken));
      expect(card.text).toContain('<svg');
      expect(text).not.toContain('40 分');
      expect(text).not.toContain('积分');
      expect(text).not.toContain(f.email);
      const unknown = await page(`${h.baseUrl}/q/ZZZZZZZZZZZZZZZZ`);
      expect(unknown.status).toBe(404);
      expect(unknown.text).toContain('找不到这张卡');
      expect(unknown.text).toContain('class="card"');
    });
  });
});
