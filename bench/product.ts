/**
 * Starts the whole product as `npm start` does (scripts/start.ts: Temporal dev server, dev
 * mailbox, worker, API), from source, in a child process on free ports with a temporary DATA_DIR,
 * and stops it again. With a PostgreSQL URL, a fresh database is created on that server for the
 * run and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Client as PgClient } from 'pg';
import { freePort, freePorts } from '../scripts/temporal-binaries';

const ROOT = path.resolve(__dirname, '..');

export interface RunningProduct {
  baseUrl: string;
  dataDir: string;
  /** What the product's DATABASE_URL is (a fresh PostgreSQL database), or undefined for SQLite in dataDir. */
  databaseUrl: string | undefined;
  sqlitePath: string;
  /** A coordinator's bearer token (the product's STAFF_TOKENS has only this one). */
  token: string;
  /** The product's Temporal dev server and its worker's task queue. */
  temporalAddress: string;
  taskQueue: string;
  /**
   * Starts one more API process (api/main.ts, as `npm run api` does) beside the product, on the
   * same database and Temporal server, without a worker in it: how a deployment that takes real
   * traffic runs the API. Stopped with the product if not before.
   */
  startApiOnly(): Promise<{ baseUrl: string; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

async function createPgDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new PgClient({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new PgClient({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

async function waitForHealth(baseUrl: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the product exited (${child.exitCode}) while starting; see ${logFile}:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the product did not become healthy in ${timeoutMs / 1000} s; see ${logFile}:\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Waits until the worker polls its task queue: only then has it finished starting (bundling the
 * workflows when run from source takes the CPU for a while), so the bursts measure the API alone.
 */
async function waitForWorker(address: string, taskQueue: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the product exited (${child.exitCode}) while its worker was starting`);
      const res = await connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      if ((res.pollers ?? []).length > 0) return;
      if (Date.now() > deadline) throw new Error(`the worker did not poll ${taskQueue} in ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await connection.close();
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startProduct(opts: { postgresServerUrl?: string; log: (line: string) => void }): Promise<RunningProduct> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-bench-'));
  const pg = opts.postgresServerUrl ? await createPgDatabase(opts.postgresServerUrl) : undefined;
  const [port, devPort, uiPort, mailPort] = (await freePorts(4)) as [number, number, number, number];
  const baseUrl = `http://127.0.0.1:${port}`;
  const token = randomBytes(24).toString('base64url');
  const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
  const logFile = path.join(dataDir, 'product.log');
  const out = fs.openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_BASE_URL: baseUrl,
    TEMPORAL_DEV_PORT: String(devPort),
    TEMPORAL_UI_PORT: String(uiPort),
    TEMPORAL_TASK_QUEUE: taskQueue,
    DEV_MAILBOX_PORT: String(mailPort),
    LINK_SECRET: randomBytes(32).toString('base64url'),
    STAFF_TOKENS: JSON.stringify([{ token, role: 'coordinator', staffId: 'bench-co', name: '压测协调人' }]),
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
  };
  opts.log(`starting the product (scripts/start.ts) on ${baseUrl}, DATA_DIR ${dataDir}${pg ? ', a fresh PostgreSQL database' : ', SQLite'} …`);
  // Its own process group, so that a stop that fails can still end everything it started.
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), path.join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', out, out],
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const extraApis: (() => Promise<void>)[] = [];

  const startApiOnly = async () => {
    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const apiChild = spawn(process.execPath, [require.resolve('tsx/cli'), path.join(ROOT, 'api', 'main.ts')], {
      cwd: ROOT,
      env: { ...env, PORT: String(apiPort) },
      stdio: ['ignore', out, out],
      detached: true,
    });
    const apiExited = new Promise<void>((resolve) => apiChild.once('exit', () => resolve()));
    const stopApi = async () => {
      if (apiChild.exitCode === null && apiChild.signalCode === null) apiChild.kill('SIGTERM');
      await apiExited;
    };
    extraApis.push(stopApi);
    await waitForHealth(apiUrl, apiChild, logFile, 120_000);
    return { baseUrl: apiUrl, stop: stopApi };
  };

  const stop = async () => {
    for (const stopApi of extraApis) await stopApi();
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 30_000).unref())]);
      if (timedOut) {
        opts.log('the product did not stop in 30 s: killing its process group');
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited;
      }
    }
    fs.closeSync(out);
    await pg?.drop().catch((err: unknown) => opts.log(`could not drop the bench database: ${String(err)}`));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(baseUrl, child, logFile, 180_000);
    await waitForWorker(`127.0.0.1:${devPort}`, taskQueue, child, 180_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, dataDir, databaseUrl: pg?.url, sqlitePath: path.join(dataDir, 'app.sqlite'), token, temporalAddress: `127.0.0.1:${devPort}`, taskQueue, startApiOnly, stop };
}
