/**
 * The check-in desk without a connection, in a real browser against the real app: the desk goes
 * offline (playwright's `context.setOffline(true)`), three families are checked in by one tap each
 * and the page shows them kept on the phone ("待上传 3") while the database holds none; back
 * online, the page uploads them and says so, and the database holds exactly three check-ins. Then
 * the phone is made to send the same three again (as a phone that sent them but never heard the
 * answer would): their nonces make the server answer as before and record nothing new, also after
 * a reload.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { STAFF, startDashboardHarness, type DashboardHarness } from '../api/dashboard/harness';
import { openWindow, seedActivity, seedFamily, type SeededActivity, type SeededFamily } from '../api/people-fixtures';
import { browserSession, signIn, WIDTHS, type BrowserSession } from './browser';

jest.setTimeout(180_000);

let h: DashboardHarness;
let browsers: BrowserSession;
let activity: SeededActivity;
let families: SeededFamily[];

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  activity = await seedActivity(h.db, { startsInMs: 10 * 60_000 });
  await openWindow(h.db, activity);
  families = [await seedFamily(h.db, { name: '离线一号的吴家' }), await seedFamily(h.db, { name: '离线二号的郑家' }), await seedFamily(h.db, { name: '离线三号的冯家' })];
  let seq = 0;
  for (const f of families) {
    seq++;
    const at = new Date(Date.now() - 86_400_000 + seq * 60_000).toISOString();
    await h.db.insertInto('registrations').values({ activity_id: activity.id, family_id: f.id, members: 2, status: 'registered', seq, created_at: at, updated_at: at }).execute();
  }
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});

const checkIns = () => h.db.selectFrom('check_ins').selectAll().where('activity_id', '=', activity.id).execute();
const queueKey = () => `cogov-desk-queue:${activity.id}`;
const storedQueue = async (page: Page): Promise<unknown[]> => JSON.parse(((await page.evaluate(`localStorage.getItem(${JSON.stringify(queueKey())})`)) as string | null) ?? '[]') as unknown[];

describe('the desk keeps check-ins on the phone while offline and sends each exactly once', () => {
  let page: Page;
  let context: BrowserContext;
  let queued: unknown[];

  it('offline, three taps are kept on the phone and shown as waiting; nothing reaches the database', async () => {
    page = await browsers.newPage({ viewport: WIDTHS.phone });
    context = page.context();
    await signIn(page, h, STAFF.pm.email);
    await page.goto(`${h.baseUrl}/dashboard/activities/${activity.id}/desk`);
    await page.locator('#desk-families li').first().waitFor();

    await context.setOffline(true);
    for (const f of families) {
      await page.locator(`#desk-families li[data-person="family:${f.id}"]`).getByRole('button', { name: '签到' }).click();
    }
    await page.locator('#desk-queue', { hasText: '待上传 3' }).waitFor();
    await page.locator('#desk-messages li', { hasText: '离线三号的冯家：已保存在本机，待上传' }).waitFor();
    queued = await storedQueue(page);
    expect(queued).toHaveLength(3);
    expect(queued).toEqual(families.map((f) => expect.objectContaining({ type: 'check-in', body: { familyId: f.id }, nonce: expect.stringMatching(/^desk-/) })));
    expect(await checkIns()).toHaveLength(0);
  });

  it('back online, the page uploads them and says so; the database holds exactly three', async () => {
    await context.setOffline(false);
    await page.locator('#desk-queue', { hasText: '已全部上传' }).waitFor({ timeout: 20_000 });
    expect(await storedQueue(page)).toEqual([]);
    const rows = await checkIns();
    expect(rows.map((r) => r.person_id).sort()).toEqual(families.map((f) => f.id).sort());
    expect(rows.map((r) => r.nonce).sort()).toEqual(queued.map((q) => (q as { nonce: string }).nonce).sort());
    expect(rows.every((r) => r.checked_in_by === STAFF.pm.id && r.method === 'staff')).toBe(true);
    await page.locator('[data-count="checkedIn"] .v', { hasText: '3 户 6 人' }).waitFor({ timeout: 15_000 });
  });

  it('sent again with the same nonces (an answer that never arrived), and after a reload, nothing is recorded twice', async () => {
    await page.evaluate(`localStorage.setItem(${JSON.stringify(queueKey())}, ${JSON.stringify(JSON.stringify(queued))})`);
    await page.reload();
    await page.locator('#desk-queue', { hasText: '已全部上传' }).waitFor({ timeout: 20_000 });
    expect(await storedQueue(page)).toEqual([]);
    // Each retry was answered as its first upload: "checked in", not a second row.
    expect(await page.locator('#desk-messages li', { hasText: '已签到（2 人）' }).count()).toBe(3);
    await page.reload();
    await page.locator('#desk-families li').first().waitFor();
    expect(await checkIns()).toHaveLength(3);
  });
});
