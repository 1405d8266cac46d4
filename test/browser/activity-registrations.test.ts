/**
 * Staff see an activity's registrations on its dashboard page and act on them, in a real browser
 * (Debian's Chromium through playwright-core) against the real app, a real worker on the shared
 * Temporal dev server and a real dev mailbox. The registrations, a volunteer's sign-up and
 * check-in are seeded in the database before the journey; the journey itself is clicks only.
 */
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { formatDateTime } from '../../i18n/format';
import { parseCsv, UTF8_BOM } from '../../lib/csv';
import { seedCycle } from '../support/app-harness';
import { STAFF, communityPlan, eventually, seenMail, signInLinkIn, signInMailTo, startActivity, startDashboardHarness, unique, type DashboardHarness } from '../api/dashboard/harness';
import { browserSession, checkAtBothWidths, heading, signIn, type BrowserSession } from './browser';

jest.setTimeout(180_000);

let h: DashboardHarness;
let browsers: BrowserSession;

beforeAll(async () => {
  h = await startDashboardHarness({ worker: true });
  browsers = await browserSession();
});

afterAll(async () => {
  await browsers?.close();
  await h?.close();
});

async function signedIn(email: string): Promise<Page> {
  const page = await browsers.newPage({ acceptDownloads: true });
  await signIn(page, h, email);
  // Each role lands on its start page (a property manager's is my activities: api/http/start-page.ts).
  expect(page.url()).toMatch(new RegExp(`^${h.baseUrl}/dashboard(/my-activities)?$`));
  return page;
}

interface SeededFamily {
  id: string;
  name: string;
  email: string;
  members: number;
}

/** Capacity 12: 11 people registered, three families waiting (3, 1 and 2 people), one cancelled, plus twenty more registered in a bigger copy. */
async function seedRegistrations(activityId: string, families: { family: SeededFamily; status: 'registered' | 'waitlisted' | 'cancelled' }[]): Promise<void> {
  const base = Date.now() - 3 * 86_400_000;
  let seq = 0;
  for (const { family, status } of families) {
    await h.db
      .insertInto('families')
      .values({ id: family.id, compound_id: 'c-east', name: family.name, email: family.email, locale: 'zh-CN', members: family.members, qr_token: unique('qr') })
      .execute();
    seq++;
    const at = new Date(base + seq * 60_000).toISOString();
    await h.db.insertInto('registrations').values({ activity_id: activityId, family_id: family.id, members: family.members, status, seq, created_at: at, updated_at: at }).execute();
  }
}

const family = (name: string, members: number): SeededFamily => {
  const id = unique('fam');
  return { id, name, email: `${id}@example.test`, members };
};

async function statusOf(activityId: string, familyId: string): Promise<string | undefined> {
  const row = await h.db.selectFrom('registrations').select('status').where('activity_id', '=', activityId).where('family_id', '=', familyId).executeTakeFirst();
  return row?.status;
}

async function promotionEmails(activityId: string) {
  return h.db.selectFrom('email_outbox').select(['recipient_key', 'status']).where('activity_id', '=', activityId).where('purpose', '=', 'waitlistPromoted').orderBy('recipient_key').execute();
}

