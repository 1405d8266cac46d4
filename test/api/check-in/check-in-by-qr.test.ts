/**
 * POST /api/activities/:id/check-ins over real HTTP on SQLite and PostgreSQL: the common scan is
 * one statement (CheckIns.checkInByQrToken) and every other case falls back to the full path, so
 * the answers are the same as ever at each edge: the window not open or closed (409), a desk of
 * another compound (403), a family of another compound (403 OTHER_COMPOUND), an unknown card or
 * activity (404), a retry with the same nonce (201, the same answer), a second scan (200), many
 * simultaneous scans of one card (one row), a coordinator crossing compounds (201, audited).
 */
import { themedActivityWorkflowId } from '../../../domain/activity';
import { cardCodeOf } from '../../../domain/card';
import { DIALECTS } from '../../db/harness';
import { STAFF, api, startApiHarness, unique, type ApiHarness, type Who } from '../harness';
import { checkInRows, closeWindow, openWindow, seedActivity, seedFamily, seedVolunteer } from '../people-fixtures';

describe.each(DIALECTS)('check-in by QR on %s', (dialect) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: false, dialect });
  });

  afterAll(async () => {
    await h?.close();
  });

  const scan = (activityId: string, body: unknown, who: Who = 'gw') => api(h.baseUrl, 'POST', `/api/activities/${activityId}/check-ins`, { who, body });
  const audit = (activityId: string) =>
    h.db
      .withTables<{ action_audit: { workflow_id: string; step: string; recipient_key: string; action: string; comment: string } }>()
      .selectFrom('action_audit')
      .select(['step', 'recipient_key', 'action', 'comment'])
      .where('workflow_id', '=', themedActivityWorkflowId(activityId))
      .execute();

  test('checks in with the whole answer, the registration’s members and the staff member who scanned', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const f = await seedFamily(h.db, { members: 3 });
    const registered = await seedFamily(h.db);
    expect((await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'pm', body: { familyId: registered.id, members: 5 } })).status).toBe(201);

    const first = await scan(a.id, { qrToken: `${h.baseUrl}/q/${f.qrToken}` });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ status: 'checkedIn', at: expect.any(String), personKind: 'family', personId: f.id, members: 3, activityId: a.id, message: `Checked in at ${first.body.at}` });
    expect((await scan(a.id, { qrToken: registered.qrToken }, 'co')).body).toMatchObject({ status: 'checkedIn', personId: registered.id, members: 5 });
    const v = await seedVolunteer(h.db);
    expect((await scan(a.id, { qrToken: v.qrToken, members: 4 }, 'pm')).body).toMatchObject({ status: 'checkedIn', personKind: 'volunteer', personId: v.id, members: 1 });

    const rows = await checkInRows(h.db, a.id);
    const byPerson = Object.fromEntries(rows.map((r) => [r.person_id, [r.method, Number(r.members), r.checked_in_by]]));
    expect(byPerson).toEqual({ [f.id]: ['qr', 3, STAFF.gw.id], [registered.id]: ['qr', 5, STAFF.co.id], [v.id]: ['qr', 1, STAFF.pm.id] });
    expect(await audit(a.id)).toEqual([]);
  });

  test('before the window opens and once it has closed: 409 saying which, nothing written', async () => {
    const a = await seedActivity(h.db);
    const f = await seedFamily(h.db);
    const early = await scan(a.id, { qrToken: f.qrToken });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'ATTENDANCE_NOT_OPEN', message: expect.stringMatching(/is not open yet: it opens at about/) });
    await openWindow(h.db, a);
    await closeWindow(h.db, a);
    const late = await scan(a.id, { qrToken: f.qrToken });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain('has closed');
    expect(await checkInRows(h.db, a.id)).toEqual([]);
  });

  test('a desk of another compound is 403, a family of another compound 403 OTHER_COMPOUND; nothing written', async () => {
    const a = await seedActivity(h.db, { compound: 'c-east' });
    await openWindow(h.db, a);
    const east = await seedFamily(h.db, { compound: 'c-east' });
    const west = await seedFamily(h.db, { compound: 'c-west' });

    const desk = await scan(a.id, { qrToken: east.qrToken }, 'pmWest');
    expect(desk.status).toBe(403);
    expect(desk.body.error).toMatchObject({ code: 'Forbidden', message: 'This activity is in compound c-east; you serve c-west' });
    const person = await scan(a.id, { qrToken: west.qrToken }, 'gw');
    expect(person.status).toBe(403);
    expect(person.body.error.code).toBe('OTHER_COMPOUND');
    expect(person.body.error.message).toContain(`family ${west.name} (${west.id}) belongs to compound 西苑 (c-west)`);
    expect(await checkInRows(h.db, a.id)).toEqual([]);
  });

  test('an unknown card is 404 PERSON_NOT_FOUND, an unknown activity 404; a typed card code still checks in', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const f = await seedFamily(h.db);
    const unknown = await scan(a.id, { qrToken: 'NOT-A-CARD-0000' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('PERSON_NOT_FOUND');
    const noActivity = await scan(unique('act'), { qrToken: f.qrToken });
    expect(noActivity.status).toBe(404);
    expect(noActivity.body.error.code).toBe('NotFound');
    expect(noActivity.body.error.message).toMatch(/^No activity /);
    expect(await checkInRows(h.db, a.id)).toEqual([]);

    const typed = await scan(a.id, { qrToken: cardCodeOf(f.qrToken) });
    expect(typed.status).toBe(201);
    expect(typed.body).toMatchObject({ personId: f.id });
  });

  test('a retry with the same nonce answers 201 as the first, a second scan 200 "already", a reused nonce 409', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const [f, g] = [await seedFamily(h.db), await seedFamily(h.db)];
    const first = await scan(a.id, { qrToken: f.qrToken, nonce: 'scan-1' });
    expect(first.status).toBe(201);
    const retry = await scan(a.id, { qrToken: f.qrToken, nonce: 'scan-1' });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const second = await scan(a.id, { qrToken: f.qrToken, nonce: 'scan-2' });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'alreadyCheckedIn', at: first.body.at, message: `Already checked in at ${first.body.at}; nothing new was recorded` });
    const reused = await scan(a.id, { qrToken: g.qrToken, nonce: 'scan-1' });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('NONCE_REUSED');
    expect((await checkInRows(h.db, a.id)).map((r) => r.person_id)).toEqual([f.id]);
  });

  test('twenty simultaneous scans of one card: one 201, the rest 200, one row', async () => {
    const a = await seedActivity(h.db);
    await openWindow(h.db, a);
    const f = await seedFamily(h.db);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => scan(a.id, { qrToken: f.qrToken, nonce: `burst-${i}` })));
    expect(answers.map((r) => r.status).sort()).toEqual([...Array<number>(19).fill(200), 201]);
    expect(new Set(answers.map((r) => r.body.at)).size).toBe(1);
    expect(await checkInRows(h.db, a.id)).toHaveLength(1);
  });

  test('a coordinator checking in a family of another compound is served and audited; of the activity’s own, not audited', async () => {
    const a = await seedActivity(h.db, { compound: 'c-east' });
    await openWindow(h.db, a);
    const west = await seedFamily(h.db, { compound: 'c-west' });
    const east = await seedFamily(h.db, { compound: 'c-east' });
    expect((await scan(a.id, { qrToken: east.qrToken }, 'co')).status).toBe(201);
    expect(await audit(a.id)).toEqual([]);
    expect((await scan(a.id, { qrToken: west.qrToken }, 'co')).status).toBe(201);
    expect(await audit(a.id)).toEqual([
      { step: 'crossCompound', recipient_key: `staff:${STAFF.co.id}`, action: 'checkInByQr', comment: `family:${west.id} of compound c-west; the activity is of compound c-east` },
    ]);
    expect(await checkInRows(h.db, a.id)).toHaveLength(2);
  });
});
