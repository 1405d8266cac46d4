/** A real SMTP relay for the fan-out tests, slow on purpose. */
import { fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface Received {
  messageId: string;
  to: string;
}

/** A relay that holds each message `holdMs` before it says 250, and keeps what it was given. */
export async function slowRelay(holdMs: number) {
  const received: Received[] = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    disableReverseLookup: true,
    maxClients: 100,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const head = Buffer.concat(chunks).toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
        const messageId = /^Message-ID:\s*<?([^\s>]+)>?/im.exec(head)?.[1] ?? '(none)';
        setTimeout(() => {
          received.push({ messageId, to: session.envelope.rcptTo.map((r) => r.address).join(',') });
          callback();
        }, holdMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * The same relay in a child process (bench/slow-relay-child.ts), so that it holds each message
 * `holdMs` however busy the benchmark's own process is.
 */
export async function slowRelayProcess(holdMs: number): Promise<{ port: number; received: () => Promise<Received[]>; close: () => Promise<void> }> {
  const child = fork(path.join(__dirname, 'slow-relay-child.ts'), [], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    env: { ...process.env, BENCH_RELAY_HOLD_MS: String(holdMs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const answer = <T>(field: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if (m && typeof m === 'object' && field in m) {
          child.off('message', onMessage);
          resolve((m as Record<string, T>)[field]!);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the relay process exited (${code})`)));
    });
  const port = await answer<number>('port');
  return {
    port,
    received: () => {
      const got = answer<Received[]>('received');
      child.send('received');
      return got;
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}
