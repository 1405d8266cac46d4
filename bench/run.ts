/**
 * `npm run bench` (`-- --quick` for smaller sizes; `-- --only dashboard` for one part: checkins,
 * dashboard, fanout, memory or report): the product under load over real HTTP, with
 * its invariants checked in the database afterwards, and issue 13's targets, each measured
 * beside a bare baseline in the same run and printed with its ratio and PASS/FAIL:
 *
 *   (a) check-in burst: 500 families check in by QR over 50 concurrent connections to an activity
 *       whose window is open; then 100 repeats (half retries with the same nonce, half new scans).
 *       Verifies exactly one check-in per family. Baseline: the same burst against a minimal
 *       Express server (bench/minimal-server.ts) doing the essential work on the same database;
 *       five bursts of each, taking turns, best against best (a burst is half a second: one may fall in a busy moment).
 *       On SQLite, then on PostgreSQL (BENCH_DATABASE_URL, default the local test server).
 *   (b) redemption race: 200 families with enough points redeem, all at once, a reward with 50 in
 *       stock. Verifies 50 successes, the rest refused OUT_OF_STOCK, final stock 0, and that no
 *       balance went negative.
 *   (c) cycle report growth: the report at 600 and 2,400 families, per doubling ≤ 2.3 (bench/cycle-report.ts).
 *   (d) dashboard overview at 20 / 300 / 1,000 open activities (waiting for their approval): the
 *       time at the largest over the time at 20.
 *   (e) fan-out of one email to 1,000 and 2,000 families through a relay that holds each message,
 *       vs a bare nodemailer loop with the same pool; duplicates counted at the relay.
 *   (f) worker RSS per waiting themed activity vs per waiting bare workflow (bench/scale.ts).
 *
 * The product runs as `npm start` does (bench/product.ts), on free ports with a temporary
 * DATA_DIR. Exits 1 when an invariant breaks (a missed target is reported, not an exit code).
 * Never part of `npm test`: timings vary with the machine. BENCH_DEBUG=1 also lists the slowest check-ins.
 */
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { createDatabase } from '../db/database';
import { Ledger } from '../db/services/ledger';
import { SqlActivityStore } from '../db/store';
import type { Database } from '../db/types';
import { num, randomToken } from '../db/util';
import { findTemporalCli, freePort, startDevServer } from '../scripts/temporal-binaries';
import { benchCycleReport } from './cycle-report';
import { benchDashboard, benchFanOut, benchWorkerMemory, checkInRate, startMinimalServer } from './scale';
import { percentile, runLoad, type LoadResult } from './load';
import { startProduct, type RunningProduct } from './product';

const CHECKIN_FAMILIES = 500;
const CHECKIN_CONCURRENCY = 50;
const REPEATS = 100;
const REDEEM_FAMILIES = 200;
const REWARD_STOCK = 50;
const REWARD_PRICE = 10;
const STARTING_POINTS = 100;

const ACTIVITY = 'bench-activity';
/** Warm-up check-ins go to another activity, so the measured one starts empty. */
const WARMUP_ACTIVITY = 'bench-warmup';
const WARMUP_REQUESTS = 100;
const COMPOUND = 'bench-compound';
const REWARD = 'bench-reward';

const log = (line: string) => console.log(line);

interface Check {
  name: string;
  expected: string;
  actual: string;
  ok: boolean;
}

function check(name: string, expected: number | string, actual: number | string): Check {
  return { name, expected: String(expected), actual: String(actual), ok: String(expected) === String(actual) };
}

function table(title: string, rows: [string, string][]): void {
  const w = Math.max(...rows.map(([k]) => k.length));
  log(`\n${title}`);
  log(`  ${'-'.repeat(w + 22)}`);
  for (const [k, v] of rows) log(`  ${k.padEnd(w)}  ${v}`);
}

function latencyRows(result: LoadResult): [string, string][] {
  const ms = result.replies.map((r) => r.ms).sort((a, b) => a - b);
  const fmt = (n: number) => `${n.toFixed(1)} ms`;
  return [
    ['latency p50', fmt(percentile(ms, 50))],
    ['latency p99', fmt(percentile(ms, 99))],
    ['latency max', fmt(ms[ms.length - 1] ?? NaN)],
  ];
}

