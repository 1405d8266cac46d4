/**
 * Check-in over real HTTP against the real app (SQLite). The attendance window is opened and
 * closed through the store, standing in for the themed-activity workflow (see fixtures.ts).
 */
import { api, page, startApiHarness, submit, type ApiHarness } from '../harness';
import { checkInRows, closeWindow, openWindow, seedActivity, seedFamily, seedVolunteer } from '../people-fixtures';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({ worker: false });
});

afterAll(async () => {
  await h?.close();
});

const scan = (activityId: string, body: unknown, who: 'pm' | 'gw' | 'co' | 'pmWest' = 'gw') =>
  api(h.baseUrl, 'POST', `/api/activities/${activityId}/check-ins`, { who, body });

describe('check-in by QR at the desk', () => {
  test('is refused before the window opens and after it closes (409, saying so), and accepted while it is open', async () => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);

    const early = await scan(a.id, { qrToken: f.qrToken });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('ATTENDANCE_NOT_OPEN');
    expect(early.body.error.message).toMatch(/not open yet: it opens at about .* before the start/);
    expect(await checkInRows(h.db, a.id)).toHaveLength(0);

    await openWindow(h.db, a);
    const ok = await scan(a.id, { qrToken: f.qrToken });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: 'checkedIn', personKind: 'family', personId: f.id, members: 2, activityId: a.id });

    await closeWindow(h.db, a);
    const late = await scan(a.id, { qrToken: (await seedFamily(h.db)).qrToken });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain('has closed');
    expect(await checkInRows(h.db, a.id)).toHaveLength(1);
  });

  test('a second check-in answers 200 "already checked in at T" and records nothing new', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const f = await seedFamily(h.db);
    const first = await scan(a.id, { qrToken: f.qrToken });
    expect(first.status).toBe(201);
    // The scanner may send the card's whole URL.
    const second = await scan(a.id, { qrToken: `${h.baseUrl}/q/${f.qrToken}`, members: 5 }, 'pm');
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'alreadyCheckedIn', at: first.body.at, members: 2 });
    expect(second.body.message).toBe(`Already checked in at ${first.body.at}; nothing new was recorded`);
    const rows = await checkInRows(h.db, a.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ person_id: f.id, members: 2, method: 'qr' });
  });

  test('a retry with the same nonce is answered as the first; the nonce cannot check in someone else', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const [f, g] = [await seedFamily(h.db), await seedFamily(h.db)];
    const first = await scan(a.id, { qrToken: f.qrToken, nonce: 'scan-42' });
    const retries = await Promise.all([1, 2, 3].map(() => scan(a.id, { qrToken: f.qrToken, nonce: 'scan-42' })));
    for (const r of retries) {
      expect(r.status).toBe(201);
      expect(r.body).toEqual(first.body);
    }
    const reused = await scan(a.id, { qrToken: g.qrToken, nonce: 'scan-42' });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('NONCE_REUSED');
    expect(await checkInRows(h.db, a.id)).toHaveLength(1);
  });

  test('an unknown QR code is 404; a desk in another compound is 403', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const unknown = await scan(a.id, { qrToken: 'NOT-A-CARD-0000' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('PERSON_NOT_FOUND');
    const f = await seedFamily(h.db);
    expect((await scan(a.id, { qrToken: f.qrToken }, 'pmWest')).status).toBe(403);
    expect(await checkInRows(h.db, a.id)).toHaveLength(0);
  });
});

