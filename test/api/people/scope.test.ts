/**
 * Who may act on whom, over real HTTP against the real app, on SQLite and PostgreSQL:
 * - compound scope for people: a property manager or grid worker registers, signs up, sends links
 *   to, walks in and checks in only their own compound's families and volunteers (403
 *   OTHER_COMPOUND, nothing written); a coordinator may cross compounds, and each such act is
 *   written to the audit trail;
 * - role scope: the supervisor reads no family's ledger or QR card, and coupon codes appear only in
 *   the answer to the redemption itself, never in a family's listing.
 */
import { themedActivityWorkflowId } from '../../../domain/activity';
import { DIALECTS } from '../../db/harness';
import { STAFF, api, startApiHarness, unique, type ApiHarness } from '../harness';
import { award, checkInRows, openWindow, seedActivity, seedFamily, seedVolunteer } from '../people-fixtures';

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: false, dialect });
  });

  afterAll(async () => {
    await h?.close();
  });

  const registrations = (activityId: string) => h.db.selectFrom('registrations').selectAll().where('activity_id', '=', activityId).execute();
  const signups = (activityId: string) => h.db.selectFrom('volunteer_signups').selectAll().where('activity_id', '=', activityId).execute();
  const outbox = (activityId: string) => h.db.selectFrom('email_outbox').selectAll().where('activity_id', '=', activityId).execute();
  const crossCompoundAudit = async (activityId: string) =>
    (
      await h.db
        .withTables<{ action_audit: { workflow_id: string; step: string; recipient_key: string; action: string; outcome: string; comment: string } }>()
        .selectFrom('action_audit')
        .select(['step', 'recipient_key', 'action', 'outcome', 'comment'])
        .where('workflow_id', '=', themedActivityWorkflowId(activityId))
        .execute()
    ).sort((x, y) => x.action.localeCompare(y.action));

  test('a property manager registers, signs up and sends links only to their own compound’s families and volunteers (403 OTHER_COMPOUND, nothing written)', async () => {
    const a = await seedActivity(h.db, { compound: 'c-east' });
    const west = await seedFamily(h.db, { compound: 'c-west', name: '华苑刘家' });
    const westVolunteer = await seedVolunteer(h.db, { compound: 'c-west' });
    const east = await seedFamily(h.db, { compound: 'c-east' });

    const register = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'pm', body: { familyId: west.id, members: 2 } });
    expect(register.status).toBe(403);
    expect(register.body.error.code).toBe('OTHER_COMPOUND');
    expect(register.body.error.message).toContain(`family 华苑刘家 (${west.id}) belongs to compound 西苑 (c-west)`);
    expect(register.body.error.message).toContain('you serve 东苑 (c-east)');

    const signUp = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/volunteers`, { who: 'pm', body: { volunteerId: westVolunteer.id } });
    expect(signUp.status).toBe(403);
    expect(signUp.body.error.code).toBe('OTHER_COMPOUND');

    // One family of another compound among several refuses the whole request: no link, no email.
    const links = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/self-service-links`, {
      who: 'pm',
      body: { step: 'register', families: [east.id, west.id], send: true },
    });
    expect(links.status).toBe(403);
    expect(links.body.error).toMatchObject({ code: 'OTHER_COMPOUND', details: [{ kind: 'family', id: west.id, compoundId: 'c-west' }] });
    expect(JSON.stringify(links.body)).not.toContain('/s/');

    expect(await registrations(a.id)).toEqual([]);
    expect(await signups(a.id)).toEqual([]);
    expect(await outbox(a.id)).toEqual([]);

    // Their own compound's family is served as before.
    const own = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'pm', body: { familyId: east.id, members: 2 } });
    expect(own.status).toBe(201);
    expect((await registrations(a.id)).map((r) => r.family_id)).toEqual([east.id]);
    expect(await crossCompoundAudit(a.id)).toEqual([]);
  });

  test('a property manager or grid worker walks in and checks in only their own compound’s people (403 OTHER_COMPOUND, no check-in)', async () => {
    const a = await seedActivity(h.db, { compound: 'c-east' });
    await openWindow(h.db, a);
    const west = await seedFamily(h.db, { compound: 'c-west' });
    const westVolunteer = await seedVolunteer(h.db, { compound: 'c-west' });

    for (const who of ['pm', 'gw'] as const) {
      const byQr = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/check-ins`, { who, body: { qrToken: west.qrToken, nonce: unique('n') } });
      expect(byQr.status).toBe(403);
      expect(byQr.body.error.code).toBe('OTHER_COMPOUND');
      const walkIn = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/walk-ins`, { who, body: { familyId: west.id } });
      expect(walkIn.status).toBe(403);
      expect(walkIn.body.error.message).toContain(`family ${west.name} (${west.id}) belongs to compound 西苑`);
      const volunteer = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/walk-ins`, { who, body: { volunteerId: westVolunteer.id } });
      expect(volunteer.status).toBe(403);
    }
    expect(await checkInRows(h.db, a.id)).toEqual([]);

    // Their own compound's family checks in.
    const east = await seedFamily(h.db, { compound: 'c-east' });
    const own = await api(h.baseUrl, 'POST', `/api/activities/${a.id}/check-ins`, { who: 'gw', body: { qrToken: east.qrToken } });
    expect(own.status).toBe(201);
    expect((await checkInRows(h.db, a.id)).map((r) => r.person_id)).toEqual([east.id]);
  });

  test('a coordinator may act on a family of another compound than the activity’s, and each such act is audited', async () => {
    const a = await seedActivity(h.db, { compound: 'c-east' });
    await openWindow(h.db, a);
    const west = await seedFamily(h.db, { compound: 'c-west' });
    const east = await seedFamily(h.db, { compound: 'c-east' });

    expect((await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'co', body: { familyId: east.id, members: 2 } })).status).toBe(201);
    expect(await crossCompoundAudit(a.id)).toEqual([]);

    expect((await api(h.baseUrl, 'POST', `/api/activities/${a.id}/registrations`, { who: 'co', body: { familyId: west.id, members: 2 } })).status).toBe(201);
    expect((await api(h.baseUrl, 'POST', `/api/activities/${a.id}/walk-ins`, { who: 'co', body: { familyId: west.id } })).status).toBe(201);
    expect((await checkInRows(h.db, a.id)).map((r) => r.person_id)).toEqual([west.id]);

    const comment = `family:${west.id} of compound c-west; the activity is of compound c-east`;
    expect(await crossCompoundAudit(a.id)).toEqual([
      { step: 'crossCompound', recipient_key: `staff:${STAFF.co.id}`, action: 'checkInWalkIn', outcome: 'recorded', comment },
      { step: 'crossCompound', recipient_key: `staff:${STAFF.co.id}`, action: 'registerFamily', outcome: 'recorded', comment },
    ]);
  });

  test('the supervisor reads no family’s ledger or QR card; a family’s listing shows no coupon code, the redemption’s answer does', async () => {
    const f = await seedFamily(h.db, { compound: 'c-east' });
    const v = await seedVolunteer(h.db, { compound: 'c-east' });
    await award(h.db, f.id, 50);

    for (const path of [`/api/families/${f.id}/points`, `/api/families/${f.id}/qr.png`, `/api/volunteers/${v.id}/qr.png`]) {
      const res = await api(h.baseUrl, 'GET', path, { who: 'su' });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('This route admits');
    }
    expect((await api(h.baseUrl, 'GET', `/api/families/${f.id}/points`, { who: 'gw' })).status).toBe(200);

    const rewardId = unique('rw');
    expect((await api(h.baseUrl, 'POST', '/api/rewards', { who: 'co', body: { id: rewardId, name: '绘本借阅券', kind: 'education', price: 20, stock: 5 } })).status).toBe(201);
    const redeemed = await api(h.baseUrl, 'POST', `/api/families/${f.id}/redemptions`, { who: 'gw', body: { rewardId, idempotencyKey: unique('k') } });
    expect(redeemed.status).toBe(201);
    const code = redeemed.body.couponCode as string;
    expect(code).toMatch(/^JH-/);

    for (const who of ['pm', 'gw', 'co'] as const) {
      const listing = await api(h.baseUrl, 'GET', `/api/families/${f.id}/points`, { who });
      expect(listing.status).toBe(200);
      expect(listing.body.redemptions).toEqual([expect.objectContaining({ id: redeemed.body.id, rewardId, points: 20 })]);
      expect(JSON.stringify(listing.body)).not.toContain(code);
      expect(listing.body.redemptions[0]).not.toHaveProperty('idempotencyKey');
    }
  });
});