async function seed(db: Kysely<Database>): Promise<{ burst: { id: string; qr: string }[]; redeemers: string[] }> {
  await db.insertInto('compounds').values({ id: COMPOUND, name: '压测小区' }).execute();
  const family = (id: string) => ({ id, compound_id: COMPOUND, name: `家庭 ${id}`, email: `${id}@bench.example`, locale: 'zh-CN' as const, members: 2, qr_token: randomToken(20) });
  const burst = Array.from({ length: CHECKIN_FAMILIES }, (_, i) => family(`bench-f${String(i).padStart(4, '0')}`));
  const redeemers = Array.from({ length: REDEEM_FAMILIES }, (_, i) => family(`bench-r${String(i).padStart(4, '0')}`));
  const all = [...burst, ...redeemers];
  for (let i = 0; i < all.length; i += 100) await db.insertInto('families').values(all.slice(i, i + 100)).execute();

  // These two store calls stand in for the themed-activity workflow, which records its activity and
  // opens the attendance window through the same store.
  const store = new SqlActivityStore(db);
  const startsAt = new Date(Date.now() + 10 * 60_000);
  const endsAt = new Date(startsAt.getTime() + 2 * 3_600_000);
  for (const activityId of [ACTIVITY, WARMUP_ACTIVITY]) {
    await store.upsertActivity({
      activityId,
      cycleId: 'bench-cycle',
      compound: COMPOUND,
      title: '压测·邻里节',
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      capacity: 2000,
      stage: 'attendance',
    });
    await store.openAttendance(activityId, { opensAt: new Date(startsAt.getTime() - 30 * 60_000).toISOString(), closesAt: new Date(endsAt.getTime() + 30 * 60_000).toISOString() });
  }

  const ledger = new Ledger(db);
  for (const f of redeemers) await ledger.award({ holder: { kind: 'family', id: f.id }, amount: STARTING_POINTS, idempotencyKey: `bench-award:${f.id}`, rule: 'attendance' });
  await ledger.createReward({ id: REWARD, name: '压测绘本券', kind: 'education', price: REWARD_PRICE, stock: REWARD_STOCK });
  return { burst: burst.map((f) => ({ id: f.id, qr: f.qr_token })), redeemers: redeemers.map((f) => f.id) };
}

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/** Check-ins per second of the last burst. */
let lastCheckInRate = Number.NaN;

async function checkInBurst(p: RunningProduct, db: Kysely<Database>, burst: { id: string; qr: string }[]): Promise<Check[]> {
  // Warm-up (not measured): the first requests pay for lazy start-up work in the API process.
  const warmUrl = `${p.baseUrl}/api/activities/${WARMUP_ACTIVITY}/check-ins`;
  const warm = await runLoad(
    burst.slice(0, WARMUP_REQUESTS).map((f) => () => ({ url: warmUrl, body: { qrToken: f.qr } })),
    p.token,
    10,
  );
  if (warm.failures.length || warm.replies.some((r) => r.status !== 201)) throw new Error('the warm-up check-ins failed; is the product healthy?');

  const url = `${p.baseUrl}/api/activities/${ACTIVITY}/check-ins`;
  const order = shuffle(burst.map((f, i) => ({ ...f, nonce: `burst-${i}` })));
  const result = await runLoad(
    order.map((f) => () => ({ url, body: { qrToken: f.qr, nonce: f.nonce } })),
    p.token,
    CHECKIN_CONCURRENCY,
  );
  const created = result.replies.filter((r) => r.status === 201).length;
  lastCheckInRate = (CHECKIN_FAMILIES / result.wallMs) * 1000;
  const errors = result.failures.length + result.replies.filter((r) => r.status !== 201).length;
  table(`(a) check-in burst: ${CHECKIN_FAMILIES} check-ins by QR over ${CHECKIN_CONCURRENCY} connections`, [
    ['check-ins per second', ((CHECKIN_FAMILIES / result.wallMs) * 1000).toFixed(1)],
    ['wall time', `${(result.wallMs / 1000).toFixed(2)} s`],
    ...latencyRows(result),
    ['201 checked in', String(created)],
    ['errors (non-201 or no answer)', String(errors)],
  ]);
  if (process.env.BENCH_DEBUG) for (const r of [...result.replies].sort((a, b) => b.ms - a.ms).slice(0, 12)) log(`    slow: sent +${r.sentAt?.toFixed(0)} ms, took ${r.ms.toFixed(0)} ms`);
  const firstErrors = [...result.failures, ...result.replies.filter((r) => r.status !== 201).map((r) => `${r.status} ${JSON.stringify(r.body)}`)].slice(0, 3);
  for (const e of firstErrors) log(`    e.g. ${e}`);

  // Repeats: half retry with their nonce (the same answer), half scan again (already checked in).
  const repeats = shuffle(order).slice(0, REPEATS);
  const sameNonce = repeats.slice(0, REPEATS / 2);
  const fresh = repeats.slice(REPEATS / 2);
  const again = await runLoad(
    [...sameNonce.map((f) => () => ({ url, body: { qrToken: f.qr, nonce: f.nonce } })), ...fresh.map((f) => () => ({ url, body: { qrToken: f.qr, nonce: `again-${f.id}` } }))],
    p.token,
    CHECKIN_CONCURRENCY,
  );
  const retried = again.replies.filter((r) => r.status === 201 && (r.body as { status?: string }).status === 'checkedIn').length;
  const already = again.replies.filter((r) => r.status === 200 && (r.body as { status?: string }).status === 'alreadyCheckedIn').length;

  const rows = await db.selectFrom('check_ins').select(['person_kind', 'person_id']).where('activity_id', '=', ACTIVITY).execute();
  const people = new Set(rows.map((r) => `${r.person_kind}:${r.person_id}`));
  const missing = burst.filter((f) => !people.has(`family:${f.id}`)).length;
  const extra = [...people].filter((k) => !burst.some((f) => `family:${f.id}` === k)).length;
  table('    verified in the database', [
    ['check-in rows', String(rows.length)],
    ['distinct people', String(people.size)],
    ['families lost (no row)', String(missing)],
    ['duplicated rows', String(rows.length - people.size)],
    [`repeats: same nonce → 201 as before`, `${retried} of ${sameNonce.length}`],
    [`repeats: new scan → 200 already`, `${already} of ${fresh.length}`],
  ]);
  return [
    check('check-in errors', 0, errors),
    check('check-in rows', CHECKIN_FAMILIES, rows.length),
    check('distinct people checked in', CHECKIN_FAMILIES, people.size),
    check('families lost', 0, missing),
    check('unexpected people', 0, extra),
    check('nonce retries answered as the first', sameNonce.length, retried),
    check('second scans answered "already"', fresh.length, already),
  ];
}

