/**
 * The outbox's batch claim (SqlActivityStore.claimEmails), the statement that keeps a fan-out
 * exactly-once when a retry runs beside an earlier attempt that is still sending.
 */
import { SqlActivityStore } from '../../db/store';
import { DIALECTS, TestClock, uniq, useTestDatabase } from './harness';

describe.each(DIALECTS)('outbox batch claims on %s', (dialect) => {
  const t = useTestDatabase(dialect);

  function batch(size: number) {
    const scope = uniq('fan');
    return Array.from({ length: size }, (_, i) => ({ key: `${scope}:${i}`, activityId: scope, purpose: 'registrationOpen', recipientKey: `family:${scope}-${i}` }));
  }

  const rows = (keys: string[]) => t.db.selectFrom('email_outbox').selectAll().where('key', 'in', keys).orderBy('key').execute();

  it('a second attempt gets none of the rows a live attempt holds; the holder gets them again', async () => {
    const clock = new TestClock('2026-12-01T08:00:00.000Z');
    const store = new SqlActivityStore(t.db, { now: clock.now });
    const emails = batch(5);
    const keys = emails.map((e) => e.key);
    const leaseUntil = '2026-12-01T08:02:00.000Z';

    expect(await store.claimEmails(emails, { owner: 'wf/1#1', leaseUntil })).toEqual({ claimed: keys, sent: [], held: [] });
    await store.markEmailSent(keys[0]!, '<m0@example.test>');

    clock.advance(60_000); // the lease still holds
    expect(await store.claimEmails(emails, { owner: 'wf/1#2', leaseUntil: '2026-12-01T08:05:00.000Z' })).toEqual({
      claimed: [],
      sent: [{ key: keys[0], owner: 'wf/1#1' }],
      held: keys.slice(1).map((key) => ({ key, leaseUntil })),
    });
    expect((await rows(keys)).map((r) => r.claimed_by)).toEqual(Array(5).fill('wf/1#1'));
    // The holder re-claiming its own rows (a resumed batch) gets every unsent one.
    expect((await store.claimEmails(emails, { owner: 'wf/1#1', leaseUntil })).claimed).toEqual(keys.slice(1));
  });

  it('a lapsed lease may be taken again, with the new lease; a sent row never', async () => {
    const clock = new TestClock('2026-12-01T08:00:00.000Z');
    const store = new SqlActivityStore(t.db, { now: clock.now });
    const emails = batch(3);
    const keys = emails.map((e) => e.key);
    await store.claimEmails(emails, { owner: 'a#1', leaseUntil: '2026-12-01T08:01:00.000Z' });
    await store.markEmailSent(keys[2]!, '<m2@example.test>');

    clock.set('2026-12-01T08:01:00.000Z');
    const second = await store.claimEmails(emails, { owner: 'a#2', leaseUntil: '2026-12-01T08:09:00.000Z' });
    expect(second).toEqual({ claimed: keys.slice(0, 2), sent: [{ key: keys[2], owner: 'a#1' }], held: [] });
    expect((await rows(keys)).map((r) => [r.claimed_by, r.lease_until, r.status, r.message_id])).toEqual([
      ['a#2', '2026-12-01T08:09:00.000Z', 'pending', null],
      ['a#2', '2026-12-01T08:09:00.000Z', 'pending', null],
      ['a#1', '2026-12-01T08:01:00.000Z', 'sent', '<m2@example.test>'],
    ]);
  });

  it('claims racing for one batch each get a disjoint share, and together every row once', async () => {
    const store = new SqlActivityStore(t.db);
    const emails = batch(200);
    const leaseUntil = new Date(Date.now() + 60_000).toISOString();
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => store.claimEmails(emails, { owner: `race#${i}`, leaseUntil })));
    const claimed = claims.flatMap((c) => c.claimed);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual(emails.map((e) => e.key).sort());
    for (const c of claims) expect(c.claimed.length + c.held.length).toBe(200);
    expect(await rows(emails.map((e) => e.key))).toHaveLength(200);
  });

  it('a released claim is free for the next attempt at once; sent rows stay with their sender', async () => {
    const store = new SqlActivityStore(t.db);
    const emails = batch(4);
    const keys = emails.map((e) => e.key);
    const leaseUntil = new Date(Date.now() + 600_000).toISOString();
    await store.claimEmails(emails, { owner: 'r#1', leaseUntil });
    await store.markEmailSent(keys[0]!, '<r0@example.test>');
    await store.releaseEmails('r#1');
    expect((await rows(keys)).map((r) => r.claimed_by)).toEqual(['r#1', null, null, null]);
    const next = await store.claimEmails(emails, { owner: 'r#2', leaseUntil });
    expect(next).toEqual({ claimed: keys.slice(1), sent: [{ key: keys[0], owner: 'r#1' }], held: [] });
  });
});
