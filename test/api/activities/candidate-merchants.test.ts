/**
 * Merchants come from the directory, never from a plan, over real HTTP against the real app and
 * workflow, on SQLite and PostgreSQL: a plan names candidate merchants by directory id, the
 * merchant's signed link goes to the address on record, and a plan that names an unknown
 * merchant, one with no venue on record, or still carries an address is refused (400 naming the
 * field) with nothing started.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { deriveActivityId } from '../../../api/activities/routes';
import { themedActivityWorkflowId } from '../../../domain/activity';
import { verifyActionToken } from '../../../links/action-token';
import { DIALECTS } from '../../db/harness';
import {
  LINK_SECRET,
  api,
  communityPlan,
  eventually,
  linkIn,
  mailTo,
  merchantPlan,
  seedCycle,
  seedMerchant,
  startApiHarness,
  submit,
  unique,
  type ApiHarness,
} from '../harness';

describe.each(DIALECTS)('on %s', (dialect) => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ worker: true, dialect });
  });

  afterAll(async () => {
    await h?.close();
  });

  const outbox = (activityId: string) => h.db.selectFrom('email_outbox').selectAll().where('activity_id', '=', activityId).execute();
  const status = async (activityId: string) => (await api(h.baseUrl, 'GET', `/api/activities/${activityId}`, { who: 'co' })).body;
  const untilStage = (activityId: string, stage: string) =>
    eventually(async () => ((await status(activityId)).stage === stage ? true : undefined), 30_000, `stage ${stage}`);
  const claimsOf = (link: string) => {
    const verified = verifyActionToken(link.slice(link.lastIndexOf('/a/') + 3), LINK_SECRET, Date.now());
    if (!verified.ok) throw new Error(`the emailed link does not verify: ${verified.reason}`);
    return verified.claims;
  };

  /** Nothing started: no workflow under the plan's business key and no email for it. */
  async function expectNothingStarted(cycleId: string, plan: { compound: string; title: string; startsAt: string }) {
    const activityId = deriveActivityId(cycleId, plan);
    await expect(h.client.workflow.getHandle(themedActivityWorkflowId(activityId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await outbox(activityId)).toEqual([]);
  }

  test('a property manager names a merchant by directory id: the signed link goes to the address on record, and the accept is the merchant’s', async () => {
    const merchant = await seedMerchant(h.db, { id: unique('m'), email: `${unique('wanda')}@example.test`, name: '万达广场', venueName: '万达广场中庭' });
    const title = unique('亲子运动会');
    const started = await api(h.baseUrl, 'POST', '/api/activities', {
      who: 'pm',
      body: { cycleId: await seedCycle(h.db, unique('cycle')), plan: merchantPlan(title, merchant) },
    });
    expect(started.status).toBe(201);
    const { activityId } = started.body as { activityId: string };

    // The workflow's plan carries the directory's name and venue, read when the plan arrived, and
    // no address: the email activity reads that from the directory when it sends.
    const planned = await status(activityId);
    expect(planned.plan.venue.candidateMerchants).toEqual([
      { id: merchant.id, name: '万达广场', locale: 'zh-CN', venueName: '万达广场中庭' },
    ]);

    const venueMail = await mailTo(h.mailbox, merchant.email, title);
    expect(venueMail.to).toEqual([merchant.email]);
    expect(venueMail.text).toContain('万达广场中庭');
    const link = linkIn(venueMail);
    expect(claimsOf(link)).toMatchObject({ step: 'venueRequest', rcp: `merchant:${merchant.id}` });
    // The venue request is recorded once, for the merchant on record and no one else.
    expect((await outbox(activityId)).filter((r) => r.purpose === 'venueRequest').map((r) => r.recipient_key)).toEqual([`merchant:${merchant.id}`]);

    expect((await submit(link, { choice: 'accept', comment: '欢迎' })).status).toBe(200);
    await untilStage(activityId, 'approval');
    const accepted = await status(activityId);
    expect(accepted.decisions.find((d: { kind: string }) => d.kind === 'merchantAnswer')).toMatchObject({
      outcome: 'accept',
      by: { id: merchant.id, name: '万达广场', role: 'merchant' },
    });
    expect(accepted.venue).toMatchObject({ merchantId: merchant.id, venueName: '万达广场中庭' });
  });

  test('a plan that still gives a merchant’s name and address is refused naming the field, and nothing starts', async () => {
    const merchant = await seedMerchant(h.db, { id: unique('m'), email: `${unique('wanda')}@example.test` });
    const cycleId = await seedCycle(h.db, unique('cycle'));
    const withEmail = communityPlan(unique('改地址'), {
      venue: { kind: 'merchant', hours: 2, candidateMerchants: [{ merchantId: merchant.id, email: 'attacker@evil.example' } as never] },
    });
    const res = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId, plan: withEmail } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('InvalidInput');
    expect(res.body.error.details).toEqual([{ field: 'plan.venue.candidateMerchants.0', message: expect.stringContaining('"email"') }]);
    await expectNothingStarted(cycleId, withEmail);

    // The old shape, a full contact, is refused the same way.
    const fullContact = communityPlan(unique('旧格式'), {
      venue: {
        kind: 'merchant',
        hours: 2,
        candidateMerchants: [{ id: merchant.id, name: '万达广场', email: 'attacker@evil.example', venueName: '万达广场中庭' } as never],
      },
    });
    const old = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId, plan: fullContact } });
    expect(old.status).toBe(400);
    expect(old.body.error.details).toEqual(
      expect.arrayContaining([
        { field: 'plan.venue.candidateMerchants.0.merchantId', message: expect.any(String) },
        { field: 'plan.venue.candidateMerchants.0', message: expect.stringContaining('"email"') },
      ]),
    );
    await expectNothingStarted(cycleId, fullContact);
    expect(h.mailbox.messages().filter((m) => m.to.includes('attacker@evil.example'))).toEqual([]);
  });

  test('an unknown merchant, a merchant with no venue on record and a venue of another merchant are each refused naming the candidate and the id, and nothing starts', async () => {
    const known = await seedMerchant(h.db, { id: unique('m'), email: `${unique('known')}@example.test` });
    const other = await seedMerchant(h.db, { id: unique('m'), email: `${unique('other')}@example.test` });
    const venueless = unique('m-novenue');
    await h.db.insertInto('merchants').values({ id: venueless, name: '无场地商户', email: `${venueless}@example.test`, locale: 'zh-CN' }).execute();
    const unknown = unique('m-unknown');
    const cycleId = await seedCycle(h.db, unique('cycle'));
    const plan = communityPlan(unique('未知商户'), {
      venue: {
        kind: 'merchant',
        hours: 2,
        candidateMerchants: [{ merchantId: known.id }, { merchantId: unknown }, { merchantId: venueless }, { merchantId: known.id, venueId: other.venueId }],
      },
    });
    const res = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId, plan } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('InvalidInput');
    expect(res.body.error.details).toEqual([
      { field: 'plan.venue.candidateMerchants.1', message: expect.stringContaining(`no merchant ${unknown} in the directory`) },
      { field: 'plan.venue.candidateMerchants.2', message: expect.stringContaining(`merchant ${venueless} has no venue on record`) },
      { field: 'plan.venue.candidateMerchants.3', message: expect.stringContaining(`merchant ${known.id} is named more than once`) },
    ]);
    await expectNothingStarted(cycleId, plan);

    const foreignVenue = communityPlan(unique('别家场地'), {
      venue: { kind: 'merchant', hours: 2, candidateMerchants: [{ merchantId: known.id, venueId: other.venueId }] },
    });
    const refused = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId, plan: foreignVenue } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      { field: 'plan.venue.candidateMerchants.0', message: expect.stringContaining(`merchant ${known.id} has no venue ${other.venueId} on record`) },
    ]);
    await expectNothingStarted(cycleId, foreignVenue);
  });

  test('no start body can give a staff member’s address: the people are refused by name, and nothing starts', async () => {
    const cycleId = await seedCycle(h.db, unique('cycle'));
    const plan = communityPlan(unique('员工地址'));
    const res = await api(h.baseUrl, 'POST', '/api/activities', {
      who: 'pm',
      body: { cycleId, plan, people: { gridWorker: { id: 'gw-east', name: '李网格', email: 'attacker@evil.example' } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: '(body)', message: expect.stringContaining('"people"') }]);
    await expectNothingStarted(cycleId, plan);
  });

  test('a revised plan names merchants by directory id too: an unknown one changes nothing, a known one is asked at the address on record', async () => {
    const title = unique('家庭日');
    const started = await api(h.baseUrl, 'POST', '/api/activities', { who: 'pm', body: { cycleId: await seedCycle(h.db, unique('cycle')), plan: communityPlan(title) } });
    expect(started.status).toBe(201);
    const { activityId } = started.body as { activityId: string };
    await untilStage(activityId, 'approval');
    const before = await status(activityId);

    const unknown = unique('m-unknown');
    const refused = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/plan`, {
      who: 'pm',
      body: { plan: communityPlan(title, { venue: { kind: 'merchant', hours: 2, candidateMerchants: [{ merchantId: unknown }] } }) },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ field: 'plan.venue.candidateMerchants.0', message: expect.stringContaining(unknown) }]);
    const withEmail = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/plan`, {
      who: 'pm',
      body: { plan: communityPlan(title, { venue: { kind: 'merchant', hours: 2, candidateMerchants: [{ merchantId: unknown, email: 'attacker@evil.example' } as never] } }) },
    });
    expect(withEmail.status).toBe(400);
    expect(withEmail.body.error.details).toEqual([{ field: 'plan.venue.candidateMerchants.0', message: expect.stringContaining('"email"') }]);
    const unchanged = await status(activityId);
    expect(unchanged.planVersion).toBe(before.planVersion);
    expect(unchanged.plan).toEqual(before.plan);

    const merchant = await seedMerchant(h.db, { id: unique('m'), email: `${unique('books')}@example.test`, name: '西西弗书店', venueName: '书店活动区' });
    const revised = await api(h.baseUrl, 'POST', `/api/activities/${activityId}/plan`, { who: 'pm', body: { plan: merchantPlan(title, merchant) } });
    expect(revised.status).toBe(200);
    expect(revised.body.plan.venue.candidateMerchants).toEqual([{ id: merchant.id, name: '西西弗书店', locale: 'zh-CN', venueName: '书店活动区' }]);
    const venueMail = await mailTo(h.mailbox, merchant.email, title);
    expect(claimsOf(linkIn(venueMail))).toMatchObject({ step: 'venueRequest', rcp: `merchant:${merchant.id}` });
  });
});