async function redemptionRace(p: RunningProduct, db: Kysely<Database>, redeemers: string[]): Promise<Check[]> {
  const result = await runLoad(
    redeemers.map((id) => () => ({ url: `${p.baseUrl}/api/families/${id}/redemptions`, body: { rewardId: REWARD, idempotencyKey: `bench-redeem:${id}` } })),
    p.token,
    REDEEM_FAMILIES,
  );
  const successes = result.replies.filter((r) => r.status === 201).length;
  const outOfStock = result.replies.filter((r) => r.status === 409 && (r.body as { error?: { code?: string } }).error?.code === 'OUT_OF_STOCK').length;
  const other = result.failures.length + result.replies.length - successes - outOfStock;

  const reward = await db.selectFrom('rewards').select('stock').where('id', '=', REWARD).executeTakeFirstOrThrow();
  const redemptions = await db.selectFrom('redemptions').select('family_id').where('reward_id', '=', REWARD).execute();
  const balances = await db
    .selectFrom('points_entries')
    .select((eb) => ['holder_id', eb.fn.sum<string | number>('amount').as('balance')])
    .where('holder_kind', '=', 'family')
    .groupBy('holder_id')
    .execute();
  const negative = balances.filter((b) => num(b.balance) < 0).length;
  const spent = balances.filter((b) => num(b.balance) === STARTING_POINTS - REWARD_PRICE).length;
  const distinctRedeemers = new Set(redemptions.map((r) => r.family_id)).size;

  table(`(b) redemption race: ${REDEEM_FAMILIES} concurrent redemptions, ${REWARD_STOCK} in stock`, [
    ['201 redeemed', String(successes)],
    ['409 OUT_OF_STOCK', String(outOfStock)],
    ['other answers / errors', String(other)],
    ['wall time', `${(result.wallMs / 1000).toFixed(2)} s`],
    ...latencyRows(result),
  ]);
  table('    verified in the database', [
    ['final stock', String(num(reward.stock))],
    ['redemption rows', `${redemptions.length} (${distinctRedeemers} families)`],
    [`families at ${STARTING_POINTS - REWARD_PRICE} points (paid once)`, String(spent)],
    ['negative balances', String(negative)],
  ]);
  return [
    check('redemption successes', REWARD_STOCK, successes),
    check('refusals OUT_OF_STOCK', REDEEM_FAMILIES - REWARD_STOCK, outOfStock),
    check('other answers', 0, other),
    check('final stock', 0, num(reward.stock)),
    check('redemption rows', REWARD_STOCK, redemptions.length),
    check('families charged exactly once', REWARD_STOCK, spent),
    check('negative balances', 0, negative),
  ];
}

