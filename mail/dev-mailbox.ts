/**
 * A development mailbox: a real SMTP server on localhost that keeps every message it receives.
 * Point the product's SMTP settings at it to read what would have been sent; the tests use it
 * as their receiving server. No authentication, no TLS: bind it to loopback only.
 *
 * With `dir`, each message is also written there as a raw `.eml` file before the server answers
 * 250, and the files found there at start are loaded again, so a restart keeps the mailbox.
 * The stored file is the message as received with `Return-Path` and one `Delivered-To` per
 * envelope recipient prepended (as a local delivery agent would), so the envelope survives too.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface StoredMail {
  /** Mailbox id, `<receivedAt ms, 13 digits>-<8 hex>`; also the .eml file name without extension. */
  id: string;
  /** The Message-ID header without angle brackets ('' when the message had none). */
  messageId: string;
  /** The From header address (the envelope sender when there is no From). */
  from: string;
  /** Envelope recipients (the To/Cc header addresses for a file without Delivered-To). */
  to: string[];
  subject: string;
  text: string;
  /** The HTML part, '' when there is none. */
  html: string;
  /** ISO-8601 instant. */
  receivedAt: string;
  /** Where the raw message was written, when the mailbox has a directory. */
  rawPath?: string;
}

export interface DevMailboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Directory for raw .eml files; created if missing. */
  dir?: string;
  /** Largest message accepted, bytes (default 10 MiB); larger ones get 552. */
  maxMessageBytes?: number;
  /** Messages kept in memory (default 1000); the oldest are dropped from memory (not from disk). */
  maxMessages?: number;
  /** Called for each message received (not for those loaded from `dir`); errors are ignored. */
  onMessage?: (mail: StoredMail) => void;
}

export interface DevMailbox {
  port: number;
  host: string;
  /** A copy of the stored messages, oldest first. */
  messages(): StoredMail[];
  /** The message as received (with the trace lines prepended), to parse its parts and attachments; undefined once let go of. */
  raw(id: string): Buffer | undefined;
  /**
   * How many messages were let go of from memory to stay within `maxMessages` (received, or
   * found in `dir` at start); their .eml files stay on disk. Back to 0 on `clear()`.
   */
  dropped(): number;
  /** The first stored (or next arriving) message the predicate accepts; rejects after timeoutMs. */
  waitFor(predicate: (mail: StoredMail) => boolean, timeoutMs: number): Promise<StoredMail>;
  /** Forgets every message, and deletes the mailbox's .eml files when it has a directory. */
  clear(): void;
  /** Stops the server (idle client connections are told 421 after a second); rejects pending waitFor. */
  close(): Promise<void>;
}

const FILE_NAME = /^(\d{13})-[0-9a-f]{8}\.eml$/;

function newId(nowMs: number): string {
  return `${String(nowMs).padStart(13, '0')}-${randomBytes(4).toString('hex')}`;
}

function headerAddresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  const out: string[] = [];
  const walk = (entries: { address?: string; group?: unknown[] }[]): void => {
    for (const e of entries) {
      if (e.address) out.push(e.address);
      if (Array.isArray(e.group)) walk(e.group as { address?: string; group?: unknown[] }[]);
    }
  };
  for (const a of list) walk(a.value);
  return out;
}

function headerValues(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((v) => (typeof v === 'string' ? v : typeof v === 'object' && v && 'text' in v ? String((v as { text: unknown }).text) : String(v)));
}

async function parse(raw: Buffer, id: string, receivedAt: Date, rawPath: string | undefined): Promise<StoredMail> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  const delivered = headerValues(parsed.headers.get('delivered-to'))
    .map((v) => v.trim().replace(/^<(.*)>$/, '$1'))
    .filter((v) => v.length > 0);
  const returnPath = headerValues(parsed.headers.get('return-path'))[0]?.trim().replace(/^<(.*)>$/, '$1') ?? '';
  const mail: StoredMail = {
    id,
    messageId: (parsed.messageId ?? '').trim().replace(/^<(.*)>$/, '$1'),
    from: headerAddresses(parsed.from)[0] ?? returnPath,
    to: delivered.length > 0 ? delivered : [...headerAddresses(parsed.to), ...headerAddresses(parsed.cc)],
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    receivedAt: receivedAt.toISOString(),
  };
  if (rawPath !== undefined) mail.rawPath = rawPath;
  return mail;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** Strips CR/LF so an envelope address cannot add header lines to the stored file. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, '');
}

