/**
 * API bearer tokens a coordinator issues, over real HTTP against the real app, on SQLite and
 * PostgreSQL: the token is shown once and only its SHA-256 is stored; it acts as its holder's
 * directory entry says at each request; revoking it refuses it at the next request (same app, no
 * restart) and leaves the holder's other tokens and STAFF_TOKENS working; rotation is issue then
 * revoke; only a coordinator issues, lists or revokes.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ApiTokenRepository, createRepositories } from '../../../db/repositories';
import { reportDeps } from '../../../reports';
import { DIALECTS } from '../../db/harness';
import { STAFF, TOKENS, api, startApiHarness, unique, type ApiHarness, type Who } from '../harness';
import { seedFamily } from '../people-fixtures';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: false, dialect });
  });

  afterAll(async () => {
    await h?.close();
  });

  const issue = async (staffId: string, label = unique('label')) => {
    const res = await api(h.baseUrl, 'POST', `/api/staff/${staffId}/tokens`, { who: 'co', body: { label } });
    expect(res.status).toBe(201);
    return res.body as { id: string; staffId: string; label: string; createdAt: string; token: string };
  };
  const tokenRows = () => h.db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
  /** A family's points: a property manager's or grid worker's route, scoped to their compound. */
  const readPoints = (token: string, familyId: string) => api(h.baseUrl, 'GET', `/api/families/${familyId}/points`, { token });

  /** Every row of every table (migration bookkeeping included), as one text. */
  async function wholeDatabase(): Promise<string> {
    const db = h.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
    const dumps = await Promise.all(tables.map(async (t) => JSON.stringify(await db.selectFrom(t.name).selectAll().execute())));
    return dumps.join('\n');
  }

  test('a coordinator issues a token to a property manager: shown once, it acts on their routes, and the database holds only its SHA-256', async () => {
    const east = await seedFamily(h.db, { compound: 'c-east' });
    const west = await seedFamily(h.db, { compound: 'c-west' });

    const issued = await issue(STAFF.pm.id, '签到扫码枪');
    expect(issued).toEqual({ id: expect.any(String), staffId: STAFF.pm.id, label: '签到扫码枪', createdAt: expect.any(String), token: expect.stringMatching(/^cgt_[A-Za-z0-9_-]{43}$/) });

    const own = await readPoints(issued.token, east.id);
    expect(own.status).toBe(200);
    expect(own.body.familyId).toBe(east.id);
    // The compound comes from the directory entry: another compound's family is refused.
    expect((await readPoints(issued.token, west.id)).status).toBe(403);

    const [row] = (await tokenRows()).filter((r) => r.id === issued.id);
    expect(row).toMatchObject({ staff_id: STAFF.pm.id, token_hash: sha256Hex(issued.token), label: '签到扫码枪', created_by: STAFF.co.id, revoked_at: null });
    expect(row?.last_used_at).not.toBeNull();
    const stored = await wholeDatabase();
    expect(stored).toContain(sha256Hex(issued.token));
    expect(stored).not.toContain(issued.token);
    // Nor the random part alone (a stored token without its prefix would be as good as the token).
    expect(stored).not.toContain(issued.token.slice('cgt_'.length));

    // The lists show the token's record, never the token or its hash.
    const forPm = await api(h.baseUrl, 'GET', `/api/staff/${STAFF.pm.id}/tokens`, { who: 'co' });
    expect(forPm.status).toBe(200);
    expect(forPm.body.tokens).toContainEqual({
      id: issued.id,
      staffId: STAFF.pm.id,
      staffName: STAFF.pm.name,
      label: '签到扫码枪',
      createdAt: issued.createdAt,
      createdBy: STAFF.co.id,
      lastUsedAt: expect.any(String),
      revokedAt: null,
      revokedBy: null,
    });
    const all = await api(h.baseUrl, 'GET', '/api/tokens', { who: 'co' });
    expect(all.status).toBe(200);
    expect(all.body.tokens.map((t: { id: string }) => t.id)).toContain(issued.id);
    for (const listing of [JSON.stringify(forPm.body), JSON.stringify(all.body)]) {
      expect(listing).not.toContain(issued.token);
      expect(listing).not.toContain(sha256Hex(issued.token));
    }
    // Nothing the app logged carries a token.
    expect(JSON.stringify(h.logs)).not.toContain(issued.token);
  });

  test('only a coordinator issues, lists or revokes tokens (403), even with a token the coordinator issued; nothing is written', async () => {
    const target = await issue(STAFF.gw.id);
    const pmIssued = await issue(STAFF.pm.id);
    const before = await tokenRows();
    const callers: { who?: Who; token?: string }[] = [{ who: 'pm' }, { who: 'gw' }, { who: 'su' }, { token: pmIssued.token }];
    for (const caller of callers) {
      const attempts = [
        await api(h.baseUrl, 'POST', `/api/staff/${STAFF.pm.id}/tokens`, { ...caller, body: { label: 'mine' } }),
        await api(h.baseUrl, 'GET', `/api/staff/${STAFF.gw.id}/tokens`, caller),
        await api(h.baseUrl, 'GET', '/api/tokens', caller),
        await api(h.baseUrl, 'POST', `/api/tokens/${target.id}/revoke`, caller),
      ];
      expect(attempts.map((a) => [a.status, a.body.error?.code])).toEqual(Array(4).fill([403, 'Forbidden']));
    }
    // Without a token at all: 401.
    expect((await api(h.baseUrl, 'GET', '/api/tokens')).status).toBe(401);
    expect((await api(h.baseUrl, 'POST', `/api/tokens/${target.id}/revoke`)).status).toBe(401);
    // last_used_at of the property manager's token may have moved; nothing else did.
    const strip = (rows: Awaited<ReturnType<typeof tokenRows>>) => rows.map(({ last_used_at: _l, ...r }) => r);
    expect(strip(await tokenRows())).toEqual(strip(before));
    expect((await readPoints(target.token, (await seedFamily(h.db, { compound: 'c-east' })).id)).status).toBe(200);
  });

  test('a revoked token is refused (401) at the next request, without a restart; the holder’s other tokens and STAFF_TOKENS keep working; revoking again answers the same', async () => {
    const family = await seedFamily(h.db, { compound: 'c-east' });
    const first = await issue(STAFF.pm.id, 'desk 1');
    const second = await issue(STAFF.pm.id, 'desk 2');
    expect((await readPoints(first.token, family.id)).status).toBe(200);

    const revoked = await api(h.baseUrl, 'POST', `/api/tokens/${first.id}/revoke`, { who: 'co' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: first.id, staffId: STAFF.pm.id, label: 'desk 1', revokedAt: expect.any(String), revokedBy: STAFF.co.id });

    const refused = await readPoints(first.token, family.id);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: 'Unauthorized', message: 'The bearer token is not recognised' });
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
    expect(JSON.stringify(refused.body)).not.toContain(first.token);

    expect((await readPoints(second.token, family.id)).status).toBe(200);
    expect((await readPoints(TOKENS.pm, family.id)).status).toBe(200);
    expect((await api(h.baseUrl, 'GET', '/api/tokens', { who: 'co' })).status).toBe(200);

    const again = await api(h.baseUrl, 'POST', `/api/tokens/${first.id}/revoke`, { who: 'co' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(revoked.body);
    const rows = (await tokenRows()).filter((r) => r.id === first.id || r.id === second.id);
    expect(rows.map((r) => [r.id, r.revoked_at])).toEqual(
      [
        [first.id, revoked.body.revokedAt],
        [second.id, null],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
  });

  test('rotation: a coordinator issues a new token, then revokes the old one; the new one works, the old one is refused', async () => {
    const family = await seedFamily(h.db, { compound: 'c-east' });
    const old = await issue(STAFF.gw.id, 'nightly export');
    expect((await readPoints(old.token, family.id)).status).toBe(200);

    const fresh = await issue(STAFF.gw.id, 'nightly export');
    expect(fresh.token).not.toBe(old.token);
    // Between the two steps both work, so the script can be switched over without a gap.
    expect((await readPoints(old.token, family.id)).status).toBe(200);
    expect((await readPoints(fresh.token, family.id)).status).toBe(200);
    expect((await api(h.baseUrl, 'POST', `/api/tokens/${old.id}/revoke`, { who: 'co' })).status).toBe(200);

    expect((await readPoints(old.token, family.id)).status).toBe(401);
    expect((await readPoints(fresh.token, family.id)).status).toBe(200);
    const listed = await api(h.baseUrl, 'GET', `/api/staff/${STAFF.gw.id}/tokens`, { who: 'co' });
    const byId = new Map((listed.body.tokens as { id: string; revokedAt: string | null }[]).map((t) => [t.id, t.revokedAt]));
    expect([byId.get(old.id), byId.get(fresh.id)]).toEqual([expect.any(String), null]);
  });

  test('a token acts with the role and compound its holder has in the directory at each request', async () => {
    const staffId = unique('pm');
    const created = await api(h.baseUrl, 'POST', '/api/directory/staff', {
      who: 'co',
      body: { id: staffId, role: 'propertyManager', name: '孙管家', email: `${staffId}@example.test`, compoundId: 'c-east' },
    });
    expect(created.status).toBe(201);
    const { token } = await issue(staffId);
    const east = await seedFamily(h.db, { compound: 'c-east' });
    const west = await seedFamily(h.db, { compound: 'c-west' });
    const update = async (patch: Record<string, unknown>) => expect((await api(h.baseUrl, 'POST', `/api/directory/staff/${staffId}`, { who: 'co', body: patch })).status).toBe(200);

    expect([(await readPoints(token, east.id)).status, (await readPoints(token, west.id)).status]).toEqual([200, 403]);

    await update({ compoundId: 'c-west' });
    expect([(await readPoints(token, east.id)).status, (await readPoints(token, west.id)).status]).toEqual([403, 200]);

    // The supervisor reads no family's points: the same token is now refused there.
    await update({ role: 'supervisor', compoundId: null });
    const asSupervisor = await readPoints(token, west.id);
    expect(asSupervisor.status).toBe(403);
    expect(asSupervisor.body.error.message).toContain('your token is for a supervisor');

    expect((await api(h.baseUrl, 'GET', '/api/tokens', { token })).status).toBe(403);
    await update({ role: 'coordinator' });
    expect((await api(h.baseUrl, 'GET', '/api/tokens', { token })).status).toBe(200);
  });

  test('bad input changes nothing: a missing, blank or overlong label or an unknown field (400 naming it), an unknown staff member or token (404)', async () => {
    const before = await tokenRows();
    const cases: [unknown, string][] = [
      [{}, 'label'],
      [{ label: '   ' }, 'label'],
      [{ label: 'x'.repeat(101) }, 'label'],
      [{ label: 'bad\u202Eone' }, 'label'],
      [{ label: 'ok', staffId: STAFF.co.id }, 'staffId'],
    ];
    for (const [body, field] of cases) {
      const res = await api(h.baseUrl, 'POST', `/api/staff/${STAFF.pm.id}/tokens`, { who: 'co', body });
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status: 400, code: 'InvalidInput' });
      expect(res.body.error.message).toContain(field);
    }
    const noStaff = await api(h.baseUrl, 'POST', '/api/staff/nobody/tokens', { who: 'co', body: { label: 'x' } });
    expect([noStaff.status, noStaff.body.error.message]).toEqual([404, expect.stringContaining('nobody')]);
    expect((await api(h.baseUrl, 'GET', '/api/staff/nobody/tokens', { who: 'co' })).status).toBe(404);
    const noToken = await api(h.baseUrl, 'POST', '/api/tokens/tok_nothing/revoke', { who: 'co' });
    expect([noToken.status, noToken.body.error.message]).toEqual([404, expect.stringContaining('tok_nothing')]);
    expect(await tokenRows()).toEqual(before);

    // A token-shaped guess is refused like any unknown token.
    expect((await readPoints(`cgt_${'A'.repeat(43)}`, 'f-1')).status).toBe(401);
  });

  test('a token’s last use is recorded to the minute: a second use within the minute writes nothing', async () => {
    let clock = Date.parse('2026-03-01T08:00:00.000Z');
    const app = await h.startExtraApp({ now: () => clock });
    try {
      const family = await seedFamily(h.db, { compound: 'c-east' });
      const { id, token } = await issue(STAFF.pm.id);
      const lastUsed = async () => (await h.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()).last_used_at;
      expect(await lastUsed()).toBeNull();
      const use = async () => expect((await api(app.baseUrl, 'GET', `/api/families/${family.id}/points`, { token })).status).toBe(200);

      await use();
      expect(await lastUsed()).toBe('2026-03-01T08:00:00.000Z');
      clock += 59_000;
      await use();
      expect(await lastUsed()).toBe('2026-03-01T08:00:00.000Z');
      clock += 1_000;
      await use();
      expect(await lastUsed()).toBe('2026-03-01T08:01:00.000Z');
    } finally {
      await app.close();
    }
  });

  test('when the token lookup fails, the 500 is logged without the token or the Authorization header', async () => {
    const { token } = await issue(STAFF.pm.id);
    const repos = createRepositories(h.db, reportDeps(h.db));
    const failing = new ApiTokenRepository(h.db);
    failing.findActiveByToken = () => Promise.reject(new Error('database is locked'));
    const app = await h.startExtraApp({ repos: { ...repos, apiTokens: failing } });
    try {
      const logsBefore = h.logs.length;
      const res = await api(app.baseUrl, 'GET', '/api/tokens', { token });
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.body)).not.toContain(token);
      const logged = JSON.stringify(h.logs.slice(logsBefore));
      expect(logged).toContain('database is locked');
      expect(logged).not.toContain(token);
      expect(logged.toLowerCase()).not.toContain('bearer');
    } finally {
      await app.close();
    }
  });

  test('the OpenAPI document lists the token routes, coordinator only', async () => {
    const doc = await api(h.baseUrl, 'GET', '/api/openapi.json');
    const paths = doc.body.paths as Record<string, Record<string, { 'x-roles': string[] }>>;
    for (const [path, method] of [
      ['/api/staff/{id}/tokens', 'post'],
      ['/api/staff/{id}/tokens', 'get'],
      ['/api/tokens', 'get'],
      ['/api/tokens/{tokenId}/revoke', 'post'],
    ] as const) {
      expect({ path, method, roles: paths[path]?.[method]?.['x-roles'] }).toEqual({ path, method, roles: ['coordinator'] });
    }
  });
});
