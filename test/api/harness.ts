/**
 * Everything an API test needs, all real: a migrated SQLite database in a temp dir with a seeded
 * directory, a dev mailbox the real SMTP mailer sends to, the real activities on a worker (its own
 * task queue) against the shared dev server, one Client, and the app listening on port 0.
 */
import '../support/quiet-temporal-logs';
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
import type { Logger } from '../../api/errors';
import { createActivities } from '../../activities';
import { loadConfig, type Config } from '../../config';
import { createDatabase } from '../../db/database';
import { migrateToLatest } from '../../db/migrate';
import { SqlActivityStore } from '../../db/store';
import type { Database } from '../../db/types';
import type { PlanInput } from '../../domain/schemas';
import { startDevMailbox, type DevMailbox, type StoredMail } from '../../mail/dev-mailbox';
import { SmtpMailer } from '../../mail/smtp-mailer';
import { renderEmail } from '../../mail/templates';
import { createWorker } from '../../worker/create-worker';
import { devServerAddress, workflowBundle } from '../support/temporal';

export const LINK_SECRET = 'api-test-link-secret-0123456789abcdefghijklmnopqr'; // 48 chars
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const STAFF = {
  pm: { id: 'pm-east', role: 'propertyManager', name: '王管家', email: 'pm-east@example.test', compound: 'c-east' },
  gw: { id: 'gw-east', role: 'gridWorker', name: '李网格', email: 'gw-east@example.test', compound: 'c-east' },
  co: { id: 'co-1', role: 'coordinator', name: '张协调', email: 'coord@example.test', compound: null },
  su: { id: 'su-1', role: 'supervisor', name: '陈督导', email: 'sup@example.test', compound: null },
  pmWest: { id: 'pm-west', role: 'propertyManager', name: '赵管家', email: 'pm-west@example.test', compound: 'c-west' },
} as const;

export const TOKENS = {
  pm: 'token-pm-east-0123456789abcdef',
  gw: 'token-gw-east-0123456789abcdef',
  co: 'token-coordinator-0123456789ab',
  su: 'token-supervisor-0123456789abc',
  pmWest: 'token-pm-west-0123456789abcdef',
} as const;
export type Who = keyof typeof TOKENS;