describe('walk-ins and volunteers', () => {
  test('staff check in a walk-in family created on the spot; a retry with the same nonce creates nothing more', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const body = { newFamily: { name: '路过的周家', email: 'zhou@example.test', members: 4 }, nonce: 'walkin-1' };
    const first = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/walk-ins`, { who: 'pm', body });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'checkedIn', personKind: 'family', members: 4, familyCreated: true });
    const retry = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/walk-ins`, { who: 'pm', body });
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ personId: first.body.personId, familyCreated: false });
    const family = await h.db.selectFrom('families').selectAll().where('id', '=', first.body.personId).executeTakeFirstOrThrow();
    expect(family).toMatchObject({ compound_id: 'c-east', name: '路过的周家', members: 4 });
    expect(await h.db.selectFrom('families').select('id').where('email', '=', 'zhou@example.test').execute()).toHaveLength(1);

    const known = await seedFamily(h.db);
    const byId = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/walk-ins`, { who: 'co', body: { familyId: known.id, members: 1 } });
    expect(byId.body).toMatchObject({ status: 'checkedIn', members: 1 });
    const rows = await checkInRows(h.db, a.id);
    expect(rows.map((r) => r.method).sort()).toEqual(['staff', 'staff']);
  });

  test('a volunteer checks in and out; the first check-out counts', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const v = await seedVolunteer(h.db);
    expect((await scan(a.id, { qrToken: v.qrToken })).body).toMatchObject({ status: 'checkedIn', personKind: 'volunteer', members: 1 });
    const out = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/check-outs`, { who: 'gw', body: { qrToken: v.qrToken } });
    expect(out.status).toBe(200);
    expect(out.body.status).toBe('checkedOut');
    const again = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/check-outs`, { who: 'gw', body: { volunteerId: v.id } });
    expect(again.body).toMatchObject({ status: 'alreadyCheckedOut', at: out.body.at });
    const list = await api(h.baseUrl, 'GET', `/api/activities/${a.id}/check-ins`, { who: 'su' });
    expect(list.body.checkIns).toEqual([expect.objectContaining({ personKind: 'volunteer', personId: v.id, checkedOutAt: out.body.at })]);
  });
});

describe('self check-in link', () => {
  test('GET shows one button and changes nothing; POST checks in; a second POST says "already"', async () => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);
    const issued = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/self-service-links`, { who: 'pm', body: { step: 'checkIn', families: [f.id] } });
    expect(issued.status).toBe(200);
    const url = issued.body.links[0].url as string;

    const before = await page(url);
    expect(before.status).toBe(200);
    expect(before.text).toContain('签到尚未开始');
    expect(before.text).not.toContain('value="checkIn"');

    await openWindow(h.db, a);
    const shown = await page(url);
    expect(shown.text.match(/<button/g)).toHaveLength(1);
    expect(shown.text).toContain('value="checkIn"');
    expect(await checkInRows(h.db, a.id)).toHaveLength(0);

    // A post from another site is refused; a browser's own post under `Referrer-Policy: no-referrer`
    // (Origin: null, Sec-Fetch-Site: same-origin) is accepted.
    const forged = await submit(url, { action: 'checkIn' }, { from: shown, headers: { origin: 'null', 'sec-fetch-site': 'cross-site' } });
    expect(forged.status).toBe(403);
    expect(await checkInRows(h.db, a.id)).toHaveLength(0);
    const done = await submit(url, { action: 'checkIn' }, { from: shown, headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } });
    expect(done.status).toBe(200);
    expect(done.text).toContain('签到成功');
    const again = await submit(url, { action: 'checkIn' }, { from: shown });
    expect(again.status).toBe(200);
    expect(again.text).toContain('本次没有重复记录');
    const rows = await checkInRows(h.db, a.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ person_id: f.id, method: 'link' });

    // English on request.
    expect((await page(`${url}?lang=en`)).text).toContain('You already checked in at');
  });

  test('after the window closes the link refuses (409) and records nothing', async () => {
    const a = await seedActivity(h.db);
    const v = await seedVolunteer(h.db);
    await openWindow(h.db, a);
    const issued = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/self-service-links`, { who: 'co', body: { step: 'checkIn', volunteers: [v.id] } });
    const url = issued.body.links[0].url as string;
    const shown = await page(url);
    await closeWindow(h.db, a);
    const refused = await submit(url, { action: 'checkIn' }, { from: shown });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('签到已结束');
    expect(await checkInRows(h.db, a.id)).toHaveLength(0);
  });
});

describe('QR cards', () => {
  test('staff get a PNG of the card’s URL (a random token, no name); others get 401', async () => {
    const f = await seedFamily(h.db);
    const res = await fetch(`${h.baseUrl}/api/families/${f.id}/qr.png`, { headers: { authorization: 'Bearer token-gw-east-0123456789abcdef' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect((await fetch(`${h.baseUrl}/api/families/${f.id}/qr.png`)).status).toBe(401);
    expect((await api(h.baseUrl, 'GET', `/api/families/${f.id}/qr.png`, { who: 'pmWest' })).status).toBe(403);
    const v = await seedVolunteer(h.db);
    expect((await fetch(`${h.baseUrl}/api/volunteers/${v.id}/qr.png`, { headers: { authorization: 'Bearer token-coordinator-0123456789ab' } })).status).toBe(200);

    // The page behind the card (the family's own card): test/api/family/home-page.test.ts.
  });
});
