/**
 * The one builder behind the app harnesses (test/api, test/api/dashboard, test/cycles): all real, a
 * migrated SQLite database in a temp dir (or, with `dialect: 'postgres'`, a fresh PostgreSQL
 * database from test/db/harness.ts) seeded with two compounds and their staff (plus what the
 * suite adds), a dev mailbox the real SMTP mailer sends to, optionally the real activities on a
 * worker (its own task queue) against the shared dev server, one Client, and the app listening on
 * port 0. Each suite's harness passes what differs explicitly: its secret, staff and tokens, extra
 * seed data, config overrides, app dependencies (rate limits, logger) and worker activities.
 */
import './quiet-temporal-logs';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createApp, type AppDeps } from '../../api/app';
import type { Logger } from '../../api/http/errors';
import { createActivities } from '../../activities';
import { loadConfig, type Config } from '../../config';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { createRepositories } from '../../db/repositories';
import { Cycles } from '../../db/services/cycles';
import { reportDeps } from '../../reports';
import { SqlActivityStore } from '../../db/store';
import type { Database, StaffRoleText } from '../../db/types';
import type { PlanRequestInput } from '../../api/activities/schemas';
import { startDevMailbox, type DevMailbox } from '../../mail/dev-mailbox';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';
import { createWorker, type CreateWorkerOptions } from '../../worker/create-worker';
import { createTestDatabase, type DialectName } from '../db/harness';
import { devServerAddress, workflowBundle } from './temporal';
import { encryptedDataConverter, payloadCodecFrom } from '../../lib/payload-codec';
import { startEmailRetrier, type RunningRetrier } from '../../mail/email-retrier';
import { startSurveySweeper, type RunningSurveySweeper } from '../../activities/surveys';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface StaffSeed {
  id: string;
  role: StaffRoleText;
  name: string;
  email: string;
  compound: string | null;
}

