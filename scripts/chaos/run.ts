/**
 * `npm run chaos` (`-- --preset short|full`, `-- --db postgres`): the product's own fault test.
 *
 * Runs the product as separate processes — a Temporal dev server persisted to a file, the worker,
 * the API — and an SMTP receiver in this process (./smtp.ts) the product sends to; SQLite by
 * default, a fresh PostgreSQL database on 127.0.0.1:5432 with `--db postgres`. Short timings
 * (config's ATTENDANCE_OPENS_BEFORE, REMINDER_OFFSETS, FEEDBACK_DEADLINE, EMAIL_RETRY_DELAYS …)
 * put each activity through every stage in a few minutes, driven as people would (./drive.ts),
 * while a schedule kills the worker with kill -9, kills the API mid-request, restarts the Temporal
 * dev server (gracefully and with kill -9), takes the relay down, makes it answer 451 and 550 and
 * hold messages, and runs two workers at once for a while. Then it verifies from the database,
 * the SMTP log and the API (./checks.ts) and prints each check as PASS or FAIL with its figures.
 * Exits 1 when any check fails. The run's folder (logs, the SMTP log, results.json) is kept then.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { createDatabase } from '../../db/database';
import { writeWorkflowBundle } from '../bundle-workflows';
import { SINGLE_SEND_LEASE_MS } from '../../mail/outbox';
import { freePort } from '../temporal-binaries';
import {
  checkBalances,
  checkEmailDuplicates,
  checkFaultsLanded,
  checkNo500AtAll,
  checkNo500DuringOutages,
  checkNoDuplicateLedger,
  checkNoLostCheckIns,
  checkNoneStuck,
  checkOutboxSettled,
  checkTallyCountsCheckIns,
  checkWindowsOnTime,
  formatResults,
  type CheckResult,
  type Kill,
  type Outage,
} from './checks';
import { driveActivity, Http, type ActivitySpec, type World } from './drive';
import { alive, startNodePart, stopNodePart, temporalPart, type NodePart } from './parts';
import { startChaosRelay, type RelayMode } from './smtp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const S = 1_000;

interface Preset {
  activities: number;
  staggerMs: number;
  familiesPerCompound: number;
  /** From an activity's creation to its start. */
  leadMs: number;
  env: Record<string, string>;
  opensBeforeMs: number;
  lengthMs: number;
  /** How long after its end an activity may take to complete (the feedback deadline, retries) before it counts as stuck. */
  tailMs: number;
  /** The fault lanes: seconds from the first activity's creation. */
  workerKills: number[];
  apiKills: number[];
  temporalRestarts: { at: number; how: 'graceful' | 'kill'; downS: number }[];
  smtp: { at: number; mode: 'down' | RelayMode['kind']; forS: number; holdMs?: number }[];
  twoWorkers: { at: number; forS: number }[];
  minimum: Record<string, number>;
}

const spread = (from: number, to: number, n: number) => Array.from({ length: n }, (_, i) => Math.round(from + ((to - from) * i) / Math.max(1, n - 1)));

