/**
 * The community-scale measurements of `npm run bench` (issue 13's targets), each beside a bare
 * baseline measured in the same run:
 *
 *   - fan-out: the product's `notify` activity, through real Temporal, sends a registration-open
 *     email to every family of a compound through a slow SMTP relay; the baseline is a bare
 *     nodemailer loop with the same pool and concurrency to the same relay. Duplicates counted at the relay.
 *   - worker memory: a worker process holding N waiting themed activities vs N waiting bare workflows
 *     (RSS after a full GC, before and after), per workflow.
 *   - dashboard overview: the coordinator's overview page with 20 / 300 / 1,000 activities open.
 *   - check-ins per second: the product's API vs a minimal Express server doing the essential work.
 */
import { randomBytes } from 'node:crypto';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import { createActivities } from '../activities';
import { createDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { SqlActivityStore } from '../db/store';
import type { Database } from '../db/types';
import type { ThemedActivityInput } from '../domain/schemas';
import { SmtpMailer } from '../mail/smtp-mailer';
import { renderEmail } from '../mail/templates';
import { sha256 } from '../api/http/session';
import { freePort } from '../scripts/temporal-binaries';
import { themedActivityWorkflowId } from '../domain/activity';
import { workflowBundleOptions } from '../worker/workflow-bundle';
import { percentile, runLoad, type LoadResult } from './load';
import type { RunningProduct } from './product';
import { slowRelayProcess } from './slow-relay';

const ROOT = path.resolve(__dirname, '..');
const DAY = 86_400_000;
const HOUR = 3_600_000;

const quietLogger = () => {
  const noop = () => undefined;
  return { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
};

// ---- fan-out ------------------------------------------------------------------------------------

export interface FanOutFigures {
  families: number;
  productMs: number;
  bareMs: number;
  received: number;
  duplicates: number;
}

/** A compound with no families: the warm-up fan-out's audience. */
const WARM_UP_COMPOUND = 'fanout-warm-up';

/**
 * The product's fan-out of one registration-open email to `families` families vs a bare
 * nodemailer loop, both through one relay that holds each message `holdMs`, with `pool` connections.
 */
export async function benchFanOut(address: string, sizes: number[], holdMs: number, pool: number, log: (l: string) => void): Promise<FanOutFigures[]> {
  try {
    // The runtime logs every worker state change at INFO otherwise.
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // installed already
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-bench-fanout-'));
  const db = createDatabase({ sqlitePath: path.join(dir, 'fanout.sqlite') });
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const out: FanOutFigures[] = [];
  try {
    await migrateToLatest(db);
    const taskQueue = `bench-fanout-${randomBytes(4).toString('hex')}`;
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./fan-out-workflow'), logger: quietLogger() });
    const max = Math.max(...sizes);
    for (const n of sizes) {
      const compound = `fanout-${n}`;
      await db.insertInto('compounds').values({ id: compound, name: `扇出苑 ${n}` }).execute();
      const families = Array.from({ length: n }, (_, i) => ({
        id: `${compound}-f${i}`,
        compound_id: compound,
        name: `第${i}户`,
        email: `family${i}.${n}@example.test`,
        locale: 'zh-CN' as const,
        members: 1,
        qr_token: `qr-${compound}-${i}`,
      }));
      for (let i = 0; i < families.length; i += 500) await db.insertInto('families').values(families.slice(i, i + 500)).execute();
    }
    await db.insertInto('compounds').values({ id: WARM_UP_COMPOUND, name: '无人苑' }).execute();
    log(`  seeded ${sizes.join(' and ')} families (max ${max}); relay holds each message ${holdMs} ms; pool ${pool}`);

    for (const n of sizes) {
      // The product: real Temporal, the real notify activity, the real SMTP mailer and outbox.
      const relay = await slowRelayProcess(holdMs);
      const mailer = new SmtpMailer({ host: '127.0.0.1', port: relay.port, secure: false, maxConnections: pool, from: { name: '锦华社区', email: 'noreply@example.test' } });
      const activities = createActivities({
        store: new SqlActivityStore(db),
        mailer,
        render: renderEmail,
        links: { secret: 'bench-fan-out-secret-0123456789abcdefghijklmnop', publicBaseUrl: 'http://localhost:3999', graceMs: DAY },
        messageIdDomain: 'example.test',
        sendConcurrency: pool,
      });
      const worker = await Worker.create({ connection, taskQueue, activities, workflowBundle, maxCachedWorkflows: 10 });
      const running = worker.run();
      let productMs: number;
      try {
        const client = new Client({ connection: clientConnection });
        const fanOut = (compound: string, workflowId: string) =>
          client.workflow.execute('benchFanOutWorkflow', {
            taskQueue,
            workflowId,
            args: [
              {
                workflowId,
                purpose: 'registrationOpen',
                round: '1',
                audience: [{ kind: 'compoundFamilies', compound }],
                message: {
                  purpose: 'registrationOpen',
                  activity: { activityId: `fanout-activity-${n}`, title: '扇出压测', theme: 'culture', compound, startsAt: '2027-12-20T02:00:00.000Z', endsAt: '2027-12-20T04:00:00.000Z' },
                },
              },
            ],
          });
        // A worker is long-lived: the first workflow and activity task of a new one (its pollers,
        // the bundle in its thread) are start-up, not sending. One fan-out to nobody pays for it.
        await fanOut(WARM_UP_COMPOUND, `bench-fan-out-warm-up-${n}-${Date.now()}`);
        const started = performance.now();
        await fanOut(`fanout-${n}`, `bench-fan-out-${n}-${Date.now()}`);
        productMs = performance.now() - started;
      } finally {
        worker.shutdown();
        await running.catch(() => undefined);
        await mailer.close();
      }
      const got = await relay.received();
      const received = got.length;
      const duplicates = received - new Set(got.map((r) => r.messageId)).size + (received - new Set(got.map((r) => r.to)).size);
      await relay.close();

      // The bare loop: nodemailer's pool, `pool` sends in flight, the same relay hold.
      const bareRelay = await slowRelayProcess(holdMs);
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: bareRelay.port, secure: false, pool: true, maxConnections: pool, maxMessages: Infinity, ignoreTLS: true });
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: pool }, async () => {
          for (let i = next++; i < n; i = next++) {
            await transport.sendMail({ from: 'noreply@example.test', to: `family${i}.${n}@example.test`, subject: '报名开始', text: '扇出压测', messageId: `<bare-${n}-${i}@example.test>` });
          }
        }),
      );
      const bareMs = performance.now() - started;
      transport.close();
      await bareRelay.close();
      out.push({ families: n, productMs, bareMs, received, duplicates });
      log(`  ${n} families: product ${(productMs / 1000).toFixed(1)} s (${received} received, ${duplicates} duplicates), bare loop ${(bareMs / 1000).toFixed(1)} s`);
    }
  } finally {
    await connection.close();
    await clientConnection.close();
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

// ---- worker memory ------------------------------------------------------------------------------

export interface MemoryFigures {
  workflows: number;
  productMiBPerWorkflow: number;
  bareMiBPerWorkflow: number;
}

/** A themed activity that waits for its grid worker's approval (community venue), far in the future. */
export function waitingActivityInput(activityId: string, compound: string, nowMs: number): ThemedActivityInput {
  const startsAt = Math.floor((nowMs + 30 * DAY) / 60_000) * 60_000;
  const contact = (id: string, name: string) => ({ id, name, email: `${id}@example.test`, locale: 'zh-CN' as const });
  return {
    activityId,
    cycleId: 'bench-cycle',
    plan: {
      title: `压测·邻里节 ${activityId}`,
      theme: '邻里节',
      compound,
      description: '',
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 3 * HOUR).toISOString(),
      capacity: 100,
      venue: { kind: 'community', venueName: '社区活动中心', hours: 3 },
      volunteersNeeded: 2,
      pointsRules: { attendance: 10, perVolunteerHour: 5, familyLearning: 0 },
      budget: 1000,
    },
    people: {
      propertyManager: contact('bench-pm', '王管家'),
      gridWorker: contact('bench-gw', '李网格'),
      coordinator: contact('bench-co', '压测协调人'),
      supervisor: contact('bench-sv', '赵督导'),
    },
    timings: {
      merchantAnswerMs: 2 * DAY,
      approvalReminderMs: 7 * DAY,
      approvalEscalationMs: 14 * DAY,
      reminderOffsetsMs: [DAY],
      attendanceOpensBeforeMs: HOUR,
      attendanceClosesAfterMs: HOUR,
      feedbackDeadlineMs: 7 * DAY,
      feedbackReminderBeforeMs: DAY,
      maxApprovalRounds: 3,
    },
  };
}