export interface AppHarness {
  baseUrl: string;
  config: Config;
  db: Kysely<Database>;
  mailbox: DevMailbox;
  client: Client;
  /** What the app logged (empty when the suite passes its own logger). */
  logs: { level: string; message: string; meta?: Record<string, unknown> }[];
  /** The worker process's survey sweeper (activities/surveys.ts), when there is a worker: `runNow()` opens due rounds. */
  surveySweeper?: RunningSurveySweeper;
  /** Another app on the same dependencies, listening on its own port (rate limits, failures, an https base URL). */
  startExtraApp(overrides: Partial<AppDeps>): Promise<{ baseUrl: string; close(): Promise<void> }>;
  /** Starts the worker (after stopWorker, or when the harness was made without one). */
  startWorker(): Promise<void>;
  /** Stops the worker and its email retrier, as a stopped worker process would; the app keeps running. */
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/** What the worker's activities may be built from. */
export interface ActivityContext {
  db: Kysely<Database>;
  store: SqlActivityStore;
  mailer: SmtpMailer;
  client: Client;
  baseUrl: string;
  config: Config;
}

export interface AppHarnessOptions<W extends string> {
  /** Prefix of the temp dir, e.g. `cogov-api-`. */
  tmpPrefix: string;
  /** Prefix of the worker's task queue, e.g. `api-test-`. */
  taskQueuePrefix: string;
  linkSecret: string;
  mailFrom: string;
  messageIdDomain: string;
  /** Staff rows seeded, and their bearer tokens (config STAFF_TOKENS). */
  staff: Record<W, StaffSeed>;
  tokens: Record<W, string>;
  /** Seeds the suite's own data after the compounds and staff. */
  seed?: (db: Kysely<Database>) => Promise<void>;
  /** Config overrides (env names), applied last. */
  env?: Record<string, string>;
  /** Runs the real activities on a worker on the harness's own task queue. */
  worker: boolean;
  /** Activities the worker runs besides the themed-activity ones. */
  extraActivities?: (ctx: ActivityContext) => Partial<CreateWorkerOptions['activities']>;
  /** App dependencies besides client, config, db, link secret, mailer (e.g. rate limits). */
  deps?: Partial<AppDeps>;
  /** The app's logger; by default one that records into `logs`. */
  logger?: Logger;
  /** The database the app runs on: SQLite in the temp dir (default), or a fresh PostgreSQL database (test/db/harness.ts). */
  dialect?: DialectName;
}

export async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** STAFF_TOKENS for the config: one entry per token, with the staff member's role, id, name and compound. */
export function staffTokensEnv<W extends string>(staff: Record<W, StaffSeed>, tokens: Record<W, string>): string {
  return JSON.stringify(
    (Object.keys(tokens) as W[]).map((who) => ({
      token: tokens[who],
      role: staff[who].role,
      staffId: staff[who].id,
      name: staff[who].name,
      ...(staff[who].compound ? { compound: staff[who].compound } : {}),
    })),
  );
}

export async function startAppHarness<W extends string>(options: AppHarnessOptions<W>): Promise<AppHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), options.tmpPrefix));
  const postgres = options.dialect === 'postgres' ? await createTestDatabase('postgres') : undefined;
  const db = postgres?.db ?? createDatabase({ sqlitePath: path.join(dir, 'app.sqlite') });
  if (!postgres) await migrateToLatest(db);
  await db.insertInto('compounds').values([{ id: 'c-east', name: '东苑' }, { id: 'c-west', name: '西苑' }]).execute();
  await db
    .insertInto('staff')
    .values(Object.values<StaffSeed>(options.staff).map((s) => ({ id: s.id, role: s.role, name: s.name, email: s.email, locale: 'zh-CN' as const, compound_id: s.compound })))
    .execute();
  await options.seed?.(db);

  const mailbox = await startDevMailbox({ port: 0 });
  const server = http.createServer();
  const baseUrl = await listen(server);
  const address = devServerAddress();
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_BASE_URL: baseUrl,
    LINK_SECRET: options.linkSecret,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: `${options.taskQueuePrefix}${randomUUID()}`,
    DATA_DIR: dir,
    MAIL_FROM: options.mailFrom,
    STAFF_TOKENS: staffTokensEnv(options.staff, options.tokens),
    ...options.env,
  });
  const mailer = new SmtpMailer({ host: '127.0.0.1', port: mailbox.port, secure: false, from: config.mail.from });
  const store = new SqlActivityStore(db, { ledgerPolicy: config.points.policy });

  const connection = await Connection.connect({ address });
  // The product's codec, as every process of it runs: the history holds ciphertext.
  const payloadCodec = payloadCodecFrom({ ...config.payloadKeys, dataDir: dir });
  const dataConverter = encryptedDataConverter(payloadCodec);
  const client = new Client({ connection, dataConverter });

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let workerConnection: NativeConnection | undefined;
  /** The worker process's email retrier (mail/email-retrier.ts), when there is a worker. */
  let retrier: RunningRetrier | undefined;
  let surveySweeper: RunningSurveySweeper | undefined;
  /** Starts what the worker process runs: the real activities on the harness's task queue, the email retrier and the survey sweeper. */
  async function startWorker(): Promise<void> {
    if (worker) throw new Error('the harness worker is already running');
    workerConnection = await NativeConnection.connect({ address });
    worker = await createWorker({
      connection: workerConnection,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: workflowBundle(),
      dataConverter,
      activities: {
        ...createActivities({
          store,
          mailer,
          render: renderEmail,
          links: { secret: options.linkSecret, publicBaseUrl: baseUrl, graceMs: config.links.graceMs },
          messageIdDomain: options.messageIdDomain,
          retryDelaysMs: config.mail.retryDelaysMs,
        }),
        ...options.extraActivities?.({ db, store, mailer, client, baseUrl, config }),
      },
    });
    running = worker.run();
    retrier = startEmailRetrier({ store, mailer, owner: `harness-${randomUUID()}`, retryDelaysMs: config.mail.retryDelaysMs, intervalMs: config.mail.retryIntervalMs });
    surveySweeper = startSurveySweeper({
      db,
      store,
      mailer,
      linkSecret: options.linkSecret,
      publicBaseUrl: baseUrl,
      messageIdDomain: options.messageIdDomain,
      withdrawPeriodMs: config.surveys.withdrawPeriodMs,
      retryDelaysMs: config.mail.retryDelaysMs,
      owner: `harness-${randomUUID()}`,
      intervalMs: config.surveys.sweepIntervalMs,
    });
  }
  /** Stops the worker as a process that is shut down would: nothing of ours runs workflows or activities until startWorker. */
  async function stopWorker(): Promise<void> {
    await surveySweeper?.stop();
    surveySweeper = undefined;
    await retrier?.stop();
    retrier = undefined;
    if (worker) {
      worker.shutdown();
      await running;
    }
    worker = undefined;
    running = undefined;
    await workerConnection?.close();
    workerConnection = undefined;
  }
  if (options.worker) await startWorker();

  const logs: AppHarness['logs'] = [];
  const logger: Logger = options.logger ?? {
    info: (message, meta) => logs.push({ level: 'info', message, ...(meta ? { meta } : {}) }),
    warn: (message, meta) => logs.push({ level: 'warn', message, ...(meta ? { meta } : {}) }),
    error: (message, meta) => logs.push({ level: 'error', message, ...(meta ? { meta } : {}) }),
  };
  const deps: AppDeps = { client, config, repos: createRepositories(db, { ...reportDeps(db), ledgerPolicy: config.points.policy }), linkSecret: options.linkSecret, mailer, logger, payloadCodec, ...options.deps };
  server.on('request', createApp(deps));
  const extras: http.Server[] = [];

  return {
    baseUrl,
    config,
    db,
    mailbox,
    client,
    logs,
    startWorker,
    stopWorker,
    // A getter: the sweeper is the running worker's, and a restarted worker has a new one.
    get surveySweeper() {
      return surveySweeper;
    },
    async startExtraApp(overrides) {
      const extra = http.createServer(createApp({ ...deps, ...overrides }));
      extras.push(extra);
      const url = await listen(extra);
      return { baseUrl: url, close: () => closeServer(extra) };
    },
    async close() {
      for (const extra of extras) if (extra.listening) await closeServer(extra);
      await closeServer(server);
      await stopWorker();
      await connection.close();
      await mailer.close();
      await mailbox.close();
      if (postgres) await postgres.close();
      else await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- data ------------------------------------------------------------------------------------

let counter = 0;
/** A unique suffix per call, so each test makes its own data. */
export function unique(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** A community-venue plan in c-east starting in 10 days (whole minute), two hours long, the venue booked for those two hours. */
export function communityPlan(title: string, overrides: Partial<PlanRequestInput> = {}): PlanRequestInput {
  const startsAt = new Date(Date.now() + 10 * DAY);
  startsAt.setUTCSeconds(0, 0);
  return {
    title,
    theme: '邻里节',
    compound: 'c-east',
    description: '亲子运动会，欢迎全家参加。',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 2 * HOUR).toISOString(),
    capacity: 80,
    venue: { kind: 'community', venueName: '东苑活动室', hours: 2 },
    volunteersNeeded: 5,
    pointsRules: { attendance: 10, perVolunteerHour: 5 },
    budget: 1200,
    ...overrides,
  };
}

/**
 * A merchant in the directory with one venue (the first on record is the one a plan asks for by
 * default): plans name merchants by id, and the API reads the rest from here.
 */
export async function seedMerchant(
  db: Kysely<Database>,
  merchant: { id: string; email: string; name?: string; locale?: 'zh-CN' | 'en'; venueName?: string },
): Promise<{ id: string; email: string; name: string; venueId: string; venueName: string }> {
  const name = merchant.name ?? '万达广场';
  const venueName = merchant.venueName ?? '万达广场中庭';
  const venueId = `${merchant.id}-venue`;
  await db.insertInto('merchants').values({ id: merchant.id, name, email: merchant.email, locale: merchant.locale ?? 'zh-CN' }).execute();
  await db.insertInto('venues').values({ id: venueId, merchant_id: merchant.id, name: venueName, capacity: null }).execute();
  return { id: merchant.id, email: merchant.email, name, venueId, venueName };
}

/**
 * An incubation cycle on record, as POST /api/cycles leaves it (without its workflow), from a day
 * ago to a year ahead: an activity may only start in a cycle on record, within its period.
 */
export async function seedCycle(db: Kysely<Database>, cycleId: string, period: { periodStart?: string; periodEnd?: string } = {}): Promise<string> {
  await new Cycles(db).ensure({
    cycleId,
    name: `周期 ${cycleId}`,
    periodStart: period.periodStart ?? new Date(Date.now() - DAY).toISOString(),
    periodEnd: period.periodEnd ?? new Date(Date.now() + 365 * DAY).toISOString(),
    compounds: ['c-east', 'c-west'],
    coordinator: { id: 'co-1' },
    supervisor: { id: 'su-1' },
    milestones: [],
  });
  return cycleId;
}

/** Polls until `check` returns a value (not undefined), or fails after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition', intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
