/**
 * An action email states the instant its link's token expires at, through real workflow runs (the
 * real activities, SMTP and dev mailbox) on SQLite and PostgreSQL: the step's deadline is when the
 * person is asked to act by, but the link keeps working until the token's `exp` (the deadline
 * after the last reminder, plus the grace), and that is the time the email gives for it.
 */
import { verifyActionToken } from '../../links/action-token';
import { formatDateTime } from '../../i18n/format';
import { DIALECTS } from '../db/harness';
import { LINK_SECRET, STAFF, api, communityPlan, linkIn, mailTo, merchantPlan, seedCycle, seedMerchant, startApiHarness, unique, type ApiHarness } from '../api/harness';
import type { StoredMail } from '../../mail/dev-mailbox';

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: true, dialect });
  });

  afterAll(async () => {
    await h?.close();
  });

  /** The emailed link's token, checked with the app's secret: its claims. */
  function tokenOf(mail: StoredMail) {
    const link = linkIn(mail);
    const verified = verifyActionToken(link.slice(link.lastIndexOf('/a/') + 3), LINK_SECRET, Date.now());
    if (!verified.ok) throw new Error(`the emailed link does not verify: ${verified.reason}`);
    return verified.claims;
  }

  const expiryIso = (exp: number) => new Date(exp * 1000).toISOString();

  test('the approval email states the instant its link expires, not the time it asks for a decision by', async () => {
    const title = unique('审批链接');
    const started = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId: await seedCycle(h.db, unique('cycle')), plan: communityPlan(title) } });
    expect(started.status).toBe(201);
    const mail = await mailTo(h.mailbox, STAFF.gw.email, `审批请求：${title}`);
    const claims = tokenOf(mail);
    expect(claims.step).toBe('approval');

    const stated = `此链接将于 ${formatDateTime(expiryIso(claims.exp), 'zh-CN')}（北京时间）失效`;
    expect(mail.text).toContain(stated);
    expect(mail.html).toContain(stated);

    // The decision is still asked for by the reminder time, which is not when the link stops working.
    const status = (await api(h.baseUrl, 'GET', `/api/activities/${started.body.activityId as string}`, { who: 'co' })).body;
    const decideBy = status.pending.dueAt as string;
    expect(mail.text).toContain(`请在 ${formatDateTime(decideBy, 'zh-CN')} 前作出决定`);
    const { timings, links } = h.config;
    expect(claims.exp * 1000 - Date.parse(decideBy)).toBeGreaterThan(timings.approvalEscalationMs - timings.approvalReminderMs + links.graceMs - 1000);
    expect(claims.exp * 1000 - Date.parse(decideBy)).toBeLessThanOrEqual(timings.approvalEscalationMs - timings.approvalReminderMs + links.graceMs);
    expect(formatDateTime(decideBy, 'zh-CN')).not.toBe(formatDateTime(expiryIso(claims.exp), 'zh-CN'));
  });

  test('a merchant’s venue request, in English, states the instant its link expires', async () => {
    const merchant = await seedMerchant(h.db, { id: unique('m'), email: `${unique('merchant')}@example.test`, locale: 'en' });
    const title = unique('venue-link');
    const started = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId: await seedCycle(h.db, unique('cycle')), plan: merchantPlan(title, merchant) } });
    expect(started.status).toBe(201);
    const mail = await mailTo(h.mailbox, merchant.email, title);
    const claims = tokenOf(mail);
    expect(claims.step).toBe('venueRequest');
    const stated = `This link expires on ${formatDateTime(expiryIso(claims.exp), 'en')} (Beijing time).`;
    expect(mail.text).toContain(stated);
    expect(mail.html).toContain(stated);
  });
});