export interface ApiHarness {
  baseUrl: string;
  config: Config;
  db: Kysely<Database>;
  mailbox: DevMailbox;
  client: Client;
  logs: { level: string; message: string; meta?: Record<string, unknown> }[];
  /** Another app on the same dependencies, listening on its own port (for rate limits and failures). */
  startExtraApp(overrides: Partial<AppDeps>): Promise<{ baseUrl: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function startApiHarness(options: { worker: boolean }): Promise<ApiHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-api-'));
  const db = createDatabase({ sqlitePath: path.join(dir, 'app.sqlite') });
  await migrateToLatest(db);
  await db.insertInto('compounds').values([{ id: 'c-east', name: '东苑' }, { id: 'c-west', name: '西苑' }]).execute();
  await db
    .insertInto('staff')
    .values(Object.values(STAFF).map((s) => ({ id: s.id, role: s.role, name: s.name, email: s.email, locale: 'zh-CN' as const, compound_id: s.compound })))
    .execute();

  const mailbox = await startDevMailbox({ port: 0 });
  const server = http.createServer();
  const baseUrl = await listen(server);
  const address = devServerAddress();
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_BASE_URL: baseUrl,
    LINK_SECRET,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: `api-test-${randomUUID()}`,
    DATA_DIR: dir,
    MAIL_FROM: 'noreply@jinhua.example.test',
    STAFF_TOKENS: JSON.stringify(
      (Object.keys(TOKENS) as Who[]).map((who) => ({
        token: TOKENS[who],
        role: STAFF[who].role,
        staffId: STAFF[who].id,
        name: STAFF[who].name,
        ...(STAFF[who].compound ? { compound: STAFF[who].compound } : {}),
      })),
    ),
  });
  const mailer = new SmtpMailer({ host: '127.0.0.1', port: mailbox.port, secure: false, from: config.mail.from });

  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let workerConnection: NativeConnection | undefined;
  if (options.worker) {
    workerConnection = await NativeConnection.connect({ address });
    worker = await createWorker({
      connection: workerConnection,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: workflowBundle(),
      activities: createActivities({
        store: new SqlActivityStore(db),
        mailer,
        render: renderEmail,
        links: { secret: LINK_SECRET, publicBaseUrl: baseUrl, graceMs: config.links.graceMs },
        messageIdDomain: 'jinhua.example.test',
      }),
    });
    running = worker.run();
  }
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });

  const logs: ApiHarness['logs'] = [];
  const logger: Logger = {
    info: (message, meta) => logs.push({ level: 'info', message, ...(meta ? { meta } : {}) }),
    warn: (message, meta) => logs.push({ level: 'warn', message, ...(meta ? { meta } : {}) }),
    error: (message, meta) => logs.push({ level: 'error', message, ...(meta ? { meta } : {}) }),
  };
  const deps: AppDeps = {
    client,
    config,
    db,
    linkSecret: LINK_SECRET,
    mailer,
    logger,
    // The shared suite makes many requests from one address; the limit itself has its own test.
    linkRateLimit: { capacity: 1000, perMinute: 1000 },
  };
  server.on('request', createApp(deps));
  const extras: http.Server[] = [];

  return {
    baseUrl,
    config,
    db,
    mailbox,
    client,
    logs,
    async startExtraApp(overrides) {
      const extra = http.createServer(createApp({ ...deps, ...overrides }));
      extras.push(extra);
      const url = await listen(extra);
      return { baseUrl: url, close: () => closeServer(extra) };
    },
    async close() {
      for (const extra of extras) if (extra.listening) await closeServer(extra);
      await closeServer(server);
      if (worker) {
        worker.shutdown();
        await running;
      }
      await workerConnection?.close();
      await connection.close();
      await mailer.close();
      await mailbox.close();
      await db.destroy();
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

export function communityPlan(title: string, overrides: Partial<PlanInput> = {}): PlanInput {
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
    venue: { kind: 'community', venueName: '东苑活动室', hours: 3 },
    volunteersNeeded: 5,
    pointsRules: { attendance: 10, perVolunteerHour: 5 },
    budget: 1200,
    ...overrides,
  };
}

export function merchantPlan(title: string, merchant: { id: string; email: string }): PlanInput {
  return communityPlan(title, {
    venue: {
      kind: 'merchant',
      hours: 4,
      candidateMerchants: [{ id: merchant.id, name: '万达广场', email: merchant.email, venueName: '万达广场中庭' }],
    },
  });
}

// ---- HTTP ------------------------------------------------------------------------------------

export interface JsonResponse {
  status: number;
  body: any;
  headers: Headers;
}

export async function api(
  baseUrl: string,
  method: string,
  path: string,
  opts: { who?: Who; token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token ?? (opts.who ? TOKENS[opts.who] : undefined);
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export interface PageResponse {
  status: number;
  text: string;
  headers: Headers;
  /** `a_csrf=<value>` from Set-Cookie, when the page set one. */
  cookie?: string;
  /** The hidden csrf field of the page's form, when there is one. */
  csrf?: string;
}

export async function page(url: string, init: RequestInit = {}): Promise<PageResponse> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('a_csrf='));
  const cookie = setCookie?.split(';')[0];
  const csrf = /name="csrf" value="([^"]+)"/.exec(text)?.[1];
  return { status: res.status, text, headers: res.headers, ...(cookie ? { cookie } : {}), ...(csrf ? { csrf } : {}) };
}

/** Loads the link's page (for the CSRF cookie and field) and posts the form as a browser would. */
export async function submit(link: string, fields: Record<string, string>, opts: { from?: PageResponse; headers?: Record<string, string> } = {}): Promise<PageResponse> {
  const shown = opts.from ?? (await page(link));
  const form = new URLSearchParams({ ...(shown.csrf ? { csrf: shown.csrf } : {}), ...fields });
  return page(link, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(shown.cookie ? { cookie: shown.cookie } : {}),
      ...opts.headers,
    },
    body: form.toString(),
  });
}

const LINK = /(https?:\/\/[^\s"<>]+\/a\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/;

export function linkIn(mail: StoredMail): string {
  const m = LINK.exec(mail.text);
  if (!m?.[1]) throw new Error(`no action link in mail "${mail.subject}"`);
  return m[1];
}

export function mailTo(mailbox: DevMailbox, email: string, subjectIncludes: string, timeoutMs = 30_000): Promise<StoredMail> {
  return mailbox.waitFor((m) => m.to.includes(email) && m.subject.includes(subjectIncludes), timeoutMs);
}

/** Polls until `check` returns a value (not undefined), or fails after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
