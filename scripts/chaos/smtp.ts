/**
 * The fault test's SMTP receiver, in the driver's process: a real smtp-server the product's
 * mailer (SMTP_HOST/SMTP_PORT) sends to, which the schedule can take down (connections refused),
 * make answer 451 or 550 to every recipient for a while, or hold each message before its 250.
 * Every accepted message is logged with its Message-ID, recipients, subject, text and the moment
 * the 250 went out, so the checks can count duplicates and the driver can follow the links.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type RelayMode = { kind: 'up' } | { kind: 'tempfail' } | { kind: 'permfail' } | { kind: 'hold'; ms: number };

export interface AcceptedMail {
  /** When the relay answered 250 (epoch ms). */
  at: number;
  messageId: string;
  to: string[];
  subject: string;
  text: string;
}

export interface ChaosRelay {
  port: number;
  accepted: AcceptedMail[];
  /** How many RCPT TO were refused with 451 / 550 while a fault was on. */
  refused: { temp: number; perm: number };
  setMode(mode: RelayMode): void;
  /** Stops listening and drops every open connection: the relay is unreachable. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startChaosRelay(opts: { logFile: string }): Promise<ChaosRelay> {
  const accepted: AcceptedMail[] = [];
  const refused = { temp: 0, perm: 0 };
  let mode: RelayMode = { kind: 'up' };
  let port = 0;
  let server: SMTPServer | undefined;
  const log = fs.openSync(opts.logFile, 'a');

  const make = () =>
    new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      hideSTARTTLS: true,
      disableReverseLookup: true,
      maxClients: 200,
      logger: false,
      // A "down" relay drops its connections at once rather than letting them finish.
      closeTimeout: 200,
      onRcptTo(_address, _session, callback) {
        if (mode.kind === 'tempfail') {
          refused.temp++;
          return callback(Object.assign(new Error('4.3.2 try again later (chaos)'), { responseCode: 451 }));
        }
        if (mode.kind === 'permfail') {
          refused.perm++;
          return callback(Object.assign(new Error('5.7.1 refused (chaos)'), { responseCode: 550 }));
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const holdMs = mode.kind === 'hold' ? mode.ms : 0;
          void simpleParser(Buffer.concat(chunks)).then(
            (parsed) => {
              setTimeout(() => {
                const mail: AcceptedMail = {
                  at: Date.now(),
                  messageId: (parsed.messageId ?? '(none)').replace(/^<|>$/g, ''),
                  to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
                  subject: parsed.subject ?? '',
                  text: parsed.text ?? '',
                };
                accepted.push(mail);
                fs.writeSync(log, `${JSON.stringify({ at: new Date(mail.at).toISOString(), messageId: mail.messageId, to: mail.to, subject: mail.subject })}\n`);
                callback();
              }, holdMs);
            },
            (err: unknown) => callback(err as Error),
          );
        });
      },
    });

  const listen = async () => {
    server = make();
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    // A client killed mid-conversation (the worker or the API, kill -9) resets its connection: a
    // relay lives through that, as a real one does.
    server.on('error', () => undefined);
    port = (server.server.address() as AddressInfo).port;
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();

  return {
    get port() {
      return port;
    },
    accepted,
    refused,
    setMode(next) {
      mode = next;
    },
    down: stop,
    up: async () => {
      if (!server) await listen();
    },
    close: async () => {
      await stop();
      fs.closeSync(log);
    },
  };
}
