/**
 * One-step registration, end to end and all real: the workflow on the shared Temporal dev server
 * sends the registration-open email (real SMTP into the dev mailbox) carrying the family's own
 * link; in Chromium at 390 px the family registers in one tap; the confirmation (its own subject)
 * carries the card as an inline QR image that decodes to the family's card URL, the short code and
 * a calendar file in Asia/Shanghai; the family then checks in by the confirmation's own link.
 * A second part: a waitlisted family is told its place in the queue, and "places left" and "full"
 * never contradict each other.
 */
import { simpleParser, type Attachment } from 'mailparser';
import type { Page } from 'playwright-core';
import { readSelfServiceToken, signSelfServiceLink } from '../../api/family/links';
import { cardCodeOf, qrCardUrl } from '../../domain/card';
import type { ActivityStatus } from '../../domain/activity';
import type { StoredMail } from '../../mail/dev-mailbox';
import { SqlActivityStore } from '../../db/store';
import { LINK_SECRET, api, communityPlan, eventually, mailTo, page, seedCycle, startApiHarness, submit, unique, type ApiHarness } from '../api/harness';
import { checkInRows, seedActivity, seedFamily, type SeededFamily } from '../api/people-fixtures';
import { browserSession, checkAtBothWidths, heading, WIDTHS, type BrowserSession } from '../browser/browser';
import { icsEvent, shanghaiToIso, unescapeIcsText } from '../support/ics-parse';
import { decodeQrPng } from '../support/qr-decode';
import { selfLinks } from '../support/self-links';

jest.setTimeout(180_000);

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


async function parsedParts(mail: StoredMail): Promise<{ html: string; attachments: Attachment[] }> {
  const raw = h.mailbox.raw(mail.id);
  if (!raw) throw new Error('the mailbox lost the raw message');
  const parsed = await simpleParser(raw, { keepCidLinks: true });
  return { html: typeof parsed.html === 'string' ? parsed.html : '', attachments: parsed.attachments };
}

async function phone(): Promise<Page> {
  const p = await browsers.newPage({ viewport: WIDTHS.phone });
  return p;
}

