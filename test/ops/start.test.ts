/**
 * `npm start` for real: the start script runs as a child process (from source, through tsx) with
 * its own data folder and free ports; it starts the Temporal dev server, the dev mailbox, the
 * worker and the API. A themed activity started in the first run is found where it was after a
 * restart on the same data folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDatabase } from '../../db/database';
import { Plan, type ThemedActivityInput } from '../../domain/schemas';
import { freePort, freePorts } from '../../scripts/temporal-binaries';
import { statusQuery, themedActivityWorkflow } from '../../workflows/themed-activity';
import { themedActivityWorkflowId } from '../../domain/activity';
import { loadConfig } from '../../config';
import { encryptedDataConverter, payloadCodecFrom } from '../../lib/payload-codec';

const ROOT = path.resolve(__dirname, '..', '..');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const READY_TIMEOUT_MS = 180_000;

interface Ports {
  http: number;
  temporal: number;
  ui: number;
  smtp: number;
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const runs: Run[] = [];

function launch(dataDir: string, ports: Ports): Run {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    PORT: String(ports.http),
    PUBLIC_BASE_URL: `http://localhost:${ports.http}`,
    TEMPORAL_DEV_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    DEV_MAILBOX_PORT: String(ports.smtp),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (b: Buffer) => (text += b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => (text += b.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const run = { child, output: () => text, exited };
  runs.push(run);
  return run;
}

/** The printed URLs, once the script says it is ready. */
async function ready(run: Run): Promise<Record<string, string>> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!run.output().includes('Press Ctrl-C to stop.')) {
    if (run.child.exitCode !== null) throw new Error(`start exited with ${run.child.exitCode}:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`start not ready after ${READY_TIMEOUT_MS} ms:\n${run.output()}`);
    await sleep(200);
  }
  return Object.fromEntries([...run.output().matchAll(/^ {2}([A-Za-z ]+):\s+(\S+)/gm)].map((m) => [m[1]!.trim(), m[2]!]));
}

/** Every process below `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) if (parent === p) (out.push(child), walk(child));
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function stopWithSigint(run: Run): Promise<void> {
  const pid = run.child.pid!;
  const children = descendants(pid);
  expect(children.length).toBeGreaterThan(0); // the Temporal dev server
  run.child.kill('SIGINT');
  const exit = await run.exited;
  expect({ exit, output: run.output() }).toEqual({ exit: { code: 0, signal: null }, output: expect.stringContaining('stopped Temporal dev server') });
  const order = ['stopped API', 'stopped worker', 'stopped dev mailbox', 'stopped Temporal dev server'].map((l) => run.output().indexOf(l));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  await eventually(async () => expect(children.filter(alive)).toEqual([]), 15_000);
}

describe('npm start (scripts/start.ts)', () => {
  let dataDir: string;
  let ports: Ports;
  let connection: Connection | undefined;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-start-'));
    const [http, temporal, ui, smtp] = (await freePorts(4)) as [number, number, number, number];
    ports = { http, temporal, ui, smtp };
  });

  afterAll(async () => {
    await connection?.close();
    for (const run of runs) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        for (const pid of descendants(run.child.pid!)) process.kill(pid, 'SIGKILL');
        run.child.kill('SIGKILL');
        await run.exited;
      }
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the whole product, stops cleanly on SIGINT, and finds an activity where it was after a restart', async () => {
    // ---- first run -------------------------------------------------------------------------
    const first = launch(dataDir, ports);
    const urls = await ready(first);
    expect(urls).toMatchObject({
      API: `http://localhost:${ports.http}`,
      'API docs': `http://localhost:${ports.http}/api/docs`,
      Dashboard: `http://localhost:${ports.http}/dashboard`,
      'Dev mailbox': `http://localhost:${ports.http}/dev/mailbox`,
      'Temporal UI': `http://127.0.0.1:${ports.ui}`,
      Temporal: `127.0.0.1:${ports.temporal}`,
    });
    const health = await fetch(`${urls.API}/healthz`);
    expect(health.status).toBe(200);
    const mailboxPage = await fetch(urls['Dev mailbox']!);
    expect(mailboxPage.status).toBe(200);
    expect(await mailboxPage.text()).toContain('开发邮箱 Dev mailbox');
    expect((await fetch(urls['Temporal UI']!)).status).toBe(200);
    // The dashboard asks for sign-in first.
    expect((await fetch(urls.Dashboard!, { redirect: 'manual' })).status).toBeGreaterThanOrEqual(300);
    expect(fs.existsSync(path.join(dataDir, 'temporal.sqlite'))).toBe(true);

    // A themed activity that goes as far as approval, and mails the grid worker on the way.
    const db = createDatabase({ sqlitePath: path.join(dataDir, 'app.sqlite') });
    await db.insertInto('compounds').values({ id: 'start-garden', name: '锦绣花园' }).execute();
    await db.destroy();
    connection = await Connection.connect({ address: urls.Temporal! });
    // The product encrypts payloads with the key it generated in the data folder; so does this client.
    const dataConverter = () => encryptedDataConverter(payloadCodecFrom({ keyId: 'k1', oldKeys: [], dataDir }));
    let client = new Client({ connection, dataConverter: dataConverter() });
    const input = activityInput();
    const workflowId = themedActivityWorkflowId(input.activityId);
    const handle = await client.workflow.start(themedActivityWorkflow, { taskQueue: 'themed-activities', workflowId, args: [input] });
    await eventually(async () => expect((await handle.query(statusQuery)).stage).toBe('approval'), 90_000);
    const approvalMail = await eventually(async () => {
      const { messages } = (await (await fetch(`${urls['Dev mailbox']}/messages.json`)).json()) as { messages: { id: string; to: string[]; subject: string }[] };
      const mail = messages.find((m) => m.to.includes('gw@start.example.test'));
      expect(mail).toBeDefined();
      return mail!;
    });
    const page = await fetch(`${urls['Dev mailbox']}/messages/${approvalMail.id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<iframe [^>]*sandbox="allow-popups allow-popups-to-escape-sandbox"[^>]*srcdoc="/);
    await connection.close();
    connection = undefined;

    await stopWithSigint(first);
    for (const port of Object.values(ports)) expect(await portFree(port)).toBe(true);

    // ---- second run on the same data folder -----------------------------------------------------
    const second = launch(dataDir, ports);
    const again = await ready(second);
    expect((await fetch(`${again.API}/healthz`)).status).toBe(200);
    connection = await Connection.connect({ address: again.Temporal! });
    client = new Client({ connection, dataConverter: dataConverter() });
    const described = await client.workflow.getHandle(workflowId).describe();
    expect(described.status.name).toBe('RUNNING');
    const status = await client.workflow.getHandle(workflowId).query(statusQuery);
    expect(status).toMatchObject({ stage: 'approval', approvalRound: 1, plan: { title: input.plan.title } });
    const listed: string[] = [];
    for await (const wf of client.workflow.list({ query: `ActivityStage = 'approval'` })) listed.push(wf.workflowId);
    expect(listed).toContain(workflowId);
    // The dev mailbox kept its messages too.
    const kept = (await (await fetch(`${again['Dev mailbox']}/messages.json`)).json()) as { messages: { id: string }[] };
    expect(kept.messages.map((m) => m.id)).toContain(approvalMail.id);
    await client.workflow.getHandle(workflowId).terminate('test over');
    await connection.close();
    connection = undefined;

    await stopWithSigint(second);
  }, 480_000);

  it('refuses to start when a port is taken, naming the port and the setting to change', async () => {
    const blocker = net.createServer();
    const taken = await freePort();
    await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', resolve));
    try {
      const run = launch(fs.mkdtempSync(path.join(os.tmpdir(), 'cogov-start-taken-')), { ...ports, temporal: taken });
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      expect(run.output()).toContain(`Port ${taken} (the Temporal dev server) is already in use`);
      expect(run.output()).toContain('set TEMPORAL_DEV_PORT to a free port');
      expect(descendants(run.child.pid!)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 60_000);
});

function activityInput(): ThemedActivityInput {
  const startsAt = Math.floor((Date.now() + 10 * DAY) / 60_000) * 60_000;
  return {
    activityId: `start-${process.pid}-${Date.now()}`,
    cycleId: 'cycle-start',
    plan: Plan.parse({
      title: '幸福家庭日·心理减压工作坊',
      theme: '幸福家庭日',
      compound: 'start-garden',
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 2 * HOUR).toISOString(),
      capacity: 30,
      venue: { kind: 'community', venueName: '社区活动室', hours: 3 },
      volunteersNeeded: 1,
      pointsRules: { attendance: 10, perVolunteerHour: 5 },
      budget: 500,
    }),
    people: {
      propertyManager: { id: 'pm-s', name: '王管家', email: 'pm@start.example.test', locale: 'zh-CN' },
      gridWorker: { id: 'gw-s', name: '李网格', email: 'gw@start.example.test', locale: 'zh-CN' },
      coordinator: { id: 'co-s', name: '张协调', email: 'co@start.example.test', locale: 'zh-CN' },
      supervisor: { id: 'su-s', name: '陈督导', email: 'su@start.example.test', locale: 'zh-CN' },
    },
    timings: { ...loadConfig({}).timings, reminderOffsetsMs: [DAY] },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}