interface Target {
  target: string;
  measured: string;
  baseline: string;
  ratio: number;
  limit: string;
  ok: boolean;
}

const QUICK = process.argv.includes('--quick');
/** `--only PART` (or `--only=PART`): run that part alone. */
const ONLY = ((): string | undefined => {
  const i = process.argv.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (i < 0) return undefined;
  const arg = process.argv[i]!;
  return arg.includes('=') ? arg.slice('--only='.length) : process.argv[i + 1];
})();
const PARTS = ['checkins', 'dashboard', 'fanout', 'memory', 'report'] as const;
if (ONLY !== undefined && !(PARTS as readonly string[]).includes(ONLY)) throw new Error(`--only takes one of ${PARTS.join(', ')}`);
const runs = (part: (typeof PARTS)[number]): boolean => ONLY === undefined || ONLY === part;
const SIZES = QUICK
  ? { fanOut: [250, 500], memory: 60, dashboard: [20, 60, 150] }
  : { fanOut: [1_000, 2_000], memory: 300, dashboard: [20, 300, 1_000] };
/** The relay's hold per message and the mail pool (the fan-out's concurrency, the product's and the bare loop's). */
const RELAY_HOLD_MS = 100;
const MAIL_POOL = 10;

/** Bursts of each kind, interleaved (product, minimal, product, …); the best of each is compared. */
const CHECKIN_ROUNDS = 8;
const roundActivity = (kind: 'product' | 'minimal', round: number) => `bench-${kind}-${round}`;

/**
 * The product's check-in burst beside the minimal server's on the same database, families and
 * load: the first product burst checks the invariants, then the two take turns, so a change in
 * the machine's load falls on both; each side's best burst is its figure.
 */
async function checkInsAgainstMinimal(product: RunningProduct, db: Kysely<Database>, burst: { id: string; qr: string }[], dbUrl: string, dialect: string): Promise<{ checks: Check[]; target: Target }> {
  const checks = await checkInBurst(product, db, burst);
  const productRates = [lastCheckInRate];
  const bareRates: number[] = [];
  const minimal = await startMinimalServer(dbUrl, product.token);
  try {
    const minimalUrl = (round: number) => `${minimal.baseUrl}/api/activities/${roundActivity('minimal', round)}/check-ins`;
    await checkInRate(minimalUrl(0), product.token, burst.slice(0, WARMUP_REQUESTS), 10, 'warm');
    await db.deleteFrom('check_ins').where('activity_id', '=', roundActivity('minimal', 0)).execute();
    let bareErrors = 0;
    let productErrors = 0;
    for (let round = 0; round < CHECKIN_ROUNDS; round++) {
      if (round > 0) {
        const again = await checkInRate(`${product.baseUrl}/api/activities/${roundActivity('product', round)}/check-ins`, product.token, shuffle(burst), CHECKIN_CONCURRENCY, `p${round}`);
        productRates.push(again.perSecond);
        productErrors += again.errors;
      }
      const bare = await checkInRate(minimalUrl(round), product.token, shuffle(burst), CHECKIN_CONCURRENCY, `m${round}`);
      bareRates.push(bare.perSecond);
      bareErrors += bare.errors;
    }
    checks.push(check(`minimal server check-in errors (${dialect})`, 0, bareErrors));
    checks.push(check(`later product bursts' errors (${dialect})`, 0, productErrors));
  } finally {
    await minimal.stop();
  }
  const productRate = Math.max(...productRates);
  const bareRate = Math.max(...bareRates);
  const ratio = productRate / bareRate;
  const list = (rates: number[]) => rates.map((r) => r.toFixed(0)).join(', ');
  log(`  (${dialect}) check-ins/s, ${CHECKIN_ROUNDS} bursts each, interleaved: the product ${list(productRates)}; a minimal Express + ${dialect === 'SQLite' ? 'better-sqlite3' : 'pg'} server ${list(bareRates)}; best against best ${ratio.toFixed(2)}×`);
  return { checks, target: { target: `check-ins/s vs a minimal server, ${dialect}`, measured: productRate.toFixed(0), baseline: bareRate.toFixed(0), ratio, limit: '≥ 0.8', ok: ratio >= 0.8 } };
}