const PRESETS: Record<'short' | 'full', Preset> = {
  short: {
    activities: 4,
    staggerMs: 6 * S,
    familiesPerCompound: 5,
    leadMs: 95 * S,
    opensBeforeMs: 30 * S,
    lengthMs: 20 * S,
    tailMs: 150 * S,
    env: { ATTENDANCE_OPENS_BEFORE: '30s', ATTENDANCE_CLOSES_AFTER: '12s', REMINDER_OFFSETS: '45s', FEEDBACK_DEADLINE: '24s', FEEDBACK_REMINDER_BEFORE: '12s' },
    workerKills: [14, 48, 92],
    apiKills: [70],
    temporalRestarts: [{ at: 30, how: 'kill', downS: 4 }],
    smtp: [
      { at: 20, mode: 'down', forS: 15 },
      { at: 56, mode: 'tempfail', forS: 8 },
      { at: 118, mode: 'permfail', forS: 4 },
    ],
    twoWorkers: [{ at: 100, forS: 25 }],
    minimum: { 'worker kills': 3, 'API kills': 1, 'server restarts': 1, 'SMTP outages': 1 },
  },
  full: {
    activities: 44,
    staggerMs: 10 * S,
    familiesPerCompound: 7,
    leadMs: 150 * S,
    opensBeforeMs: 45 * S,
    lengthMs: 30 * S,
    tailMs: 240 * S,
    env: { ATTENDANCE_OPENS_BEFORE: '45s', ATTENDANCE_CLOSES_AFTER: '20s', REMINDER_OFFSETS: '80s', FEEDBACK_DEADLINE: '40s', FEEDBACK_REMINDER_BEFORE: '20s' },
    workerKills: spread(15, 620, 18),
    apiKills: spread(40, 600, 6),
    temporalRestarts: [
      { at: 75, how: 'graceful', downS: 5 },
      { at: 235, how: 'kill', downS: 8 },
      { at: 395, how: 'graceful', downS: 4 },
      { at: 555, how: 'kill', downS: 6 },
    ],
    smtp: [
      { at: 50, mode: 'down', forS: 45 },
      { at: 130, mode: 'tempfail', forS: 30 },
      { at: 210, mode: 'hold', forS: 40, holdMs: 12_000 },
      { at: 300, mode: 'down', forS: 60 },
      { at: 420, mode: 'permfail', forS: 8 },
      { at: 470, mode: 'tempfail', forS: 25 },
      { at: 560, mode: 'down', forS: 30 },
    ],
    twoWorkers: [
      { at: 160, forS: 60 },
      { at: 480, forS: 45 },
    ],
    minimum: { 'worker kills': 15, 'API kills': 3, 'server restarts': 3, 'SMTP outages': 2 },
  },
};

function parseArgs(argv: string[]): { preset: 'short' | 'full'; db: 'sqlite' | 'postgres' } {
  let preset: 'short' | 'full' = 'short';
  let db: 'sqlite' | 'postgres' = 'sqlite';
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=');
    const value = inline ?? argv[++i];
    if (flag === '--preset' && (value === 'short' || value === 'full')) preset = value;
    else if (flag === '--db' && (value === 'sqlite' || value === 'postgres')) db = value;
    else throw new Error(`unknown argument ${argv[i]}: use --preset short|full and --db sqlite|postgres`);
  }
  return { preset, db };
}

