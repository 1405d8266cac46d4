/**
 * Cycle report growth: the report of a cycle with 600 and with 2,400 families (each family checked
 * in at 4 of 10 held activities, an award per check-in, a redemption per family), computed on a
 * fresh SQLite database in a temp dir. The figure is the growth per doubling of the families,
 * (t2400 / t600)^(1/2): linear work gives about 2, the old quadratic report gave about 6.
 * Target ≤ 2.3. Both cycles are in one database; each size is timed as the best of 5 runs,
 * interleaved, after one unmeasured warm-up.
 *
 * Run alone with `npx tsx bench/cycle-report.ts`; `npm run bench` runs it after the bursts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { createDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { Cycles } from '../db/services/cycles';
import type { Database } from '../db/types';
import { computeCycleReport } from '../reports/cycle-report';

const SIZES = [600, 2_400] as const;
const ACTIVITIES = 10;
const PER_FAMILY = 4;
const TARGET_GROWTH_PER_DOUBLING = 2.3;
const HOUR = 3_600_000;
const RUNS = 5;

export interface CycleReportBench {
  timesMs: Record<number, number>;
  growthPerDoubling: number;
  ok: boolean;
}

async function insertChunked(db: Kysely<Database>, table: 'families' | 'activities' | 'check_ins' | 'points_entries', rows: readonly object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto(table)
      .values(rows.slice(i, i + 500) as never)
      .execute();
  }
}

/** One cycle of `families` families; returns its id. */
async function seedCycle(db: Kysely<Database>, families: number): Promise<string> {
  const cycleId = `bench-cycle-${families}`;
  const now = Date.now();
  const at = new Date(now - 6 * HOUR).toISOString();
  await new Cycles(db).ensure({
    cycleId,
    name: `压测周期 ${families}`,
    periodStart: new Date(now - 10 * HOUR).toISOString(),
    periodEnd: new Date(now + HOUR).toISOString(),
    compounds: ['bench-compound'],
    coordinator: { id: 'bench-co' },
    supervisor: { id: 'bench-su' },
    milestones: [],
  });
  const familyIds = Array.from({ length: families }, (_, i) => `${cycleId}-f${i}`);
  const activityIds = Array.from({ length: ACTIVITIES }, (_, i) => `${cycleId}-a${i}`);
  await insertChunked(
    db,
    'families',
    familyIds.map((id) => ({ id, compound_id: 'bench-compound', name: id, email: `${id}@bench.example`, locale: 'zh-CN', members: 3, qr_token: `qr-${id}` })),
  );
  await insertChunked(
    db,
    'activities',
    activityIds.map((id) => ({
      id,
      cycle_id: cycleId,
      compound_id: 'bench-compound',
      title: id,
      starts_at: at,
      ends_at: at,
      capacity: families,
      stage: 'completed',
      attendance_state: 'closed',
      attendance_opens_at: at,
      attendance_closes_at: at,
      attendance_closed_at: at,
      tally_json: null,
      updated_at: at,
    })),
  );
  for (const id of activityIds) {
    const summary = { activityId: id, cycleId, compound: 'bench-compound', title: id, theme: '压测', startsAt: at, endsAt: at, outcome: 'completed', approvalRounds: 1, feedback: null, decisions: [] };
    await db
      .insertInto('activity_summaries')
      .values({ activity_id: id, cycle_id: cycleId, compound_id: 'bench-compound', outcome: 'completed', starts_at: at, summary_json: JSON.stringify(summary), recorded_at: at })
      .execute();
  }
  const checkIns = familyIds.flatMap((familyId, i) =>
    Array.from({ length: PER_FAMILY }, (_, k) => ({
      id: `${familyId}-c${k}`,
      activity_id: activityIds[(i + k) % ACTIVITIES] as string,
      person_kind: 'family',
      person_id: familyId,
      members: 3,
      method: 'qr',
      nonce: null,
      checked_in_at: at,
      checked_out_at: null,
    })),
  );
  await insertChunked(db, 'check_ins', checkIns);
  const entry = (id: string, holder: string, kind: 'award' | 'redemption', amount: number, activityId: string | null) => ({
    id,
    holder_kind: 'family',
    holder_id: holder,
    kind,
    amount,
    activity_id: activityId,
    rule: null,
    idempotency_key: id,
    reverses_entry_id: null,
    earned_at: at,
    expires_at: null,
    created_at: at,
    note: '',
  });
  await insertChunked(db, 'points_entries', [
    ...checkIns.map((c) => entry(`pe-${c.id}`, c.person_id, 'award', 15, c.activity_id)),
    ...familyIds.map((id) => entry(`pr-${id}`, id, 'redemption', -10, null)),
  ]);
  return cycleId;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export async function benchCycleReport(log: (line: string) => void = console.log): Promise<CycleReportBench> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-bench-report-'));
  const db = createDatabase({ sqlitePath: path.join(dir, 'bench.sqlite') });
  try {
    await migrateToLatest(db);
    await db.insertInto('compounds').values({ id: 'bench-compound', name: '压测小区' }).execute();
    const cycles = new Map<number, string>();
    for (const families of SIZES) cycles.set(families, await seedCycle(db, families));
    for (const cycleId of cycles.values()) await computeCycleReport(db, cycleId); // warm-up
    // Interleaved, best of each: a busy machine slows both sizes alike instead of one.
    const timesMs: Record<number, number> = {};
    for (let run = 0; run < RUNS; run++) {
      for (const [families, cycleId] of cycles) {
        timesMs[families] = Math.min(timesMs[families] ?? Infinity, await timed(() => computeCycleReport(db, cycleId)));
      }
    }
    for (const families of SIZES) log(`  cycle report, ${families} families: ${(timesMs[families] as number).toFixed(0)} ms`);
    const doublings = Math.log2(SIZES[1] / SIZES[0]);
    const growthPerDoubling = ((timesMs[SIZES[1]] as number) / (timesMs[SIZES[0]] as number)) ** (1 / doublings);
    const ok = growthPerDoubling <= TARGET_GROWTH_PER_DOUBLING;
    log(`  growth per doubling: ${growthPerDoubling.toFixed(2)}× (target ≤ ${TARGET_GROWTH_PER_DOUBLING}) ${ok ? 'PASS' : 'FAIL'}`);
    return { timesMs, growthPerDoubling, ok };
  } finally {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchCycleReport().then(
    (r) => process.exit(r.ok ? 0 : 1),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
