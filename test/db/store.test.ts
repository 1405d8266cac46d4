import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { migrateToLatest } from '../../db/migrate';
import { CheckIns } from '../../db/services/checkin';
import { Ledger } from '../../db/services/ledger';
import { Registrations } from '../../db/services/registration';
import { SqlActivityStore } from '../../db/store';
import { seedWorld } from './fixtures';
import { DIALECTS, TestClock, uniq, useTestDatabase } from './harness';

/** Throws (like a process dying mid-transaction) on the n-th INSERT into `table`. */
class FailOnNthInsert implements KyselyPlugin {
  private seen = 0;
  constructor(
    private readonly table: string,
    private readonly n: number,
  ) {}
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === this.table) {
      this.seen += 1;
      if (this.seen === this.n) throw new Error('simulated crash');
    }
    return node;
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

const RULES = { attendance: 10, perVolunteerHour: 5, familyLearning: 3 };

describe.each(DIALECTS)('SqlActivityStore on %s', (dialect) => {
  const t = useTestDatabase(dialect);

  it('migrating again is a no-op', async () => {
    const results = await migrateToLatest(t.db);
    expect(results).toEqual([]);
  });

  describe('email outbox', () => {
    it('a claim holds its row until its lease ends: another claimant gets "held", the holder or anyone after the lease "send", everyone after the mark "alreadySent"', async () => {
      const store = new SqlActivityStore(t.db);
      const key = uniq('mail');
      const meta = { activityId: 'a1', purpose: 'reminder', recipientKey: 'family:F1' };
      const soon = new Date(Date.now() + 60_000).toISOString();
      expect(await store.claimEmail(key, meta, { owner: 'A', leaseUntil: soon })).toEqual({ outcome: 'send' });
      // Another sender while A's lease is live: A may still be sending.
      expect(await store.claimEmail(key, meta, { owner: 'B', leaseUntil: soon })).toEqual({ outcome: 'held' });
      expect(await store.claimEmail(key, meta, { owner: 'A', leaseUntil: soon })).toEqual({ outcome: 'send' });
      // A's lease lapses (A crashed): B may send.
      await t.db.updateTable('email_outbox').set({ lease_until: new Date(Date.now() - 1_000).toISOString() }).where('key', '=', key).execute();
      expect(await store.claimEmail(key, meta, { owner: 'B', leaseUntil: soon })).toEqual({ outcome: 'send' });
      expect((await t.db.selectFrom('email_outbox').select('claimed_by').where('key', '=', key).executeTakeFirstOrThrow()).claimed_by).toBe('B');
      await store.markEmailSent(key, '<m1@example.com>');
      expect(await store.claimEmail(key, meta, { owner: 'C', leaseUntil: soon })).toEqual({ outcome: 'alreadySent' });
      // Marking again keeps the first message id.
      await store.markEmailSent(key, '<m2@example.com>');
      const row = await t.db.selectFrom('email_outbox').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'sent', message_id: '<m1@example.com>', purpose: 'reminder', recipient_key: 'family:F1' });
      expect(row.sent_at).toEqual(expect.any(String));
      expect(await t.db.selectFrom('email_outbox').select('key').where('key', '=', key).execute()).toHaveLength(1);
    });

    it('concurrent claims of one email by twenty senders create one row and give exactly one "send"', async () => {
      const store = new SqlActivityStore(t.db);
      const key = uniq('mail');
      const soon = new Date(Date.now() + 60_000).toISOString();
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.claimEmail(key, { activityId: 'a1', purpose: 'reminder', recipientKey: 'x' }, { owner: `s${i}`, leaseUntil: soon })),
      );
      expect(claims.filter((c) => c.outcome === 'send')).toHaveLength(1);
      expect(claims.filter((c) => c.outcome === 'held')).toHaveLength(19);
      expect(await t.db.selectFrom('email_outbox').select('key').where('key', '=', key).execute()).toHaveLength(1);
    });

    it('refuses to mark an email that was never claimed', async () => {
      await expect(new SqlActivityStore(t.db).markEmailSent(uniq('nope'), 'id')).rejects.toThrow(/never claimed/);
    });
  });

  describe('recipients', () => {
    it('listRegistrants returns registered families and signed-up volunteers, not the waitlist or the cancelled', async () => {
      const w = await seedWorld(t.db, { families: 4, volunteers: 2, capacity: 4 });
      const reg = new Registrations(t.db);
      const [f0, f1, f2, f3] = w.families as [string, string, string, string];
      expect(await reg.register(w.activityId, f0, 2)).toBe('registered');
      expect(await reg.register(w.activityId, f1, 2)).toBe('registered');
      expect(await reg.register(w.activityId, f2, 2)).toBe('waitlisted');
      expect(await reg.register(w.activityId, f3, 1)).toBe('waitlisted');
      await reg.signUpVolunteer(w.activityId, w.volunteers[0] as string);
      const store = new SqlActivityStore(t.db);
      const keys = (await store.listRegistrants(w.activityId)).map((r) => r.key);
      expect(keys).toEqual([`family:${f0}`, `family:${f1}`, `volunteer:${w.volunteers[0]}`]);
      const [first] = await store.listRegistrants(w.activityId);
      expect(first).toEqual({ key: `family:${f0}`, name: '家庭 0', email: 'f0@example.com', locale: 'zh-CN' });

      await reg.cancel(w.activityId, f0); // f2 (2 members) is promoted
      expect((await store.listRegistrants(w.activityId)).map((r) => r.key)).toEqual([
        `family:${f1}`,
        `family:${f2}`,
        `volunteer:${w.volunteers[0]}`,
      ]);
    });

    it('listCompoundFamilies returns the families of that compound only', async () => {
      const a = await seedWorld(t.db, { families: 2 });
      await seedWorld(t.db, { families: 3 });
      const list = await new SqlActivityStore(t.db).listCompoundFamilies(a.compoundId);
      expect(list.map((r) => r.key)).toEqual(a.families.map((f) => `family:${f}`));
    });
  });

  describe('attendance', () => {
    it('closeAttendance counts members and volunteer hours, stores the tally, and a repeat returns it unchanged', async () => {
      const clock = new TestClock('2025-05-10T00:30:00.000Z');
      const w = await seedWorld(t.db, { families: 3, volunteers: 2 });
      const store = new SqlActivityStore(t.db, { now: clock.now });
      const checkIns = new CheckIns(t.db, { now: clock.now });
      const window = { opensAt: '2025-05-10T08:30:00+08:00', closesAt: '2025-05-10T12:30:00+08:00' };
      await store.openAttendance(w.activityId, window);
      await store.openAttendance(w.activityId, window); // idempotent

      const [f0, f1] = w.families as [string, string];
      const [v0, v1] = w.volunteers as [string, string];
      await checkIns.checkIn({ activityId: w.activityId, personKind: 'volunteer', personId: v0, method: 'qr' }); // 00:30Z
      clock.advance(30 * 60_000); // 01:00Z
      await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: f0, method: 'qr', members: 3 });
      await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: f1, method: 'link' }); // family size: 2
      await checkIns.checkIn({ activityId: w.activityId, personKind: 'volunteer', personId: v1, method: 'staff' }); // 01:00Z
      clock.advance(2 * 3600_000); // 03:00Z
      await checkIns.checkOut(w.activityId, v1); // v1: 2 h
      clock.set('2025-05-10T05:00:00.000Z'); // past the window's close (04:30Z): v0 counts to 04:30 = 4 h

      const tally = await store.closeAttendance(w.activityId);
      expect(tally).toEqual({ participants: 3 + 2 + 2, families: 2, volunteers: 2, volunteerHours: 6 });

      // Once closed, check-in is refused and a repeat close answers the stored tally.
      await expect(
        checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: w.families[2] as string, method: 'qr' }),
      ).rejects.toMatchObject({ code: 'ATTENDANCE_NOT_OPEN' });
      clock.advance(3600_000);
      expect(await store.closeAttendance(w.activityId)).toEqual(tally);
      await store.openAttendance(w.activityId, window); // never reopens
      const row = await t.db.selectFrom('activities').selectAll().where('id', '=', w.activityId).executeTakeFirstOrThrow();
      expect(row.attendance_state).toBe('closed');
      expect(JSON.parse(row.tally_json ?? 'null')).toEqual(tally);
    });

    it('rounds volunteer hours to 0.1', async () => {
      const clock = new TestClock('2025-05-10T01:00:00.000Z');
      const w = await seedWorld(t.db, { families: 0, volunteers: 1 });
      const store = new SqlActivityStore(t.db, { now: clock.now });
      await store.openAttendance(w.activityId, { opensAt: '2025-05-10T00:30:00Z', closesAt: '2025-05-10T04:30:00Z' });
      await new CheckIns(t.db, { now: clock.now }).checkIn({ activityId: w.activityId, personKind: 'volunteer', personId: w.volunteers[0] as string, method: 'qr' });
      clock.advance(80 * 60_000); // 1 h 20 min = 1.333… h
      await new CheckIns(t.db, { now: clock.now }).checkOut(w.activityId, w.volunteers[0] as string);
      expect(await store.closeAttendance(w.activityId)).toMatchObject({ volunteers: 1, volunteerHours: 1.3, participants: 1 });
    });
  });

  describe('points award', () => {
    async function attendedActivity(clock: TestClock) {
      const w = await seedWorld(t.db, { families: 3, volunteers: 2 });
      const store = new SqlActivityStore(t.db, { now: clock.now });
      const checkIns = new CheckIns(t.db, { now: clock.now });
      await store.openAttendance(w.activityId, { opensAt: '2025-05-10T00:30:00Z', closesAt: '2025-05-10T04:30:00Z' });
      for (const f of w.families.slice(0, 2)) await checkIns.checkIn({ activityId: w.activityId, personKind: 'family', personId: f, method: 'qr' });
      await checkIns.checkIn({ activityId: w.activityId, personKind: 'volunteer', personId: w.volunteers[0] as string, method: 'qr' });
      clock.advance(150 * 60_000); // 2.5 h of service → floor(2.5 × 5) = 12 points
      await checkIns.checkOut(w.activityId, w.volunteers[0] as string);
      clock.set('2025-05-10T06:00:00.000Z');
      await store.closeAttendance(w.activityId);
      return { w, store };
    }

    it('an award retried after a crash between writing and acknowledging leaves exactly one set of entries', async () => {
      const clock = new TestClock('2025-05-10T01:00:00.000Z');
      const { w, store } = await attendedActivity(clock);
      const [f0, f1] = w.families as [string, string];

      const first = await store.awardActivityPoints(w.activityId, RULES);
      // The worker "crashed" before reporting completion: Temporal runs the activity again, here
      // twice more and concurrently with another retry, on a fresh store instance.
      const retries = await Promise.all([
        new SqlActivityStore(t.db, { now: clock.now }).awardActivityPoints(w.activityId, RULES),
        new SqlActivityStore(t.db, { now: clock.now }).awardActivityPoints(w.activityId, RULES),
      ]);

      expect(first.pointsAwarded).toBe(2 * (10 + 3) + 12);
      expect(first.familiesAwarded).toBe(2);
      expect(first.volunteersAwarded).toBe(1);
      expect(first.balances).toEqual([
        { recipient: { key: `family:${f0}`, name: '家庭 0', email: 'f0@example.com', locale: 'zh-CN' }, earned: 13, balance: 13 },
        { recipient: { key: `family:${f1}`, name: '家庭 1', email: 'f1@example.com', locale: 'zh-CN' }, earned: 13, balance: 13 },
      ]);
      for (const r of retries) expect(r).toEqual(first);

      const entries = await t.db.selectFrom('points_entries').selectAll().where('activity_id', '=', w.activityId).orderBy('idempotency_key').execute();
      expect(entries.map((e) => [e.idempotency_key, e.amount])).toEqual([
        [`award:${w.activityId}:family:${f0}:attendance`, 10],
        [`award:${w.activityId}:family:${f0}:familyLearning`, 3],
        [`award:${w.activityId}:family:${f1}:attendance`, 10],
        [`award:${w.activityId}:family:${f1}:familyLearning`, 3],
        [`award:${w.activityId}:volunteer:${w.volunteers[0]}:volunteerHours`, 12],
      ]);
      expect(new Set(entries.map((e) => e.earned_at))).toEqual(new Set(['2025-05-10T04:00:00.000Z'])); // the activity's end
      expect(entries.every((e) => e.expires_at === '2026-12-31T16:00:00.000Z')).toBe(true); // end of 2026, UTC+8
      expect(await new Ledger(t.db).balance({ kind: 'family', id: f0 })).toBe(13);
    });

    it('a crash inside the award transaction writes nothing, and the retry writes the full set once', async () => {
      const clock = new TestClock('2025-05-10T01:00:00.000Z');
      const { w, store } = await attendedActivity(clock);
      // The process dies while writing the third entry: the transaction is rolled back.
      const crashing = new SqlActivityStore(t.db.withPlugin(new FailOnNthInsert('points_entries', 3)), { now: clock.now });
      await expect(crashing.awardActivityPoints(w.activityId, RULES)).rejects.toThrow(/simulated crash/);
      expect(await t.db.selectFrom('points_entries').select('id').where('activity_id', '=', w.activityId).execute()).toHaveLength(0);

      const result = await store.awardActivityPoints(w.activityId, RULES);
      expect(result.pointsAwarded).toBe(2 * 13 + 12);
      expect(await store.awardActivityPoints(w.activityId, RULES)).toEqual(result);
      expect(await t.db.selectFrom('points_entries').select('id').where('activity_id', '=', w.activityId).execute()).toHaveLength(5);
    });

    it('refuses to award before attendance is closed', async () => {
      const w = await seedWorld(t.db);
      await expect(new SqlActivityStore(t.db).awardActivityPoints(w.activityId, RULES)).rejects.toThrow(/attendance must be closed/);
    });

    it('caps what a family can earn in a calendar month, and a repeat reports the capped figures', async () => {
      const clock = new TestClock('2025-05-10T01:00:00.000Z');
      const { w } = await attendedActivity(clock);
      const [f0] = w.families as [string];
      const policy = { earningCap: { period: 'month' as const, max: 20 } };
      const ledger = new Ledger(t.db, { policy, now: clock.now });
      await ledger.award({ holder: { kind: 'family', id: f0 }, amount: 15, idempotencyKey: uniq('manual'), earnedAt: '2025-05-02T10:00:00+08:00' });
      // An award earned in April does not count towards May.
      await ledger.award({ holder: { kind: 'family', id: f0 }, amount: 15, idempotencyKey: uniq('manual'), earnedAt: '2025-04-30T23:00:00+08:00' });
      const store = new SqlActivityStore(t.db, { ledgerPolicy: policy, now: clock.now });
      const result = await store.awardActivityPoints(w.activityId, RULES);
      const f0Award = result.balances.find((b) => b.recipient.key === `family:${f0}`);
      expect(f0Award).toEqual(expect.objectContaining({ earned: 5, balance: 35 })); // 20 - 15 left in May: 5 of 10, then 0 of 3
      expect(result.pointsAwarded).toBe(5 + 13 + 12);
      expect(await store.awardActivityPoints(w.activityId, RULES)).toEqual(result);
      const capped = await t.db.selectFrom('points_entries').selectAll().where('idempotency_key', '=', `award:${w.activityId}:family:${f0}:familyLearning`).executeTakeFirstOrThrow();
      expect(capped.amount).toBe(0);
      expect(capped.note).toMatch(/capped from 3 to 0/);
    });
  });

  it('upsertActivity refreshes the plan fields but keeps the attendance state', async () => {
    const w = await seedWorld(t.db);
    const store = new SqlActivityStore(t.db);
    await store.openAttendance(w.activityId, { opensAt: '2025-05-10T00:30:00Z', closesAt: '2025-05-10T04:30:00Z' });
    await store.upsertActivity({
      activityId: w.activityId,
      cycleId: 'c2',
      compound: w.compoundId,
      title: '新标题',
      startsAt: '2025-05-11T09:00:00+08:00',
      endsAt: '2025-05-11T12:00:00+08:00',
      capacity: 50,
      stage: 'attendance',
    });
    const row = await t.db.selectFrom('activities').selectAll().where('id', '=', w.activityId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ title: '新标题', starts_at: '2025-05-11T01:00:00.000Z', capacity: 50, stage: 'attendance', attendance_state: 'open' });
  });
});