describe('registrations on the activity page', () => {
  const cycleId = unique('cycle-reg');
  let activityId: string;
  const title = `亲子运动会 ${unique('t')}`;
  const registered = [family('刘家', 3), family('孙家', 2), ...Array.from({ length: 6 }, (_, i) => family(`邻居${i + 1}号家庭`, 1))];
  // A long name: the phone layout must wrap it, not scroll sideways.
  const waitBig = family('欧阳明远与外公外婆一家（东苑十二栋三单元一千二百零一室）', 3);
  const waitSmall = family('周家', 1);
  const waitLast = family('郑家', 2);
  const cancelledBefore = family('钱家', 2);
  const volunteerId = unique('vol');

  beforeAll(async () => {
    await seedCycle(h.db, cycleId);
    activityId = await startActivity(h, cycleId, communityPlan(title, { capacity: 12 }));
    await eventually(async () => h.db.selectFrom('activities').select('id').where('id', '=', activityId).executeTakeFirst(), 30_000, 'the workflow to record the activity');
    await seedRegistrations(activityId, [
      ...registered.map((f) => ({ family: f, status: 'registered' as const })),
      { family: waitBig, status: 'waitlisted' },
      { family: cancelledBefore, status: 'cancelled' },
      { family: waitSmall, status: 'waitlisted' },
      { family: waitLast, status: 'waitlisted' },
    ]);
    const signedUpAt = new Date(Date.now() - 86_400_000).toISOString();
    await h.db.insertInto('volunteers').values({ id: volunteerId, name: '志愿者王老师', email: `${volunteerId}@example.test`, locale: 'zh-CN', compound_id: 'c-east', qr_token: unique('qr') }).execute();
    await h.db.insertInto('volunteer_signups').values({ activity_id: activityId, volunteer_id: volunteerId, created_at: signedUpAt }).execute();
    const inAt = new Date(Date.now() - 3 * 3_600_000);
    await h.db
      .insertInto('check_ins')
      .values({
        id: unique('ci'),
        activity_id: activityId,
        person_kind: 'volunteer',
        person_id: volunteerId,
        members: 1,
        method: 'staff',
        nonce: null,
        checked_in_at: inAt.toISOString(),
        checked_out_at: new Date(inAt.getTime() + 2.5 * 3_600_000).toISOString(),
      })
      .execute();
  });

  let page: Page;
  const activityUrl = () => `${h.baseUrl}/dashboard/activities/${activityId}`;
  const section = () => page.locator('#registrations');

  it('shows families by name, the waitlist in order, cancellations, volunteers with hours, and the headcount against capacity', async () => {
    page = await signedIn(STAFF.co.email);
    await page.goto(activityUrl());
    expect(await heading(page)).toBe(title);
    const text = (await section().textContent()) ?? '';
    expect(text).toContain('报名情况');
    expect(text).toContain('已报名 11 / 12 人，剩余 1 个名额');
    expect(text).toContain('报名家庭 8 户 · 候补 3 户 · 已取消 1 户 · 已签到 0 户 · 未到场 0 户');
    for (const f of [...registered, waitBig, waitSmall, waitLast, cancelledBefore]) expect(text).toContain(f.name);
    // Names, never ids.
    expect(text).not.toContain(registered[0]!.id);
    // The waitlist in the order families arrived: 1, 2, 3.
    const waitRows = await section().locator('table.roster').nth(1).locator('tbody tr').allTextContents();
    expect(waitRows.map((r) => [waitBig.name, waitSmall.name, waitLast.name].findIndex((n) => r.includes(n)))).toEqual([0, 1, 2]);
    expect(waitRows[0]).toMatch(/^1/);
    // The volunteer: signed up, checked in and out, 2.5 hours.
    const volunteerRow = (await section().locator('table.roster').nth(3).locator('tbody tr').first().textContent()) ?? '';
    expect(volunteerRow).toContain('志愿者王老师');
    expect(volunteerRow).toContain('2.5');
    // Times in the one format.
    const registeredAt = await h.db.selectFrom('registrations').select('created_at').where('family_id', '=', registered[0]!.id).executeTakeFirstOrThrow();
    expect(text).toContain(formatDateTime(registeredAt.created_at, 'zh-CN'));
    expect(formatDateTime(registeredAt.created_at, 'zh-CN')).toMatch(/^(\d{4}年)?\d{1,2}月\d{1,2}日（周[日一二三四五六]）\d{2}:\d{2}$/);
    await checkAtBothWidths(page, 'activity-registrations-zh');
  });

  it('promotes from the waitlist: the family that fits gets the place and its email, the larger one keeps waiting', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    const seen = seenMail(h.mailbox);
    await Promise.all([page.waitForURL(/done=promoted/), section().getByRole('button', { name: '按顺序递补候补家庭' }).click()]);
    expect(await section().locator('.ok').textContent()).toContain('已递补 1 户候补家庭');
    expect(await statusOf(activityId, waitSmall.id)).toBe('registered');
    expect(await statusOf(activityId, waitBig.id)).toBe('waitlisted');
    expect(await statusOf(activityId, waitLast.id)).toBe('waitlisted');
    expect(await section().textContent()).toContain('已报名 12 / 12 人，剩余 0 个名额');
    await h.mailbox.waitFor((m) => !seen.has(m.id) && m.to.includes(waitSmall.email), 15_000);
    expect(await promotionEmails(activityId)).toEqual([{ recipient_key: `family:${waitSmall.id}`, status: 'sent' }]);
  });

  it('cancels a registration after a confirm step; the freed places go to the waiting family that fits', async () => {
    const liu = registered[0]!;
    const row = section().locator('table.roster').first().locator('tbody tr', { hasText: liu.name });
    await Promise.all([page.waitForURL(/\/cancel$/), row.getByRole('link', { name: '取消报名' }).click()]);
    expect(await heading(page)).toBe('确认取消报名');
    expect(await page.locator('main').textContent()).toContain(liu.name);
    // Nothing has changed by opening the confirm page.
    expect(await statusOf(activityId, liu.id)).toBe('registered');
    await checkAtBothWidths(page, 'registration-cancel-confirm-zh');
    const seen = seenMail(h.mailbox);
    await Promise.all([page.waitForURL(/done=cancelled/), page.getByRole('button', { name: '确认取消' }).click()]);
    expect(await section().locator('.ok').textContent()).toContain(`已取消${liu.name}的报名，递补 1 户候补家庭`);
    expect(await statusOf(activityId, liu.id)).toBe('cancelled');
    expect(await statusOf(activityId, waitBig.id)).toBe('registered');
    expect(await statusOf(activityId, waitLast.id)).toBe('waitlisted');
    await h.mailbox.waitFor((m) => !seen.has(m.id) && m.to.includes(waitBig.email), 15_000);
    expect(await promotionEmails(activityId)).toEqual(
      [
        { recipient_key: `family:${waitBig.id}`, status: 'sent' },
        { recipient_key: `family:${waitSmall.id}`, status: 'sent' },
      ].sort((a, b) => a.recipient_key.localeCompare(b.recipient_key)),
    );
    // The cancelled family is listed as cancelled now.
    const cancelledRows = await section().locator('table.roster').nth(2).locator('tbody tr').allTextContents();
    expect(cancelledRows.some((r) => r.includes(liu.name) && r.includes('已取消'))).toBe(true);
  });

  it('downloads the CSV: Chinese headers, names not ids, every list', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), section().getByRole('link', { name: '下载报名名单（CSV）' }).click()]);
    const file = await download.path();
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith(UTF8_BOM)).toBe(true);
    const records = parseCsv(text).map((r) => r.fields);
    expect(records[0]).toEqual(['名单', '序号', '家庭/志愿者', '小区', '人数', '状态', '报名时间', '签到时间', '签退时间', '服务时长（小时）']);
    const byName = new Map(records.slice(1).map((r) => [r[2], r]));
    expect(byName.get('刘家')).toEqual(expect.arrayContaining(['已取消', '东苑', '3']));
    expect(byName.get(waitBig.name)?.[0]).toBe('已报名');
    expect(byName.get(waitLast.name)?.slice(0, 2)).toEqual(['候补', '1']);
    expect(byName.get('志愿者王老师')).toEqual(expect.arrayContaining(['志愿者', '已签退', '2.5']));
    expect(text).not.toContain(registered[1]!.id);
    expect(records).toHaveLength(1 + registered.length + 3 + 1 + 1);
  });

  it('reads in English, and fits a phone with a long list', async () => {
    // A long list: thirty more registered families.
    const more = Array.from({ length: 30 }, (_, i) => family(`Family number ${i + 1} of the east compound`, 1));
    const bigActivity = await startActivity(h, cycleId, communityPlan(`${title} (long list)`, { capacity: 200 }));
    await eventually(async () => h.db.selectFrom('activities').select('id').where('id', '=', bigActivity).executeTakeFirst(), 30_000, 'the workflow to record the activity');
    await seedRegistrations(bigActivity, more.map((f) => ({ family: f, status: 'registered' as const })));
    await page.goto(`${h.baseUrl}/dashboard/activities/${bigActivity}`);
    expect(await section().locator('table.roster').first().locator('tbody tr').count()).toBe(30);
    await checkAtBothWidths(page, 'activity-registrations-long-zh');
    await page.goto(`${h.baseUrl}/dashboard/activities/${activityId}?lang=en`);
    const text = (await section().textContent()) ?? '';
    expect(text).toContain('Registrations');
    expect(text).toContain('12 / 12 people registered, 0 places left');
    expect(text).toContain('Waitlist (in order)');
    const registeredAt = await h.db.selectFrom('registrations').select('created_at').where('family_id', '=', registered[1]!.id).executeTakeFirstOrThrow();
    expect(text).toContain(formatDateTime(registeredAt.created_at, 'en'));
    await checkAtBothWidths(page, 'activity-registrations-en');
  });

  it('a property manager of another compound may not see the page nor cancel; a supervisor sees names but no actions', async () => {
    const west = await signedIn(STAFF.pmWest.email);
    const response = await west.goto(`${h.baseUrl}/dashboard/activities/${activityId}/registrations.csv`);
    expect(response?.status()).toBe(403);
    const supervisor = await signedIn(STAFF.su.email);
    await supervisor.goto(`${h.baseUrl}/dashboard/activities/${activityId}`);
    const text = (await supervisor.locator('#registrations').textContent()) ?? '';
    expect(text).toContain(waitLast.name);
    expect(await supervisor.locator('#registrations').getByRole('button').count()).toBe(0);
    expect(await supervisor.locator('#registrations').getByRole('link', { name: '取消报名' }).count()).toBe(0);
    expect(await statusOf(activityId, registered[1]!.id)).toBe('registered');
  });
});
