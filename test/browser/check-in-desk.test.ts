/**
 * The check-in desk in a real browser (Debian's Chromium through playwright-core) against the real
 * app and dev mailbox, at 390 px. Chromium's camera is a fake one playing a video of a real QR
 * code (a family's card URL, test/browser/fake-camera.ts), so the page's own scanner
 * (/static/qr-scan.js with the bundled jsQR) reads it. A grid worker signs in, scans the family
 * and confirms with an adjusted member count; a second scan says when and by whom; a typed code
 * and a tap in the list check two more families in; the live count follows a check-in made
 * elsewhere without a reload; a walk-in from the directory and a new family are added; a volunteer
 * checks in and out. Every change is asserted in the database. The activity and its registrations
 * are seeded (the window is opened through the store, as the workflow does).
 */
import type { Page } from 'playwright-core';
import { cardCodeOf } from '../../domain/card';
import { formatDateTime } from '../../i18n/format';
import { STAFF, startDashboardHarness, unique, type DashboardHarness } from '../api/dashboard/harness';
import { openWindow, seedActivity, seedFamily, seedVolunteer, type SeededActivity, type SeededFamily } from '../api/people-fixtures';
import { browserSession, checkAtBothWidths, heading, signIn, WIDTHS, type BrowserSession } from './browser';
import { fakeCameraArgs, writeQrVideo } from './fake-camera';

jest.setTimeout(180_000);

let h: DashboardHarness;
let browsers: BrowserSession;
let activity: SeededActivity;
let scanned: SeededFamily;
let typed: SeededFamily;
let listed: SeededFamily;
let elsewhere: SeededFamily;
let volunteer: { id: string; qrToken: string };

async function register(activityId: string, f: SeededFamily, members: number, seq: number): Promise<void> {
  const at = new Date(Date.now() - 86_400_000 + seq * 60_000).toISOString();
  await h.db.insertInto('registrations').values({ activity_id: activityId, family_id: f.id, members, status: 'registered', seq, created_at: at, updated_at: at }).execute();
}

beforeAll(async () => {
  h = await startDashboardHarness({ worker: false });
  // Starts in ten minutes; check-in is open (30 minutes before the start until 30 after the end).
  activity = await seedActivity(h.db, { startsInMs: 10 * 60_000, capacity: 40 });
  await openWindow(h.db, activity);
  scanned = await seedFamily(h.db, { name: '扫码的陈家', members: 3 });
  typed = await seedFamily(h.db, { name: '输码的黄家', members: 2 });
  listed = await seedFamily(h.db, { name: '点名单的林家', members: 4 });
  elsewhere = await seedFamily(h.db, { name: '另一台的郭家', members: 1 });
  await register(activity.id, scanned, 3, 1);
  await register(activity.id, typed, 2, 2);
  await register(activity.id, listed, 4, 3);
  await register(activity.id, elsewhere, 1, 4);
  volunteer = await seedVolunteer(h.db);
  await h.db.updateTable('volunteers').set({ name: '志愿者小马' }).where('id', '=', volunteer.id).execute();
  await h.db.insertInto('volunteer_signups').values({ activity_id: activity.id, volunteer_id: volunteer.id, created_at: new Date().toISOString() }).execute();
  // The camera shows the scanned family's card: its QR code holds <base>/q/<token>.
  browsers = await browserSession(fakeCameraArgs(writeQrVideo(`${h.baseUrl}/q/${scanned.qrToken}`)));
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});

const rowsOf = (personId: string) => h.db.selectFrom('check_ins').selectAll().where('activity_id', '=', activity.id).where('person_id', '=', personId).execute();
const deskUrl = () => `${h.baseUrl}/dashboard/activities/${activity.id}/desk`;