describe('from the registration-open email to check-in', () => {
  test('the family registers in one tap from its own link, receives its card and calendar, and checks in by its own link', async () => {
    const family = await seedFamily(h.db, { members: 3, name: '刘家' });
    const title = unique('东苑亲子运动会');
    const plan = communityPlan(title, { capacity: 10, description: '亲子接力、拔河；请穿运动鞋，自带水杯。' });
    const started = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId: await seedCycle(h.db, unique('cycle')), plan } });
    expect(started.status).toBe(201);
    const activityId = started.body.activityId as string;
    await eventually(async () => ((await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' })).body as ActivityStatus).stage === 'approval' || undefined, 30_000, 'approval');
    const approved = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/approval`, { who: 'co', body: { round: 1, decision: 'approve', comment: '' } });
    expect(approved.status).toBe(200);

    // The workflow's registration-open email: addressed by name, its button the family's own link.
    const open = await h.mailbox.waitFor((m) => m.to.includes(family.email) && m.subject.includes(title) && m.subject.startsWith('活动报名开始'), 60_000);
    expect(open.text).toContain('刘家');
    expect(open.text).not.toContain(`/activities/${activityId}/register`);
    const registerUrl = selfLinks(open, LINK_SECRET).register;
    expect(registerUrl).toBeDefined();
    const read = readSelfServiceToken(registerUrl!.split('/s/')[1]!, LINK_SECRET, Date.now());
    expect(read).toMatchObject({ kind: 'ok', activityId, step: 'register', person: { kind: 'family', id: family.id } });
    // The link ends when check-in opens (30 minutes before the start), as the email says.
    expect(read.kind === 'ok' && read.claims.exp * 1000).toBe(Date.parse(plan.startsAt) - 30 * 60_000);

    // One tap: the page shows the activity and registers with the member count.
    const p = await phone();
    await p.goto(registerUrl!);
    expect(await heading(p)).toBe('活动报名');
    const shown = await p.content();
    expect(shown).toContain('东苑活动室');
    expect(shown).toContain('请穿运动鞋');
    expect(await p.locator('tr', { hasText: '剩余名额' }).locator('td').nth(1).textContent()).toBe('10');
    // The count has no default: a mail scanner pressing the button as the page is registers nobody.
    expect(await p.locator('input[name="members"]:checked').count()).toBe(0);
    await checkAtBothWidths(p, 'one-step-register');
    await p.check('#members-2');
    await Promise.all([p.waitForLoadState('load'), p.locator('button[value="register"]').click()]);
    await p.getByText('报名成功').first().waitFor();
    expect(await p.locator('tr', { hasText: '剩余名额' }).locator('td').nth(1).textContent()).toBe('8');
    await checkAtBothWidths(p, 'one-step-registered');
    const registration = await h.db.selectFrom('registrations').selectAll().where('activity_id', '=', activityId).where('family_id', '=', family.id).executeTakeFirstOrThrow();
    expect(registration).toMatchObject({ status: 'registered', members: 2 });

    // The confirmation: its own subject, the card inline, the code, the links, the calendar file.
    const confirmation = await mailTo(h.mailbox, family.email, '报名成功');
    expect(confirmation.subject).toBe(`报名成功：${title}`);
    expect(confirmation.subject).not.toBe(open.subject);
    const { html, attachments } = await parsedParts(confirmation);
    const qr = attachments.find((a) => a.contentType === 'image/png');
    expect(qr?.cid).toBeDefined();
    expect(qr?.contentDisposition).toBe('inline');
    expect(html).toContain(`src="cid:${qr!.cid}"`);
    expect(decodeQrPng(qr!.content)).toBe(qrCardUrl(h.baseUrl, family.qrToken));
    expect(confirmation.text).toContain(cardCodeOf(family.qrToken));
    expect(html).toContain(cardCodeOf(family.qrToken));

    const ics = attachments.find((a) => a.filename === 'activity.ics');
    expect(ics?.contentType).toBe('text/calendar');
    const event = icsEvent(ics!.content.toString('utf8'));
    expect(event.DTSTART?.params.TZID).toBe('Asia/Shanghai');
    expect(shanghaiToIso(event.DTSTART!.value)).toBe(new Date(plan.startsAt).toISOString());
    expect(shanghaiToIso(event.DTEND!.value)).toBe(new Date(plan.endsAt).toISOString());
    expect(unescapeIcsText(event.SUMMARY!.value)).toBe(title);
    expect(unescapeIcsText(event.LOCATION!.value)).toContain('东苑活动室');
    expect(unescapeIcsText(event.DESCRIPTION!.value)).toBe(plan.description);
    expect(event.UID?.value).toContain(`${activityId}.${family.id}@`);

    // Sent once, through the outbox, with the Message-ID the outbox recorded.
    const outbox = await h.db.selectFrom('email_outbox').selectAll().where('activity_id', '=', activityId).where('purpose', '=', 'registrationConfirmed').execute();
    expect(outbox.map((r) => [r.recipient_key, r.status, r.message_id])).toEqual([[`family:${family.id}`, 'sent', confirmation.messageId]]);

    // The confirmation's register link is the page that offers cancel.
    const links = selfLinks(confirmation, LINK_SECRET);
    expect(links.register).toBeDefined();
    await p.goto(links.register!);
    expect(await p.locator('button[value="cancel"]').count()).toBe(1);
    expect(await p.locator('#confirm-cancel:checked').count()).toBe(0);

    // Check-in opens (the workflow's attendance stage does this 30 minutes before the start; the
    // store call stands in for it), and the family checks in by the confirmation's own link.
    await new SqlActivityStore(h.db).openAttendance(activityId, {
      opensAt: new Date(Date.now() - 60_000).toISOString(),
      closesAt: new Date(Date.parse(plan.endsAt) + 30 * 60_000).toISOString(),
    });
    expect(links.checkIn).toBeDefined();
    await p.goto(links.checkIn!);
    expect(await heading(p)).toBe('活动签到');
    await Promise.all([p.waitForLoadState('load'), p.locator('button[value="checkIn"]').click()]);
    await p.getByText('签到成功').waitFor();
    const rows = await checkInRows(h.db, activityId);
    expect(rows.map((r) => [r.person_kind, r.person_id, r.method])).toEqual([['family', family.id, 'link']]);
  });
});

describe('a mail scanner on the family’s link', () => {
  test('submitting the register form as it is registers nobody, and pressing cancel as it is cancels nothing', async () => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);
    const url = signSelfServiceLink({ activityId: a.id, step: 'register', person: { kind: 'family', id: f.id }, expiresAtMs: Date.now() + 86_400_000 }, LINK_SECRET, h.baseUrl).url;
    const p = await phone();
    await p.goto(url);
    // What a scanner does: press the first button without choosing (the browser's own check is skipped, as a script would).
    await p.locator('form').first().evaluate((form) => (form as unknown as { noValidate: boolean }).noValidate = true);
    await Promise.all([p.waitForLoadState('load'), p.locator('button[value="register"]').click()]);
    expect(await p.content()).toContain('请先选择参加人数');
    const rows = () => h.db.selectFrom('registrations').select(['status']).where('activity_id', '=', a.id).execute();
    expect(await rows()).toEqual([]);

    // A person chooses and registers; then a scanner presses "cancel" without the tick.
    await p.check('#members-2');
    await Promise.all([p.waitForLoadState('load'), p.locator('button[value="register"]').click()]);
    expect(await rows()).toEqual([{ status: 'registered' }]);
    await p.goto(url);
    await p.locator('form').first().evaluate((form) => (form as unknown as { noValidate: boolean }).noValidate = true);
    await Promise.all([p.waitForLoadState('load'), p.locator('button[value="cancel"]').click()]);
    expect(await p.content()).toContain('请先勾选');
    expect(await rows()).toEqual([{ status: 'registered' }]);
    // With the tick, it cancels.
    await p.check('#confirm-cancel');
    await Promise.all([p.waitForLoadState('load'), p.locator('button[value="cancel"]').click()]);
    expect(await rows()).toEqual([{ status: 'cancelled' }]);
  });
});

describe('the waiting list', () => {
  /** Registers by the family's own link (HTTP, as the form posts) and returns the page. */
  async function registerBy(activityId: string, f: SeededFamily, members: number) {
    const url = signSelfServiceLink({ activityId, step: 'register', person: { kind: 'family', id: f.id }, expiresAtMs: Date.now() + 86_400_000 }, LINK_SECRET, h.baseUrl).url;
    return { url, done: await submit(url, { action: 'register', members: String(members) }) };
  }

  const placesLeftCell = (text: string): string => /剩余名额<\/td><td>([^<]*)<\/td>/.exec(text)?.[1] ?? '(none)';

  /** "Full" only beside zero places left. */
  function expectNoContradiction(text: string): void {
    const left = placesLeftCell(text);
    if (text.includes('名额已满')) expect(left.startsWith('0')).toBe(true);
    expect(left).not.toBe('(none)');
  }

  test('a waitlisted family is told its place in the queue, and "full" appears only when no place is left', async () => {
    const a = await seedActivity(h.db, { capacity: 3 });
    const [two, twoMore, three, one, last] = [await seedFamily(h.db), await seedFamily(h.db), await seedFamily(h.db), await seedFamily(h.db), await seedFamily(h.db)];

    const first = await registerBy(a.id, two, 2);
    expect(first.done.text).toContain('报名成功');
    expect(placesLeftCell(first.done.text)).toBe('1');

    // One place left, a family of two: waitlisted first in the queue, told why, never "full".
    const second = await registerBy(a.id, twoMore, 2);
    expect(second.done.text).toContain('剩余名额 1 个，不够您家 2 人');
    expect(second.done.text).toContain('候补第 1 位');
    expect(second.done.text).not.toContain('名额已满');
    expect(placesLeftCell(second.done.text)).toBe('1（另有 1 户在候补）');
    expectNoContradiction(second.done.text);

    const third = await registerBy(a.id, three, 3);
    expect(third.done.text).toContain('候补第 2 位');
    expectNoContradiction(third.done.text);

    // A family of one fits the last place, ahead of the larger families waiting.
    const fourth = await registerBy(a.id, one, 1);
    expect(fourth.done.text).toContain('报名成功');
    expect(placesLeftCell(fourth.done.text)).toBe('0（另有 2 户在候补）');

    // Now it is full, and the page says so beside zero.
    const fifth = await registerBy(a.id, last, 1);
    expect(fifth.done.text).toContain('名额已满');
    expect(fifth.done.text).toContain('候补第 3 位');
    expectNoContradiction(fifth.done.text);

    // Coming back later, each waiting family still sees its place (the second moved up when none did).
    expect((await page(second.url)).text).toContain('候补第 1 位');
    expect((await page(third.url)).text).toContain('候补第 2 位');
    const english = (await page(`${third.url}?lang=en`)).text;
    expect(english).toContain('number 2 on the waiting list');
    expect(english).not.toContain('候补');
    const statuses = await h.db.selectFrom('registrations').select(['family_id', 'status']).where('activity_id', '=', a.id).orderBy('seq').execute();
    expect(statuses.map((r) => r.status)).toEqual(['registered', 'waitlisted', 'waitlisted', 'registered', 'waitlisted']);
    // Only the families with a place were sent a confirmation.
    const confirmed = await h.db.selectFrom('email_outbox').select('recipient_key').where('activity_id', '=', a.id).where('purpose', '=', 'registrationConfirmed').orderBy('recipient_key').execute();
    expect(confirmed.map((r) => r.recipient_key).sort()).toEqual([`family:${two.id}`, `family:${one.id}`].sort());
  });
});