async function rssOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      const rss = (m as { rss?: number }).rss;
      if (typeof rss === 'number') {
        child.off('message', onMessage);
        resolve(rss);
      }
    };
    child.on('message', onMessage);
    child.send('rss');
  });
}

async function startMany(n: number, concurrency: number, start: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < n; i = next++) await start(i);
  }));
}

/** RSS added per waiting workflow in a separate worker process: the product's themed activity vs a bare workflow. */
export async function benchWorkerMemory(address: string, n: number, log: (l: string) => void): Promise<MemoryFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-bench-rss-'));
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  try {
    const bundles = {
      // Each built as it is deployed: the product with its shared modules (worker/workflow-bundle.ts),
      // the bare one likewise sharing its one module, so neither pays for per-workflow module copies.
      product: (await bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietLogger() })).code,
      bare: (await bundleWorkflowCode({ workflowsPath: require.resolve('./bare-workflow'), preloadModules: [require.resolve('./bare-workflow')], logger: quietLogger() })).code,
    };
    const perWorkflow: Record<'product' | 'bare', number> = { product: 0, bare: 0 };
    for (const kind of ['bare', 'product'] as const) {
      const bundleFile = path.join(dir, `${kind}.js`);
      fs.writeFileSync(bundleFile, bundles[kind]);
      const taskQueue = `bench-rss-${kind}-${randomBytes(4).toString('hex')}`;
      const child = fork(path.join(__dirname, 'worker-child.ts'), [], {
        execArgv: ['--expose-gc', '--require', require.resolve('tsx/cjs')],
        env: { ...process.env, BENCH_TEMPORAL: address, BENCH_TASK_QUEUE: taskQueue, BENCH_BUNDLE: bundleFile, BENCH_CACHE: String(n + 100) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      try {
        await new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve());
          child.once('exit', (code) => reject(new Error(`the ${kind} worker exited (${code})`)));
        });
        const start = async (i: number) => {
          const id = `bench-rss-${kind}-${i}-${taskQueue}`;
          if (kind === 'bare') {
            const h = await client.workflow.start('bareWaitingWorkflow', { taskQueue, workflowId: id, args: [] });
            await h.query('bareStatus');
          } else {
            const input = waitingActivityInput(id, 'bench-compound', Date.now());
            const h = await client.workflow.start('themedActivityWorkflow', { taskQueue, workflowId: themedActivityWorkflowId(id), args: [input] });
            // Waiting once the approval is asked for: its first tasks (and stand-in activities) are done.
            for (let tries = 0; tries < 200; tries++) {
              const s = (await h.query('status')) as { pending?: { action?: string } };
              if (s.pending?.action === 'decideApproval') break;
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        };
        // Warm up: the first workflows pay for the context and the bundle once.
        await startMany(10, 5, (i) => start(-1 - i));
        const before = await rssOf(child);
        const started = performance.now();
        await startMany(n, 10, start);
        const after = await rssOf(child);
        perWorkflow[kind] = (after - before) / n / 2 ** 20;
        log(`  ${kind}: ${n} waiting workflows in ${((performance.now() - started) / 1000).toFixed(1)} s; RSS ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MiB`);
      } finally {
        child.send('stop');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 15_000);
          child.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    }
    return { workflows: n, productMiBPerWorkflow: perWorkflow.product, bareMiBPerWorkflow: perWorkflow.bare };
  } finally {
    await connection.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- dashboard overview -------------------------------------------------------------------------

export interface DashboardFigures {
  open: number;
  medianMs: number;
}

/**
 * The coordinator's overview page (/dashboard/) with `sizes` themed activities open (each waiting
 * for its approval), started on the product's own worker; median of 15 page loads at each size.
 */
export async function benchDashboard(p: RunningProduct, db: Kysely<Database>, compound: string, sizes: number[], log: (l: string) => void): Promise<DashboardFigures[]> {
  // A coordinator and a session, written as sign-in would write them.
  await db.insertInto('staff').values({ id: 'bench-co', role: 'coordinator', name: '压测协调人', email: 'bench-co@example.test', locale: 'zh-CN', compound_id: null }).onConflict((oc) => oc.doNothing()).execute();
  const sessionId = randomBytes(32).toString('base64url');
  const nowIso = new Date().toISOString();
  await db.insertInto('sessions').values({ id_hash: sha256(sessionId), staff_id: 'bench-co', role: 'coordinator', compound_id: null, created_at: nowIso, expires_at: new Date(Date.now() + 12 * HOUR).toISOString() }).execute();
  const cookie = `cg_session=${sessionId}`;

  const connection = await Connection.connect({ address: p.temporalAddress });
  const client = new Client({ connection });
  const out: DashboardFigures[] = [];
  try {
    let open = 0;
    for (const size of sizes) {
      const from = open;
      const startedAt = performance.now();
      await startMany(size - from, 8, async (k) => {
        const id = `bench-dash-${from + k}`;
        await client.workflow.start('themedActivityWorkflow', { taskQueue: p.taskQueue, workflowId: themedActivityWorkflowId(id), args: [waitingActivityInput(id, compound, Date.now())] });
      });
      open = size;
      // Wait until the read model has every one waiting for its approval (its first activities done).
      const deadline = Date.now() + 180_000;
      for (;;) {
        const row = await db.selectFrom('activities').select((eb) => eb.fn.countAll<string | number>().as('n')).where('id', 'like', 'bench-dash-%').where('pending_action', '=', 'decideApproval').executeTakeFirstOrThrow();
        if (Number(row.n) >= size) break;
        if (Date.now() > deadline) {
          log(`  only ${row.n} of ${size} recorded at the approval stage after 3 minutes; measuring anyway`);
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      // Fifteen loads after a warm-up: at a few ms a page, five were at the mercy of the machine's load.
      const times: number[] = [];
      for (let i = 0; i < 16; i++) {
        const t0 = performance.now();
        const res = await fetch(`${p.baseUrl}/dashboard/`, { headers: { cookie } });
        await res.text();
        if (res.status !== 200) throw new Error(`the overview answered ${res.status}`);
        if (i > 0) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const medianMs = percentile(times, 50);
      out.push({ open: size, medianMs });
      log(`  ${size} open (started in ${((performance.now() - startedAt) / 1000).toFixed(0)} s): overview median ${medianMs.toFixed(0)} ms`);
    }
  } finally {
    await connection.close();
  }
  return out;
}

// ---- check-ins vs a minimal server ----------------------------------------------------------------

/** Starts bench/minimal-server.ts on the product's database; its check-ins go to `activityId`. */
export async function startMinimalServer(databaseUrl: string, token: string): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'minimal-server.ts')], {
    cwd: ROOT,
    env: { ...process.env, BENCH_DB: databaseUrl, BENCH_PORT: String(port), BENCH_TOKEN: token },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).status === 200) break;
    } catch {
      // not yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the minimal server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Check-ins per second of one burst: `families` check-ins by QR token over `concurrency` connections. */
export async function checkInRate(url: string, token: string, families: { qr: string }[], concurrency: number, nonce: string): Promise<{ perSecond: number; errors: number; result: LoadResult }> {
  const result = await runLoad(families.map((f, i) => () => ({ url, body: { qrToken: f.qr, nonce: `${nonce}-${i}` } })), token, concurrency);
  const errors = result.failures.length + result.replies.filter((r) => r.status !== 201).length;
  return { perSecond: (families.length / result.wallMs) * 1000, errors, result };
}