async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.CHAOS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `chaos_${randomBytes(5).toString('hex')}`;
  const admin = async (q: string) => {
    const c = new PgClient({ connectionString: server });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(server);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const preset = PRESETS[args.preset];
  const log = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-chaos-'));
  log(`preset ${args.preset}, ${args.db}, run folder ${dir}`);
  const pg = args.db === 'postgres' ? await createPgDatabase() : undefined;
  const bundle = path.join(dir, 'workflow-bundle.js');
  await writeWorkflowBundle(bundle);

  const ports = new Set<number>();
  while (ports.size < 2) ports.add(await freePort());
  const [apiPort, temporalPort] = [...ports] as [number, number];
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const relay = await startChaosRelay({ logFile: path.join(dir, 'smtp.jsonl') });
  const temporal = temporalPart({ port: temporalPort, dbFile: path.join(dir, 'temporal.sqlite'), logFile: path.join(dir, 'temporal.log') });
  const token = randomBytes(24).toString('base64url');
  const linkSecret = randomBytes(32).toString('base64url');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATA_DIR: dir,
    PORT: String(apiPort),
    PUBLIC_BASE_URL: baseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `chaos-${randomBytes(4).toString('hex')}`,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(relay.port),
    LINK_SECRET: linkSecret,
    PAYLOAD_KEY: randomBytes(32).toString('base64'),
    STAFF_TOKENS: JSON.stringify([{ token, role: 'coordinator', staffId: 'co-chaos', name: '故障测试协调人' }]),
    APPROVAL_REMINDER_AFTER: '5m',
    APPROVAL_ESCALATE_AFTER: '10m',
    EMAIL_RETRY_DELAYS: '4s,8s,16s,30s,60s',
    EMAIL_RETRY_INTERVAL: '2s',
    ...preset.env,
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
  };

  const outages: Outage[] = [];
  const kills: Kill[] = [];
  const landed: Record<string, number> = { 'worker kills': 0, 'API kills': 0, 'server restarts': 0, 'SMTP outages': 0, '451 periods': 0, '550 periods': 0, 'hold periods': 0, 'two workers': 0, 'API kills mid-request': 0, 'worker exits restarted': 0, 'API exits restarted': 0 };
  const http = new Http(baseUrl, token);
  let api: NodePart | undefined;
  const workers: NodePart[] = [];

  const startApi = async () => {
    api = startNodePart('api', 'api/main.ts', env, path.join(dir, 'api.log'));
    for (const deadline = Date.now() + 120 * S; Date.now() < deadline && alive(api); await sleep(250)) {
      try {
        const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5 * S) });
        if (res.status === 200 || res.status === 503) return;
      } catch {
        // not listening yet
      }
    }
    throw new Error(`the API did not start; see ${path.join(dir, 'api.log')}`);
  };
  const startWorker = async (): Promise<NodePart> => {
    // Each worker its own log, so that its SDK's "RUNNING" line says this one polls.
    const workerLog = path.join(dir, `worker-${String(workers.length + 1).padStart(2, '0')}.log`);
    const w = startNodePart('worker', 'scripts/chaos/worker-process.ts', { ...env, CHAOS_WORKFLOW_BUNDLE: bundle }, workerLog);
    workers.push(w);
    for (const deadline = Date.now() + 120 * S; Date.now() < deadline && alive(w); await sleep(250)) {
      if (/state: 'RUNNING'/.test(fs.readFileSync(workerLog, 'utf8'))) return w;
    }
    // A worker that cannot reach a restarting server keeps trying in the background; the lane moves on.
    return w;
  };

  // However this script ends, nothing it started outlives it.
  process.on('exit', () => {
    for (const child of [api?.child, ...workers.map((wk) => wk.child), temporal.server?.process]) {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
  // Stopped by a signal: the 'exit' handler ends the parts; the fresh PostgreSQL database goes too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void (pg?.drop() ?? Promise.resolve()).catch(() => undefined).finally(() => process.exit(130));
    });
  }

  let world: World | undefined;
  const stopped = { faults: false, supervisor: false };
  try {
    await temporal.start();
    await startApi();
    await startWorker();
    const db = createDatabase(pg ? { url: pg.url } : { sqlitePath: path.join(dir, 'app.sqlite') });
    world = { http, db, mails: relay.accepted, linkSecret, coordinatorId: 'co-chaos', checkIns2xx: [], probes: [], notes: [], byLink: { approvals: 0, registrations: 0, checkIns: 0, feedback: 0 } };

    // ---- the community, through the API
    const must = async (p: string, json: unknown) => {
      const a = await http.until(Date.now() + 60 * S, () => http.call('POST', p, { json }), (x) => x.status !== undefined && x.status < 300);
      if (!a) throw new Error(`seeding: POST ${p} failed: ${http.log[http.log.length - 1]?.status}`);
    };
    const compounds = ['c-north', 'c-south'];
    for (const id of compounds) await must('/api/directory/compounds', { id, name: id === 'c-north' ? '北苑' : '南苑' });
    await must('/api/directory/staff', { id: 'co-chaos', role: 'coordinator', name: '故障测试协调人', email: 'co@chaos.invalid' });
    await must('/api/directory/staff', { id: 'su-chaos', role: 'supervisor', name: '故障测试督导', email: 'su@chaos.invalid' });
    const families: Record<string, ActivitySpec['families']> = {};
    for (const c of compounds) {
      await must('/api/directory/staff', { id: `pm-${c}`, role: 'propertyManager', name: `物业管家${c}`, email: `pm-${c}@chaos.invalid`, compoundId: c });
      await must('/api/directory/staff', { id: `gw-${c}`, role: 'gridWorker', name: `网格员${c}`, email: `gw-${c}@chaos.invalid`, compoundId: c });
      families[c] = [];
      for (let i = 0; i < preset.familiesPerCompound; i++) {
        const f = { id: `f-${c}-${i}`, email: `f-${c}-${i}@chaos.invalid`, qrToken: randomBytes(16).toString('base64url') };
        await must('/api/directory/families', { id: f.id, compoundId: c, name: `家庭${c}-${i}`, email: f.email, members: 3, qrToken: f.qrToken });
        families[c]!.push(f);
      }
    }
    const t0 = Date.now();
    await must('/api/cycles', { id: 'cycle-chaos', name: '故障测试周期', periodStart: new Date(t0).toISOString(), periodEnd: new Date(t0 + 30 * 86_400 * S).toISOString(), compounds, coordinatorId: 'co-chaos', supervisorId: 'su-chaos' });
    log(`seeded: ${compounds.length} compounds, ${compounds.length * preset.familiesPerCompound} families; ${preset.activities} activities from now`);

    // ---- the faults, one lane per part, each at its times from t0
    const at = (s: number) => sleep(Math.max(0, t0 + s * S - Date.now()));
    const lane = async (times: number[], act: (i: number) => Promise<void>) => {
      for (let i = 0; i < times.length; i++) {
        await at(times[i]!);
        if (stopped.faults) return;
        await act(i);
      }
    };
    // A supervisor, as systemd or a container runtime would be: a part that exited on its own
    // (the worker exits when the Temporal server is unreachable as it starts) is started again.
    const deliberate = { workerDown: false, apiDown: false };
    const supervisor = (async () => {
      while (!stopped.supervisor) {
        if (!deliberate.workerDown && workers.filter(alive).length === 0) {
          const from = Date.now();
          landed['worker exits restarted']!++;
          await startWorker();
          outages.push({ part: 'worker', kind: 'exited, restarted', from, to: Date.now() });
        }
        if (!deliberate.apiDown && !alive(api)) {
          landed['API exits restarted']!++;
          await startApi().catch((err: unknown) => log(String(err)));
        }
        await sleep(S);
      }
    })();
    const killWorker = async () => {
      const w = workers.filter(alive).at(-1);
      if (!w) return;
      deliberate.workerDown = true;
      const from = Date.now();
      kills.push({ part: 'worker', at: from });
      await stopNodePart(w, 'SIGKILL');
      landed['worker kills']!++;
      await sleep(2 * S + Math.random() * 4 * S);
      if (workers.filter(alive).length === 0) await startWorker();
      deliberate.workerDown = false;
      outages.push({ part: 'worker', kind: 'kill -9', from, to: Date.now() });
    };
    const lanes = [
      lane(preset.workerKills, killWorker),
      lane(preset.apiKills, async () => {
        if (!api) return;
        // Requests in flight when it dies: a few status reads (each waits on a Temporal query) besides the drivers' own.
        for (let k = 0; k < 4; k++) void http.call('GET', `/api/activities/chaos-${k}`);
        await sleep(5);
        if (http.log.some((r) => r.end === 0)) landed['API kills mid-request']!++;
        deliberate.apiDown = true;
        const from = Date.now();
        kills.push({ part: 'api', at: from });
        await stopNodePart(api, 'SIGKILL');
        landed['API kills']!++;
        await startApi().catch((err: unknown) => log(String(err)));
        deliberate.apiDown = false;
        outages.push({ part: 'api', kind: 'kill -9', from, to: Date.now() });
      }),
      lane(
        preset.temporalRestarts.map((r) => r.at),
        async (i) => {
          const r = preset.temporalRestarts[i]!;
          const from = Date.now();
          await temporal.stop(r.how);
          await sleep(r.downS * S);
          await temporal.start();
          landed['server restarts']!++;
          outages.push({ part: 'temporal', kind: r.how === 'kill' ? 'kill -9' : 'graceful restart', from, to: Date.now() });
        },
      ),
      lane(
        preset.smtp.map((s) => s.at),
        async (i) => {
          const s = preset.smtp[i]!;
          const from = Date.now();
          if (s.mode === 'down') await relay.down();
          else relay.setMode(s.mode === 'hold' ? { kind: 'hold', ms: s.holdMs ?? 10 * S } : ({ kind: s.mode } as RelayMode));
          await sleep(s.forS * S);
          if (s.mode === 'down') await relay.up();
          relay.setMode({ kind: 'up' });
          landed[{ down: 'SMTP outages', tempfail: '451 periods', permfail: '550 periods', hold: 'hold periods', up: 'SMTP outages' }[s.mode]]!++;
          outages.push({ part: 'smtp', kind: s.mode, from, to: Date.now() });
        },
      ),
      lane(
        preset.twoWorkers.map((t) => t.at),
        async (i) => {
          const second = await startWorker();
          await sleep(preset.twoWorkers[i]!.forS * S);
          landed['two workers']!++;
          if (workers.filter(alive).length > 1 && alive(second)) {
            kills.push({ part: 'worker', at: Date.now() });
            await stopNodePart(second, 'SIGKILL');
          }
        },
      ),
    ];

    // ---- the activities
    const w = world;
    const lifeMs = preset.leadMs + preset.lengthMs + preset.tailMs;
    const drivers = Array.from({ length: preset.activities }, async (_, i) => {
      await sleep(i * preset.staggerMs);
      const compound = compounds[i % compounds.length]!;
      const startsAt = Math.ceil((Date.now() + preset.leadMs) / S) * S;
      const spec: ActivitySpec = {
        activityId: `chaos-${i}`,
        cycleId: 'cycle-chaos',
        compound,
        propertyManagerId: `pm-${compound}`,
        gridWorkerEmail: `gw-${compound}@chaos.invalid`,
        supervisorEmail: 'su@chaos.invalid',
        title: `故障测试活动${i}号`,
        startsAt,
        endsAt: startsAt + preset.lengthMs,
        opensAt: startsAt - preset.opensBeforeMs,
        families: families[compound]!,
      };
      await driveActivity(w, spec, Date.now() + lifeMs);
    });
    const progress = setInterval(() => log(`running: ${http.log.length} requests, ${relay.accepted.length} emails accepted, faults ${JSON.stringify(landed)}`), 30 * S);
    await Promise.all(drivers);
    clearInterval(progress);
    stopped.faults = true;
    await Promise.all(lanes);
    stopped.supervisor = true;
    await supervisor;
    log('every activity driven; the faults are over; letting the retries settle');

    // ---- everything up, and the outbox settled (or 60 s passed after the longest single-send lease:
    // a send whose process was killed before the mark goes out once its lease lapses)
    if (!temporal.server) await temporal.start();
    if (!api || !alive(api)) await startApi();
    if (workers.filter(alive).length === 0) await startWorker();
    await relay.up();
    relay.setMode({ kind: 'up' });
    for (const deadline = Date.now() + 60 * S + SINGLE_SEND_LEASE_MS; Date.now() < deadline; await sleep(2 * S)) {
      const open = await db
        .selectFrom('email_outbox')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('delivery', 'is', null), eb('delivery', '=', 'retrying')]))
        .executeTakeFirstOrThrow();
      if (Number(open.n) === 0) break;
    }
    const runEnd = Date.now();

    // ---- what the database, the SMTP log and the API say
    const activities = await db.selectFrom('activities').select(['id', 'stage', 'attention_json']).where('id', 'like', 'chaos-%').execute();
    const driven = Array.from({ length: preset.activities }, (_, i) => `chaos-${i}`);
    const ends = driven.map((id) => {
      const row = activities.find((a) => a.id === id);
      return { activityId: id, stage: row?.stage ?? '(never recorded)', needsAttention: !!row?.attention_json };
    });
    const checkInRows = (await db.selectFrom('check_ins').select(['activity_id', 'person_kind', 'person_id']).execute()).map((r) => ({ activityId: r.activity_id, personKind: r.person_kind, personId: r.person_id }));
    const entries = (await db.selectFrom('points_entries').selectAll().execute()).map((e) => ({
      id: e.id,
      holderKind: e.holder_kind,
      holderId: e.holder_id,
      kind: e.kind,
      activityId: e.activity_id,
      rule: e.rule,
      idempotencyKey: e.idempotency_key,
      amount: Number(e.amount),
    }));
    const outbox = await db.selectFrom('email_outbox').select(['message_id', 'sent_at', 'status', 'delivery']).execute();
    const markedAt = new Map<string, number | null>(outbox.filter((o) => o.message_id).map((o) => [o.message_id!.replace(/^<|>$/g, ''), o.sent_at ? Date.parse(o.sent_at) : null]));
    const samples = [];
    for (const f of Object.values(families).flat()) {
      const sum = entries.filter((e) => e.holderKind === 'family' && e.holderId === f.id).reduce((n, e) => n + e.amount, 0);
      const a = await http.until(Date.now() + 30 * S, () => http.call('GET', `/api/families/${f.id}/points`), (x) => x.status === 200);
      samples.push({ holderId: f.id, apiBalance: typeof a?.json.balance === 'number' ? a.json.balance : undefined, ledgerSum: sum });
    }
    const results: CheckResult[] = [
      checkNoneStuck(ends),
      checkNo500DuringOutages(http.log, outages),
      checkNo500AtAll(http.log),
      checkWindowsOnTime(w.probes),
      checkNoDuplicateLedger(entries),
      checkNoLostCheckIns(w.checkIns2xx, checkInRows),
      checkEmailDuplicates(relay.accepted, markedAt, kills, runEnd),
      checkBalances(samples),
      checkOutboxSettled(outbox),
      checkTallyCountsCheckIns(ends.filter((e) => e.stage === 'completed').map((e) => e.activityId), checkInRows, entries),
      checkFaultsLanded(landed, preset.minimum),
    ];
    const refusedRows = outbox.filter((o) => o.delivery === 'refused').length;
    const summary = [
      '',
      `Fault test (npm run chaos -- --preset ${args.preset}${args.db === 'postgres' ? ' --db postgres' : ''}), ${((runEnd - t0) / 60_000).toFixed(1)} min of faults and driving:`,
      `  ${preset.activities} activities, ${checkInRows.length} check-ins, ${entries.length} ledger entries, ${outbox.length} outbox rows (${refusedRows} refused), ${relay.accepted.length} emails accepted, ${relay.refused.temp} × 451, ${relay.refused.perm} × 550`,
      `  by emailed link: ${w.byLink.approvals} approvals, ${w.byLink.registrations} registrations, ${w.byLink.checkIns} check-ins, ${w.byLink.feedback} feedback forms (the rest through the API)`,
      `  faults: ${Object.entries(landed).map(([k, n]) => `${k} ${n}`).join(', ')}`,
      formatResults(results),
      '',
    ].join('\n');
    console.log(summary);
    if (w.notes.length) log(`driver notes:\n  ${w.notes.slice(0, 40).join('\n  ')}`);
    const failed = results.filter((r) => !r.ok).length;
    fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ preset: args.preset, db: args.db, landed, results, notes: w.notes, outages, kills }, null, 2));
    await db.destroy();
    if (failed) log(`${failed} check(s) failed; the run's logs stay in ${dir}`);
    return failed ? 1 : 0;
  } finally {
    stopped.faults = true;
    stopped.supervisor = true;
    if (api) await stopNodePart(api, 'SIGTERM');
    for (const wk of workers) await stopNodePart(wk, 'SIGTERM');
    await temporal.stop('graceful').catch(() => undefined);
    await relay.close();
    await pg?.drop().catch((err: unknown) => log(`could not drop the chaos database: ${String(err)}`));
    if (process.env.CHAOS_KEEP !== '1' && fs.existsSync(path.join(dir, 'results.json')) && !JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')).results.some((r: CheckResult) => !r.ok)) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
