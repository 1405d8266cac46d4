/**
 * Deactivating directory records, over real HTTP against the real app, on SQLite and PostgreSQL:
 * a deactivated property manager is neither picked nor accepted by name for a new activity, a
 * deactivated merchant is refused as a candidate (400 naming them), a deactivated member of
 * staff's API token stops working, and reactivating undoes each. Nothing starts on a refusal.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { deriveActivityId } from '../../../api/activities/routes';
import { themedActivityWorkflowId } from '../../../domain/activity';
import { DIALECTS } from '../../db/harness';
import { STAFF, api, communityPlan, merchantPlan, seedCycle, seedMerchant, startApiHarness, unique, type ApiHarness } from '../harness';

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: false, dialect });
  });

  afterAll(async () => {
    await h?.close();
  });

  const deactivate = (entity: string, id: string) => api(h.baseUrl, 'POST', `/api/directory/${entity}/${id}/deactivate`, { who: 'co' });
  const reactivate = (entity: string, id: string) => api(h.baseUrl, 'POST', `/api/directory/${entity}/${id}/reactivate`, { who: 'co' });

  async function expectNothingStarted(cycleId: string, plan: { compound: string; title: string; startsAt: string }) {
    const activityId = deriveActivityId(cycleId, plan);
    await expect(h.client.workflow.getHandle(themedActivityWorkflowId(activityId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await h.db.selectFrom('email_outbox').select('key').where('activity_id', '=', activityId).execute()).toEqual([]);
  }

  test('deactivating and reactivating is the coordinator’s: the record stays, with active false, then true again', async () => {
    const id = unique('fam');
    expect((await api(h.baseUrl, 'POST', '/api/directory/families', { who: 'co', body: { id, compoundId: 'c-east', name: '钱家', email: `${id}@example.test` } })).status).toBe(201);
    expect((await api(h.baseUrl, 'POST', `/api/directory/families/${id}/deactivate`, { who: 'pm' })).status).toBe(403);
    const off = await deactivate('families', id);
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id, name: '钱家', active: false });
    const row = await h.db.selectFrom('families').select(['deactivated_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.deactivated_at).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/));
    const listed = await api(h.baseUrl, 'GET', '/api/directory/families?compoundId=c-east', { who: 'co' });
    expect(listed.body.items.find((f: { id: string }) => f.id === id)).toMatchObject({ active: false });
    expect((await reactivate('families', id)).body).toMatchObject({ id, active: true });
    expect((await deactivate('families', 'no-such-family')).status).toBe(404);
  });

  test('a deactivated property manager is not picked for a new activity, and naming them is refused with their name; nothing starts', async () => {
    const cycleId = await seedCycle(h.db, unique('cycle'));
    expect((await deactivate('staff', STAFF.pm.id)).status).toBe(200);
    try {
      const plan = communityPlan(unique('邻里节'));
      const picked = await api(h.baseUrl, 'POST', '/api/activities', { who: 'co', body: { cycleId, plan } });
      expect(picked.status).toBe(422);
      expect(picked.body.error.message).toContain('no property manager for compound c-east');
      await expectNothingStarted(cycleId, plan);

      const named = await api(h.baseUrl, 'POST', '/api/activities', { who: 'co', body: { cycleId, plan, propertyManagerId: STAFF.pm.id } });
      expect(named.status).toBe(422);
      expect(named.body.error.message).toContain(`${STAFF.pm.name} (${STAFF.pm.id}, propertyManagerId) is deactivated`);
      await expectNothingStarted(cycleId, plan);
    } finally {
      expect((await reactivate('staff', STAFF.pm.id)).status).toBe(200);
    }
  });

  test('a deactivated merchant is refused as a candidate with a 400 naming them; nothing starts', async () => {
    const merchant = await seedMerchant(h.db, { id: unique('m'), email: `${unique('m')}@example.test`, name: '停业商户' });
    expect((await deactivate('merchants', merchant.id)).status).toBe(200);
    const cycleId = await seedCycle(h.db, unique('cycle'));
    const plan = merchantPlan(unique('亲子运动会'), merchant);
    const res = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId, plan } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { field: 'plan.venue.candidateMerchants.0', message: expect.stringContaining(`merchant 停业商户 (${merchant.id}) is deactivated`) },
    ]);
    await expectNothingStarted(cycleId, plan);
  });

  test('a deactivated member of staff’s API token is refused at the next request, and works again once reactivated', async () => {
    const id = unique('gw');
    expect((await api(h.baseUrl, 'POST', '/api/directory/staff', { who: 'co', body: { id, role: 'gridWorker', name: '孙网格', email: `${id}@example.test`, compoundId: 'c-east' } })).status).toBe(201);
    const issued = await api(h.baseUrl, 'POST', `/api/staff/${id}/tokens`, { who: 'co', body: { label: '扫码枪' } });
    expect(issued.status).toBe(201);
    const token = (issued.body as { token: string }).token;
    const read = () => api(h.baseUrl, 'GET', '/api/activities', { token });
    expect((await read()).status).toBe(200);

    expect((await deactivate('staff', id)).status).toBe(200);
    const refused = await read();
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toBe('The bearer token is not recognised');
    // The token itself is not revoked: reactivating the staff member makes it work again.
    const [row] = await h.db.selectFrom('api_tokens').select(['revoked_at']).where('staff_id', '=', id).execute();
    expect(row?.revoked_at).toBeNull();

    expect((await reactivate('staff', id)).status).toBe(200);
    expect((await read()).status).toBe(200);
  });
});
