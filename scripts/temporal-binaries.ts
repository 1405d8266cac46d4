/**
 * Finds the Temporal binaries and starts the dev server. Order: the env var
 * (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH, passed in from config), then .temporal/ where
 * the install step put them, then PATH. When none is found the callers let the SDK download its
 * own, which works only online.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const PROJECT_ROOT = path.resolve(__dirname, '..', fs.existsSync(path.resolve(__dirname, '..', 'package.json')) ? '' : '..');
const INSTALLED_BIN = path.join(PROJECT_ROOT, '.temporal', 'py', 'bin');

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function locate(name: string, override: string | undefined): string | undefined {
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`${name} not found at ${override} (from the environment)`);
    return override;
  }
  const installed = path.join(INSTALLED_BIN, name);
  if (fs.existsSync(installed)) return installed;
  return onPath(name);
}

/** The Temporal CLI (`temporal server start-dev`), or undefined when the SDK must download it. */
export function findTemporalCli(override = process.env.TEMPORAL_CLI_PATH): string | undefined {
  return locate('temporal', override);
}

/** The time-skipping test server, or undefined when the SDK must download it. */
export function findTestServer(override = process.env.TEMPORAL_TEST_SERVER_PATH): string | undefined {
  return locate('temporal-test-server', override);
}

/** `server` options for TestWorkflowEnvironment.createTimeSkipping / createLocal. */
export function sdkServerExecutable(found: string | undefined) {
  return found ? { type: 'existing-path' as const, path: found } : { type: 'cached-download' as const };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * n different free ports. Each listener stays open until all n are taken: asked one at a time,
 * the kernel may hand the same port out twice (seen in CI: the API's port was the dev server's).
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      server.unref();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => {
      const address = s.address();
      if (typeof address !== 'object' || !address) throw new Error('no port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, host);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with this product's search attributes registered. With a
 * dbFile it persists across restarts (SQLite in WAL mode); without, it lives in memory.
 */
export async function startDevServer(opts: {
  cliPath: string;
  port: number;
  uiPort?: number;
  dbFile?: string;
  namespace?: string;
  logFile?: string;
  startTimeoutMs?: number;
}): Promise<DevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn'];
  args.push(...(opts.uiPort ? ['--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1'] : ['--headless']));
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  for (const [name, type] of Object.entries(CUSTOM_SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);

  const out = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  // Its own process group: a terminal's Ctrl-C reaches only our process, which stops the API and
  // the worker first and the server last.
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', out, out], detached: true });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  try {
    await Promise.race([
      waitForPort(opts.port, opts.startTimeoutMs ?? 60_000),
      new Promise((_, reject) =>
        child.once('exit', (code) => reject(new Error(`temporal dev server exited with code ${code} while starting`))),
      ),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== undefined) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => (clearTimeout(timer), resolve()));
        child.kill('SIGTERM');
      }),
  };
}
