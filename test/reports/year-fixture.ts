/**
 * A year of records for the year report's page and browser tests, written through the real
 * services into an app harness's database (its compounds c-east and c-west and its families
 * fam-east-1 刘家 (3), fam-east-2 孙家 (2), fam-west-1 吴家 (4)): two overlapping cycles of `year`,
 * three held activities, two merchants (one lending the same venue twice), two sponsorships, a
 * professional and an ordinary volunteer, and two redemptions. `YEAR_FIGURES` is what the report
 * must say.
 */
import type { Kysely } from 'kysely';
import { CheckIns } from '../../db/services/checkin';
import { Cycles } from '../../db/services/cycles';
import { Ledger } from '../../db/services/ledger';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import type { ActivitySummary } from '../../domain/activity';

const HOUR = 3_600_000;
const at = (beijing: string) => new Date(`${beijing}+08:00`);

/** The headline figures of the seeded year. */
export const YEAR_FIGURES = {
  held: 3,
  participants: [6, 9, 2],
  averageParticipants: 5.7,
  familiesRewarded: 3,
  merchants: 2,
  venues: 2,
  venueHours: 9,
  sponsorshipCny: 800.5,
  volunteerPersonTimes: 3,
  volunteerHours: 5.5,
  professionalPersonTimes: 2,
  pointsRedeemed: 10,
} as const;

export const YEAR_ACTIVITY_TITLES = ['邻里节·亲子运动会', '幸福家庭日·心理减压工作坊', '楼道美化·共创美好家园'] as const;

export async function seedYear(db: Kysely<Database>, year: number): Promise<void> {
  await db
    .insertInto('volunteers')
    .values([
      { id: 'yr-vp', name: '何老师', email: 'yr-vp@example.test', locale: 'zh-CN', compound_id: 'c-east', qr_token: 'yr-q-vp', profession: '家庭教育指导师' },
      { id: 'yr-vn', name: '周志愿', email: 'yr-vn@example.test', locale: 'zh-CN', compound_id: 'c-east', qr_token: 'yr-q-vn' },
    ])
    .execute();
  await db
    .insertInto('merchants')
    .values([
      { id: 'yr-m1', name: '万达广场', email: 'yr-m1@example.test', locale: 'zh-CN' },
      { id: 'yr-m2', name: '西西弗书店', email: 'yr-m2@example.test', locale: 'zh-CN' },
    ])
    .execute();
  const cycle = (cycleId: string, name: string, from: string, to: string) => ({
    cycleId,
    name,
    periodStart: at(`${year}-${from}T00:00:00`).toISOString(),
    periodEnd: at(`${year}-${to}T23:59:59`).toISOString(),
    compounds: ['c-east', 'c-west'],
    coordinator: { id: 'co-1' },
    supervisor: { id: 'su-1' },
    milestones: [],
  });
  await new Cycles(db).ensure(cycle('yr-a', `${year} 第一期孵化周期`, '01-01', '06-30'));
  await new Cycles(db).ensure(cycle('yr-b', `${year} 第二期孵化周期`, '04-01', '09-30'));

  const held = async (activityId: string, cycleId: string, title: string, startsAt: string, families: string[], volunteers: Record<string, number>, venue: ActivitySummary['venue']) => {
    const start = at(`${year}-${startsAt}`).getTime();
    const closesAt = start + 3 * HOUR;
    const store = new SqlActivityStore(db, { now: () => new Date(closesAt) });
    const iso = (ms: number) => new Date(ms).toISOString();
    await store.upsertActivity({ activityId, cycleId, compound: 'c-east', title, startsAt: iso(start), endsAt: iso(start + 2 * HOUR), capacity: 80, stage: 'attendance' });
    await store.openAttendance(activityId, { opensAt: iso(start), closesAt: iso(closesAt) });
    for (const f of families) await new CheckIns(db, { now: () => new Date(start) }).checkIn({ activityId, personKind: 'family', personId: f, method: 'qr' });
    for (const [v, hours] of Object.entries(volunteers)) {
      await new CheckIns(db, { now: () => new Date(closesAt - hours * HOUR) }).checkIn({ activityId, personKind: 'volunteer', personId: v, method: 'staff' });
    }
    const tally = await store.closeAttendance(activityId);
    const award = await store.awardActivityPoints(activityId, { attendance: 10, perVolunteerHour: 6, familyLearning: 0 });
    await store.saveActivitySummary({
      activityId,
      cycleId,
      compound: 'c-east',
      title,
      theme: '邻里节',
      startsAt: iso(start),
      endsAt: iso(start + 2 * HOUR),
      outcome: 'completed',
      tally,
      pointsAwarded: award.pointsAwarded,
      venueHours: venue?.hours ?? 0,
      ...(venue ? { venue } : {}),
      approvalRounds: 1,
      feedback: null,
      decisions: [],
    });
  };
  const [t1, t2, t3] = YEAR_ACTIVITY_TITLES;
  await held('yr-a1', 'yr-a', t1, '02-15T10:00:00', ['fam-east-1', 'fam-east-2'], { 'yr-vp': 2 }, { venueName: '万达三楼', merchantId: 'yr-m1', hours: 3, source: 'merchant' });
  await held('yr-a2', 'yr-b', t2, '05-10T10:00:00', ['fam-east-1', 'fam-west-1'], { 'yr-vp': 1.5, 'yr-vn': 2 }, { venueName: '万达三楼', merchantId: 'yr-m1', hours: 4, source: 'merchant' });
  await held('yr-a3', 'yr-a', t3, '05-20T10:00:00', ['fam-east-2'], {}, { venueName: '书店活动区', merchantId: 'yr-m2', hours: 2, source: 'coordinator' });

  await new Cycles(db, { now: () => at(`${year}-03-01T09:00:00`) }).recordSponsorship({ id: 'yr-sp-a', cycleId: 'yr-a', merchantId: 'yr-m1', amountCny: 500, recordedBy: 'co-1' });
  await new Cycles(db, { now: () => at(`${year}-06-01T09:00:00`) }).recordSponsorship({ id: 'yr-sp-b', cycleId: 'yr-b', merchantId: 'yr-m1', amountCny: 300.5, recordedBy: 'co-1' });

  const reward = await new Ledger(db).createReward({ name: '借阅券', kind: 'education', price: 5, stock: 10 });
  await new Ledger(db, { now: () => at(`${year}-05-15T12:00:00`) }).redeem('fam-east-1', reward.id, 'yr-redeem-1');
  await new Ledger(db, { now: () => at(`${year}-06-10T12:00:00`) }).redeem('fam-east-2', reward.id, 'yr-redeem-2');
}