async function waitForRow(personId: string): Promise<Awaited<ReturnType<typeof rowsOf>>[number]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await rowsOf(personId);
    if (rows.length > 0) return rows[0]!;
    if (Date.now() > deadline) throw new Error(`no check-in recorded for ${personId}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the check-in desk on a phone', () => {
  let page: Page;

  it('a grid worker signs in and opens the desk: the window is open, the live count shows', async () => {
    page = await browsers.newPage({ viewport: WIDTHS.phone, permissions: ['camera'] });
    await signIn(page, h, STAFF.gw.email);
    await page.goto(deskUrl());
    expect(await heading(page)).toBe('签到台');
    await expect(page.locator('#desk-window').textContent()).resolves.toContain('签到进行中');
    await expect(page.locator('[data-count="registered"] .v').textContent()).resolves.toBe('4 户 10 人');
    await expect(page.locator('[data-count="checkedIn"] .v').textContent()).resolves.toBe('0 户 0 人');
    await expect(page.locator('[data-count="capacity"] .v').textContent()).resolves.toBe('40 人');
  });

  it('the camera reads the family’s card: name, members registered, members present adjusted, one confirm', async () => {
    await page.getByRole('button', { name: '打开摄像头扫码' }).click();
    await page.locator('#desk-result').waitFor({ state: 'visible', timeout: 20_000 });
    expect(await page.locator('#desk-result-name').textContent()).toBe('扫码的陈家');
    expect(await page.locator('#desk-result-detail').textContent()).toBe('已报名 3 人');
    expect(await page.locator('#desk-members').inputValue()).toBe('3');
    expect(await rowsOf(scanned.id)).toHaveLength(0);
    await page.fill('#desk-members', '2');
    await page.getByRole('button', { name: '确认签到' }).click();
    await page.locator('#desk-messages li', { hasText: '扫码的陈家 已签到（2 人）' }).waitFor();
    const row = await waitForRow(scanned.id);
    expect(row).toMatchObject({ person_kind: 'family', members: 2, method: 'qr', checked_in_by: STAFF.gw.id });
    await page.locator('[data-count="checkedIn"] .v', { hasText: '1 户 2 人' }).waitFor();
  });

  it('a second scan of the same card says when and by whom, and records nothing', async () => {
    const first = (await rowsOf(scanned.id))[0]!;
    await page.getByRole('button', { name: '打开摄像头扫码' }).click();
    await page.locator('#desk-result').waitFor({ state: 'visible', timeout: 20_000 });
    const already = page.locator('#desk-result-already');
    await already.waitFor({ state: 'visible' });
    expect(await already.textContent()).toBe(`已于 ${formatDateTime(first.checked_in_at, 'zh-CN')} 由 李网格 签到`);
    expect(await page.locator('#desk-confirm').isHidden()).toBe(true);
    await checkAtBothWidths(page, 'check-in-desk-duplicate-zh');
    await page.getByRole('button', { name: '关闭' }).click();
    expect(await rowsOf(scanned.id)).toHaveLength(1);
  });

  it('a typed short code finds the family and checks it in', async () => {
    await page.fill('#desk-code', cardCodeOf(typed.qrToken).toLowerCase());
    await page.getByRole('button', { name: '查找' }).first().click();
    await page.locator('#desk-result-name', { hasText: '输码的黄家' }).waitFor();
    await page.getByRole('button', { name: '确认签到' }).click();
    await page.locator('#desk-messages li', { hasText: '输码的黄家 已签到（2 人）' }).waitFor();
    expect(await waitForRow(typed.id)).toMatchObject({ members: 2, method: 'qr', checked_in_by: STAFF.gw.id });
  });

  it('one tap in the searchable list checks a registered family in', async () => {
    await page.fill('#desk-filter', '林家');
    expect(await page.locator(`#desk-families li[data-person="family:${elsewhere.id}"]`).isHidden()).toBe(true);
    const row = page.locator(`#desk-families li[data-person="family:${listed.id}"]`);
    await row.getByRole('button', { name: '签到' }).click();
    await row.locator('.badge', { hasText: '已签到' }).waitFor();
    expect(await waitForRow(listed.id)).toMatchObject({ members: 4, method: 'staff', checked_in_by: STAFF.gw.id });
    await page.fill('#desk-filter', '');
    expect(await page.locator(`#desk-families li[data-person="family:${elsewhere.id}"]`).isVisible()).toBe(true);
  });

  it('the live count follows a check-in made at another desk, without a reload', async () => {
    await page.locator('[data-count="checkedIn"] .v', { hasText: '3 户 8 人' }).waitFor();
    await h.db
      .insertInto('check_ins')
      .values({ id: unique('ci'), activity_id: activity.id, person_kind: 'family', person_id: elsewhere.id, members: 1, method: 'qr', nonce: null, checked_in_at: new Date().toISOString(), checked_out_at: null, checked_in_by: STAFF.pm.id })
      .execute();
    await page.locator('[data-count="checkedIn"] .v', { hasText: '4 户 9 人' }).waitFor({ timeout: 15_000 });
  });

  it('walk-ins: a family found in the directory, and a family added on the spot', async () => {
    // 孙家 is in the compound's directory but did not register.
    await page.fill('#desk-directory-q', '孙家');
    await page.locator('#desk-directory-form button[type="submit"]').click();
    const found = page.locator('#desk-directory-results li', { hasText: '孙家' });
    await found.getByRole('button', { name: '签到' }).click();
    const sun = await waitForRow('fam-east-2');
    expect(sun).toMatchObject({ members: 2, method: 'staff', checked_in_by: STAFF.gw.id });
    await page.locator('#desk-walk-ins li', { hasText: '孙家' }).waitFor({ timeout: 15_000 });

    const email = `${unique('walkin')}@example.test`;
    await page.fill('#desk-new-name', '路过的周家');
    await page.fill('#desk-new-email', email);
    await page.fill('#desk-new-members', '4');
    await page.getByRole('button', { name: '新增并签到' }).click();
    await page.locator('#desk-messages li', { hasText: '路过的周家 已签到（4 人）' }).waitFor();
    const family = await h.db.selectFrom('families').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    expect(family).toMatchObject({ name: '路过的周家', compound_id: 'c-east', members: 4 });
    expect(await waitForRow(family.id)).toMatchObject({ members: 4, method: 'staff', checked_in_by: STAFF.gw.id });
  });

  it('a volunteer checks in and out from the list', async () => {
    const row = page.locator(`#desk-volunteers li[data-person="volunteer:${volunteer.id}"]`);
    await row.getByRole('button', { name: '签到' }).click();
    await row.getByRole('button', { name: '签退' }).waitFor({ timeout: 15_000 });
    expect(await waitForRow(volunteer.id)).toMatchObject({ person_kind: 'volunteer', checked_out_at: null, checked_in_by: STAFF.gw.id });
    await row.getByRole('button', { name: '签退' }).click();
    await row.locator('.badge', { hasText: '签退' }).waitFor({ timeout: 15_000 });
    const [out] = await rowsOf(volunteer.id);
    expect(out?.checked_out_at).toEqual(expect.any(String));
    await checkAtBothWidths(page, 'check-in-desk-zh');
  });

  it('opening a card’s /q/ link as desk staff lands on the desk with the family found; signed out it is the family’s card', async () => {
    await page.goto(`${h.baseUrl}/q/${typed.qrToken}`);
    expect(new URL(page.url()).pathname).toBe(`/dashboard/activities/${activity.id}/desk`);
    await page.locator('#desk-result-name', { hasText: '输码的黄家' }).waitFor();
    await page.locator('#desk-result-already', { hasText: '由 李网格 签到' }).waitFor();

    const stranger = await browsers.newPage({ viewport: WIDTHS.phone });
    const res = await stranger.goto(`${h.baseUrl}/q/${typed.qrToken}`);
    expect(res?.status()).toBe(200);
    expect(new URL(stranger.url()).pathname).toBe(`/q/${typed.qrToken}`);
    expect(await stranger.content()).not.toContain('签到台');
  });

  it('a desk whose window is not open says so, with the times, in English too', async () => {
    const later = await seedActivity(h.db, { startsInMs: 3 * 86_400_000 });
    await page.goto(`${h.baseUrl}/dashboard/activities/${later.id}/desk?lang=en`);
    expect(await heading(page)).toBe('Check-in desk');
    const text = await page.locator('#desk-window').textContent();
    expect(text).toContain('Check-in is not open yet');
    expect(text).toContain(formatDateTime(later.startsAt, 'en'));
    await checkAtBothWidths(page, 'check-in-desk-not-open-en');
    await page.goto(`${deskUrl()}?lang=zh-CN`);
  });
});
