/**
 * A real SMTP relay whose answers a test decides: per recipient a 4xx (try later) or 5xx (never),
 * and the whole relay can be taken down (connections refused) and brought back on its port, or made
 * to hold each message's answer (`hold`) until released or taken down.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Accepted {
  messageId: string;
  to: string;
}

export class ControllableRelay {
  readonly accepted: Accepted[] = [];
  /** Address → the reply to RCPT TO, e.g. `451 4.7.1 Greylisted, try again later`. */
  readonly refuse = new Map<string, { code: number; text: string }>();
  port = 0;
  /** While true, each message's DATA is read but not answered until `release()` (or `down()`). */
  hold = false;
  /** Messages read and waiting for their answer (while `hold`). */
  readonly held: { messageId: string; answer: () => void }[] = [];
  private server: SMTPServer | undefined;

  /** Answers 250 to every held message (they count as accepted). */
  release(): void {
    for (const h of this.held.splice(0)) h.answer();
  }

  async up(): Promise<void> {
    const server = new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      hideSTARTTLS: true,
      disableReverseLookup: true,
      logger: false,
      // Down means down: idle pooled connections are cut at once, not waited for.
      closeTimeout: 50,
      onRcptTo: (address, _session, callback) => {
        const refusal = this.refuse.get(address.address);
        if (!refusal) return callback();
        const err = new Error(refusal.text) as Error & { responseCode: number };
        err.responseCode = refusal.code;
        callback(err);
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const head = Buffer.concat(chunks).toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
          const messageId = /^Message-ID:\s*<?([^\s>]+)>?/im.exec(head)?.[1] ?? '(none)';
          const answer = () => {
            this.accepted.push({ messageId, to: session.envelope.rcptTo.map((r) => r.address).join(',') });
            callback();
          };
          if (this.hold) this.held.push({ messageId, answer });
          else answer();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    // A held message is never answered: its connection is cut with the rest.
    this.held.splice(0);
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