export async function startDevMailbox(options: DevMailboxOptions = {}): Promise<DevMailbox> {
  const host = options.host ?? '127.0.0.1';
  const maxBytes = options.maxMessageBytes ?? 10 * 1024 * 1024;
  const maxMessages = options.maxMessages ?? 1000;
  const dir = options.dir;
  const stored: StoredMail[] = [];
  /** Each stored message's raw bytes, by id (let go of with the message). */
  const raws = new Map<string, Buffer>();
  let dropped = 0;
  /** Lets the oldest go beyond maxMessages, counting them so the pages can say so. */
  const trim = (): void => {
    const over = Math.max(0, stored.length - maxMessages);
    for (const m of stored.splice(0, over)) raws.delete(m.id);
    dropped += over;
  };
  const waiters = new Set<{ predicate: (m: StoredMail) => boolean; resolve: (m: StoredMail) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let closed = false;

  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true });
    const names = readdirSync(dir).filter((n) => FILE_NAME.test(n)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const ms = Number(FILE_NAME.exec(name)?.[1]);
      const receivedAt = Number.isFinite(ms) && ms > 0 ? new Date(ms) : statSync(path).mtime;
      try {
        const raw = await readFile(path);
        stored.push(await parse(raw, name.slice(0, -4), receivedAt, path));
        raws.set(name.slice(0, -4), raw);
      } catch {
        // An unreadable file stays on disk for a person to look at; the mailbox starts anyway.
      }
    }
    trim();
  }

  const add = (mail: StoredMail): void => {
    stored.push(mail);
    try {
      options.onMessage?.(mail);
    } catch {
      // a listener's failure must not lose the message
    }
    trim();
    for (const w of [...waiters]) {
      let match = false;
      try {
        match = w.predicate(mail);
      } catch (err) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.reject(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      if (match) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(mail);
      }
    }
  };

  const receive = async (stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk); // keep draining an oversized message, but not storing it
    }
    if (stream.sizeExceeded || size > maxBytes) {
      throw smtpError('Error: message exceeds fixed maximum message size', 552);
    }
    const now = new Date();
    const id = newId(now.getTime());
    const mailFrom = session.envelope.mailFrom ? oneLine(session.envelope.mailFrom.address) : '';
    const trace = [`Return-Path: <${mailFrom}>`, ...session.envelope.rcptTo.map((r) => `Delivered-To: ${oneLine(r.address)}`)].join('\r\n');
    const raw = Buffer.concat([Buffer.from(`${trace}\r\n`, 'utf8'), ...chunks]);
    let rawPath: string | undefined;
    if (dir !== undefined) {
      rawPath = join(dir, `${id}.eml`);
      await writeFile(rawPath, raw, { flag: 'wx' });
    }
    raws.set(id, raw);
    add(await parse(raw, id, now, rawPath));
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideSTARTTLS: true,
    disableReverseLookup: true,
    size: maxBytes,
    rejectOversized: true,
    banner: 'jinhua dev mailbox',
    closeTimeout: 1000,
    logger: false,
    onData(stream, session, callback) {
      receive(stream, session).then(
        () => callback(),
        (err: unknown) => callback(err instanceof Error && 'responseCode' in err ? err : smtpError('Error: could not store message', 451)),
      );
    },
  });
  server.on('error', () => {
    // Client-level errors (a client that hangs up mid-session) must not crash the process.
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    host,
    messages: () => stored.map((m) => ({ ...m, to: [...m.to] })),
    dropped: () => dropped,
    raw: (id) => raws.get(id),
    waitFor(predicate, timeoutMs) {
      const found = stored.find((m) => predicate(m));
      if (found) return Promise.resolve(found);
      if (closed) return Promise.reject(new Error('dev mailbox is closed'));
      return new Promise<StoredMail>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(new Error(`dev mailbox: no matching message within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    clear() {
      stored.length = 0;
      raws.clear();
      dropped = 0;
      if (dir !== undefined) {
        for (const name of readdirSync(dir)) {
          if (FILE_NAME.test(name)) rmSync(join(dir, name), { force: true });
        }
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new Error('dev mailbox closed'));
      }
      waiters.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Run on its own: `node dist/mail/dev-mailbox.js [port=1025] [dir]`, then point SMTP_HOST/PORT
 * at 127.0.0.1 and the port. Prints one line per message received.
 */
if (require.main === module) {
  const [portArg, dirArg] = process.argv.slice(2);
  const port = portArg === undefined ? 1025 : Number(portArg);
  startDevMailbox({
    port,
    ...(dirArg !== undefined ? { dir: dirArg } : {}),
    onMessage: (m) => console.log(`${m.receivedAt}  ${m.id}  to ${m.to.join(', ')}  ${m.subject}`),
  }).then(
    (box) => {
      console.log(`dev mailbox listening on ${box.host}:${box.port}${dirArg !== undefined ? `, keeping .eml files in ${dirArg}` : ''} (${box.messages().length} stored)`);
      const stop = (): void => void box.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
