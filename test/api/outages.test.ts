/**
 * Outages answer 503 and say which part is down (issue 14, item 6). The real API process
 * (api/main.ts startApi) on PostgreSQL reached through a TCP proxy this test can cut, and on the
 * shared Temporal dev server or on an address where nothing listens:
 * - the database gone: JSON routes answer 503 + Retry-After naming the database, people's pages a
 *   Chinese "try again shortly" page, /healthz names it; back when the database is back;
 * - Temporal gone: the API still starts and serves what needs only the database;
 * - start-up against a PostgreSQL that accepts but never answers stops within the timeout, saying
 *   what it waited for; a mistyped DATABASE_URL scheme never starts at all.
 */
import fs from 'node:fs';
import net, { type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config';
import { startApi, type RunningApi } from '../../api/main';
import { openDatabase } from '../../db/open';
import { SqlActivityStore, writeReadModel } from '../../db/store';
import type { ActivityStatus } from '../../domain/activity';
import { createTestDatabase, type TestDatabase } from '../db/harness';
import { devServerAddress } from '../support/temporal';

/** A TCP proxy to 127.0.0.1:5432 that can be taken down (refusing and cutting) and brought back on the same port. */
class CuttableProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async up(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(5432, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const TOKEN = 'c'.repeat(32);
const STAFF_TOKENS = JSON.stringify([{ token: TOKEN, role: 'coordinator', staffId: 'co-1', name: '张协调' }]);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-outage-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function configWith(env: Record<string, string>) {
  return loadConfig({ NODE_ENV: 'development', PORT: '0', DATA_DIR: dir, STAFF_TOKENS, TEMPORAL_ADDRESS: devServerAddress(), DATABASE_QUERY_TIMEOUT: '3s', DATABASE_CONNECT_TIMEOUT: '2s', ...env });
}

describe('the database goes away under a running API', () => {
  const proxy = new CuttableProxy();
  let pg: TestDatabase;
  let api: RunningApi;
  let base: string;

  beforeAll(async () => {
    pg = await createTestDatabase('postgres', { migrate: false });
    await proxy.up();
    const url = new URL(pg.url);
    url.port = String(proxy.port);
    api = await startApi(configWith({ DATABASE_URL: url.toString() }), () => undefined);
    base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await api?.close();
    await proxy.down();
    await pg?.close();
  });

  const rewards = () => fetch(`${base}/api/rewards`, { headers: { authorization: `Bearer ${TOKEN}` } });

  test('503 with Retry-After naming the database, a Chinese page for people, and back afterwards', async () => {
    expect((await rewards()).status).toBe(200);

    await proxy.down();
    const json = await rewards();
    expect(json.status).toBe(503);
    expect(json.headers.get('retry-after')).toBe('5');
    expect(await json.json()).toMatchObject({ error: { code: 'Unavailable', details: { part: 'database' } } });

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ checks: { database: 'unavailable', temporal: 'ok' } });

    // A staff page with a session cookie: looking the session up needs the database.
    const page = await fetch(`${base}/dashboard`, { headers: { 'accept-language': 'zh-CN', cookie: `cg_session=${'A'.repeat(43)}` }, redirect: 'manual' });
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    expect(await page.text()).toContain('系统暂时无法连接，请稍后再试');

    // A family at the door with its card or its link: "try again shortly", never "not found".
    for (const path of ['/q/ABCDEFGH12345678', '/activities/a-any/register']) {
      const person = await fetch(`${base}${path}`, { headers: { 'accept-language': 'zh-CN' } });
      expect({ path, status: person.status, retryAfter: person.headers.get('retry-after') }).toEqual({ path, status: 503, retryAfter: '5' });
      expect(await person.text()).toContain('系统暂时无法连接，请稍后再试');
    }

    await proxy.up();
    // The pool replaces its dropped clients: the first request after the outage may still find one.
    let status = 0;
    for (let i = 0; i < 5 && status !== 200; i++) status = (await rewards()).status;
    expect(status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe('Temporal is not there', () => {
  test('the API starts, serves what needs only the database, and answers 503 naming Temporal for the rest', async () => {
    const blackhole = net.createServer();
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as AddressInfo).port;
    await new Promise<void>((resolve) => blackhole.close(() => resolve())); // nothing listens there now
    const api = await startApi(configWith({ TEMPORAL_ADDRESS: `127.0.0.1:${port}` }), () => undefined);
    try {
      const base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
      const rewards = await fetch(`${base}/api/rewards`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(rewards.status).toBe(200);
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ checks: { database: 'ok', temporal: 'unavailable' } });
      const asked = Date.now();
      const status = await fetch(`${base}/api/activities/a-missing`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(status.status).toBe(503);
      expect(Date.now() - asked).toBeLessThan(10_000);
      expect(status.headers.get('retry-after')).toBe('5');
      expect(await status.json()).toMatchObject({ error: { code: 'Unavailable', details: { part: 'temporal' } } });

      // An activity its workflow has written to the read model: its status is what it last wrote,
      // marked as such, while Temporal cannot answer (no 500, no 503 for what the database knows).
      const db = await openDatabase(configWith({}).database, () => undefined);
      try {
        await new SqlActivityStore(db).upsertActivity({
          activityId: 'a-written',
          cycleId: 'cycle-1',
          compound: 'c-east',
          title: '邻里节',
          startsAt: '2027-01-09T02:00:00.000Z',
          endsAt: '2027-01-09T04:00:00.000Z',
          capacity: 40,
          stage: 'reminders',
        });
        const written = { activityId: 'a-written', compound: 'c-east', stage: 'reminders', stages: [{ stage: 'reminders', startedAt: '2026-12-01T02:00:00.000Z' }] };
        await writeReadModel(db, 'a-written', written as unknown as ActivityStatus, 1);
      } finally {
        await db.destroy();
      }
      const fromReadModel = await fetch(`${base}/api/activities/a-written`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(fromReadModel.status).toBe(200);
      expect(await fromReadModel.json()).toMatchObject({ activityId: 'a-written', stage: 'reminders', source: 'readModel' });
    } finally {
      await api.close();
    }
  });
});

describe('start-up', () => {
  test('a PostgreSQL that accepts the connection but never answers stops start-up within the timeout, saying what it waited for', async () => {
    const silent = net.createServer(() => undefined); // accepts, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const lines: string[] = [];
    try {
      const started = Date.now();
      await expect(
        openDatabase({ url: `postgres://app:secret@127.0.0.1:${port}/cogov`, sqlitePath: 'unused', connectTimeoutMs: 700, queryTimeoutMs: 700 }, (l) => lines.push(l)),
      ).rejects.toThrow(new RegExp(`DATABASE_URL: cannot use PostgreSQL at 127\\.0\\.0\\.1:${port}/cogov`));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(lines.join('\n')).toContain(`connecting to PostgreSQL at 127.0.0.1:${port}/cogov (waiting up to 1 s`);
      expect(lines.join('\n')).not.toContain('secret');
    } finally {
      silent.close();
    }
  });

  test('a DATABASE_URL with a scheme we do not speak is refused by name instead of running on SQLite', () => {
    expect(() => configWith({ DATABASE_URL: 'postgress://u@127.0.0.1:5432/db' })).toThrow(ConfigError);
    expect(() => configWith({ DATABASE_URL: 'postgress://u@127.0.0.1:5432/db' })).toThrow(/DATABASE_URL: unknown scheme "postgress:"/);
    expect(() => configWith({ DATABASE_URL: 'mysql://u@h/db' })).toThrow(/DATABASE_URL: unknown scheme "mysql:"/);
    expect(() => configWith({ DATABASE_URL: 'postgres://' })).toThrow(/DATABASE_URL: names no host/);
    expect(configWith({ DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' }).database.url).toBe('postgres://u@127.0.0.1:5432/db');
    expect(configWith({ DATABASE_URL: 'sqlite:data/x.sqlite' }).database.url).toBe('sqlite:data/x.sqlite');
    expect(configWith({ DATABASE_URL: 'data/x.sqlite' }).database.url).toBe('data/x.sqlite');
  });
});