/** The open activities the later bursts check in to. */
async function seedRoundActivities(db: Kysely<Database>): Promise<void> {
  const store = new SqlActivityStore(db);
  const startsAt = new Date(Date.now() + 10 * 60_000);
  const endsAt = new Date(startsAt.getTime() + 2 * 3_600_000);
  for (let round = 0; round < CHECKIN_ROUNDS; round++) {
    for (const kind of ['product', 'minimal'] as const) {
      const activityId = roundActivity(kind, round);
      await store.upsertActivity({ activityId, cycleId: 'bench-cycle', compound: COMPOUND, title: `压测·第 ${round + 1} 轮`, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), capacity: 2000, stage: 'attendance' });
      await store.openAttendance(activityId, { opensAt: new Date(startsAt.getTime() - 30 * 60_000).toISOString(), closesAt: new Date(endsAt.getTime() + 30 * 60_000).toISOString() });
    }
  }
}

async function main(): Promise<number> {
  const began = Date.now();
  const pgServer = process.env.BENCH_DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/test';
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  log(`bench${QUICK ? ' --quick' : ''}${ONLY ? ` --only ${ONLY}` : ''}: Node ${process.version}; ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}; load average ${load}`);
  const checks: Check[] = [];
  const targets: Target[] = [];

  // ---- SQLite: the bursts, check-ins vs the minimal server, the dashboard overview --------------
  if (runs('checkins') || runs('dashboard')) {
    log('\n== the product on SQLite ==');
    const product = await startProduct({ log });
    const db = createDatabase({ sqlitePath: product.sqlitePath });
    try {
      if (runs('checkins')) {
        const seeded = await seed(db);
        await seedRoundActivities(db);
        log(`seeded ${CHECKIN_FAMILIES + REDEEM_FAMILIES} families, open activities, a reward with ${REWARD_STOCK} in stock`);
        // The door's traffic against an API process of its own (no worker in it), as deployed.
        const door = await product.startApiOnly();
        const sqliteCheckIns = await checkInsAgainstMinimal({ ...product, baseUrl: door.baseUrl }, db, seeded.burst, product.sqlitePath, 'SQLite');
        await door.stop();
        checks.push(...sqliteCheckIns.checks);
        targets.push(sqliteCheckIns.target);
        checks.push(...(await redemptionRace(product, db, seeded.redeemers)));
      }

      if (runs('dashboard')) {
        log(`\n(d) dashboard overview with ${SIZES.dashboard.join(' / ')} activities open`);
        const dash = await benchDashboard(product, db, COMPOUND, SIZES.dashboard, log);
        const first = dash[0]!;
        const last = dash[dash.length - 1]!;
        const ratio = last.medianMs / first.medianMs;
        targets.push({ target: `dashboard overview, ${last.open} open vs ${first.open} open`, measured: `${last.medianMs.toFixed(0)} ms`, baseline: `${first.medianMs.toFixed(0)} ms`, ratio, limit: '≤ 1.5', ok: ratio <= 1.5 });
      }
    } finally {
      await db.destroy();
      await product.stop();
      log('stopped the product and removed its data');
    }
  }

  // ---- PostgreSQL: check-ins vs the minimal server ------------------------------------------------
  if (runs('checkins')) {
    log('\n== the product on PostgreSQL ==');
    let pgReachable = true;
    try {
      const probe = createDatabase({ url: pgServer, poolSize: 1 });
      await probe.selectNoFrom((eb) => eb.val(1).as('one')).execute();
      await probe.destroy();
    } catch {
      pgReachable = false;
    }
    if (!pgReachable) {
      log(`no PostgreSQL at ${pgServer}: its check-in target is reported as not measured`);
      targets.push({ target: 'check-ins/s vs a minimal server, PostgreSQL', measured: '—', baseline: '—', ratio: Number.NaN, limit: '≥ 0.8', ok: false });
    } else {
      const pgProduct = await startProduct({ log, postgresServerUrl: pgServer });
      const pgDb = createDatabase({ url: pgProduct.databaseUrl!, poolSize: 4 });
      try {
        const seeded = await seed(pgDb);
        await seedRoundActivities(pgDb);
        const door = await pgProduct.startApiOnly();
        const pgCheckIns = await checkInsAgainstMinimal({ ...pgProduct, baseUrl: door.baseUrl }, pgDb, seeded.burst, pgProduct.databaseUrl!, 'PostgreSQL');
        await door.stop();
        checks.push(...pgCheckIns.checks.map((c) => (c.name.includes('PostgreSQL') ? c : { ...c, name: `${c.name} (PostgreSQL)` })));
        targets.push(pgCheckIns.target);
      } finally {
        await pgDb.destroy();
        await pgProduct.stop();
        log('stopped the product and dropped its database');
      }
    }
  }

  // ---- fan-out and worker memory on a Temporal dev server of their own ---------------------------
  if (runs('fanout') || runs('memory')) {
    const cli = findTemporalCli();
    if (!cli) throw new Error('Temporal CLI not found: run `npm install` (it installs .temporal/) or set TEMPORAL_CLI_PATH');
    const server = await startDevServer({ cliPath: cli, port: await freePort(), logFile: path.join(os.tmpdir(), `cogov-bench-temporal-${process.pid}.log`) });
    try {
      if (runs('fanout')) {
        log(`\n(e) fan-out of one email to ${SIZES.fanOut.join(' and ')} families through a slow relay vs a bare nodemailer loop`);
        const fanOut = await benchFanOut(server.address, SIZES.fanOut, RELAY_HOLD_MS, MAIL_POOL, log);
        for (const f of fanOut) {
          const ratio = f.productMs / f.bareMs;
          targets.push({ target: `fan-out, ${f.families} families (${RELAY_HOLD_MS} ms relay, pool ${MAIL_POOL})`, measured: `${(f.productMs / 1000).toFixed(1)} s`, baseline: `${(f.bareMs / 1000).toFixed(1)} s`, ratio, limit: '≤ 1.2', ok: ratio <= 1.2 });
          targets.push({ target: `fan-out, ${f.families} families: duplicates / missing`, measured: `${f.duplicates} / ${f.families - (f.received - f.duplicates)}`, baseline: '0 / 0', ratio: Number.NaN, limit: '0 / 0', ok: f.duplicates === 0 && f.received === f.families });
        }
      }

      if (runs('memory')) {
        log(`\n(f) worker memory: ${SIZES.memory} waiting themed activities vs ${SIZES.memory} waiting bare workflows, each in its own worker process`);
        const memory = await benchWorkerMemory(server.address, SIZES.memory, log);
        const ratio = memory.productMiBPerWorkflow / memory.bareMiBPerWorkflow;
        targets.push({ target: `worker RSS per waiting activity (${memory.workflows} waiting)`, measured: `${memory.productMiBPerWorkflow.toFixed(2)} MiB`, baseline: `${memory.bareMiBPerWorkflow.toFixed(2)} MiB`, ratio, limit: '≤ 2', ok: ratio <= 2 });
      }
    } finally {
      await server.stop();
    }
  }

  if (runs('report')) {
    log('\n(c) cycle report growth (bench/cycle-report.ts)');
    const growth = await benchCycleReport(log);
    const [small, large] = Object.entries(growth.timesMs).sort((a, b) => Number(a[0]) - Number(b[0]));
    targets.push({
      target: `cycle report growth per doubling (${small?.[0]} → ${large?.[0]} families)`,
      measured: `${large?.[1].toFixed(0)} ms`,
      baseline: `${small?.[1].toFixed(0)} ms`,
      ratio: growth.growthPerDoubling,
      limit: '≤ 2.3',
      ok: growth.ok,
    });
  }

  const broken = checks.filter((c) => !c.ok);
  // A part run alone (--only) may check no invariant.
  if (checks.length) table('invariants', checks.map((c) => [c.name, `${c.ok ? 'ok  ' : 'FAIL'}  expected ${c.expected}, got ${c.actual}`]));
  printTargets(targets);
  log(`\nbench took ${((Date.now() - began) / 60_000).toFixed(1)} min; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (broken.length) {
    log(`\n${broken.length} invariant(s) broken`);
    return 1;
  }
  log(`\nall invariants hold; ${targets.filter((t) => t.ok).length} of ${targets.length} targets met`);
  return 0;
}

function printTargets(targets: Target[]): void {
  const rows = [['target', 'measured', 'bare baseline', 'ratio', 'limit', ''], ...targets.map((t) => [t.target, t.measured, t.baseline, Number.isNaN(t.ratio) ? '—' : `${t.ratio.toFixed(2)}×`, t.limit, t.ok ? 'PASS' : 'FAIL'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  log('\ntargets (issue 13)');
  for (const [i, r] of rows.entries()) {
    log(`  ${r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ')}`);
    if (i === 0) log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
