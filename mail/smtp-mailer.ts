/**
 * The product's Mailer: nodemailer over SMTP.
 *
 * Pooled: the worker is long-lived and sends in bursts (registration open to a whole compound,
 * reminders to every registrant), so a small pool reuses authenticated sessions instead of a
 * TCP + TLS + AUTH handshake per email, and caps the concurrent connections the relay sees.
 * A pooled connection the server dropped while idle fails with a connection error, which is
 * retryable, and the pool requeues a message at most once itself (Temporal does the retrying).
 *
 * Failures: a 5xx reply (except 503, "bad sequence of commands", a session-state error that a new
 * connection fixes, and authentication failures, which an operator fixes in config) or an invalid
 * address throws `PermanentMailError`; connection errors, timeouts and 4xx replies throw an
 * ordinary `MailSendError` so the activity is retried. Error messages have email addresses
 * redacted: they end up in workflow history and logs.
 */
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { PermanentMailError, type Mailer, type OutgoingEmail } from './mailer';

export interface SmtpMailerOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). With false, STARTTLS is used when the server offers it. */
  secure: boolean;
  user?: string;
  pass?: string;
  from: { name: string; email: string };
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  requireTLS?: boolean;
  /** Pool size, default 2. */
  maxConnections?: number;
  /** Milliseconds; defaults 10 000 / 10 000 / 30 000, well inside an activity's timeout. */
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
  /** HELO/EHLO name; nodemailer's default is the machine's hostname. */
  clientName?: string;
}

/** A failure a retry may fix (connection, timeout, 4xx). Carries nodemailer's code and the SMTP reply code. */
export class MailSendError extends Error {
  override readonly name = 'MailSendError';
  constructor(
    message: string,
    readonly code?: string,
    readonly responseCode?: number,
    readonly command?: string,
  ) {
    super(message);
  }
}

const EmailAddress = z.email();
const MESSAGE_ID = /^[^\s<>@"(),:;\\[\]]+@[^\s<>@"(),:;\\[\]]+$/;
const HEADER_NAME = /^[!-9;-~]+$/;
/** Headers this class sets itself; a caller's `headers` may not replace them. */
const RESERVED_HEADERS = new Set([
  'message-id', 'from', 'to', 'cc', 'bcc', 'subject', 'date', 'sender', 'mime-version',
  'content-type', 'content-transfer-encoding', 'content-disposition',
]);

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

function redact(text: string): string {
  return text.replace(/[^\s<>"',;:()]+@[^\s<>"',;:()]+/g, '<redacted>');
}

/** Decides whether a nodemailer error is permanent, and turns it into the error to throw. */
export function classifyMailError(err: unknown): PermanentMailError | MailSendError {
  const e = (err instanceof Error ? err : new Error(String(err))) as NodemailerError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command : undefined;
  const message = redact(e.message);
  const authFailure = code === 'EAUTH' || code === 'ENOAUTH';
  const permanentReply = responseCode !== undefined && responseCode >= 500 && responseCode < 600 && responseCode !== 503;
  // EENVELOPE without a reply: nodemailer refused the address itself ("Invalid recipient ...").
  const invalidAddress = code === 'EENVELOPE' && responseCode === undefined;
  if ((permanentReply && !authFailure) || invalidAddress) {
    return new PermanentMailError(`${message}${command ? ` [${command}]` : ''}`);
  }
  return new MailSendError(message, code, responseCode, command);
}

function withBrackets(messageId: string): string {
  const bare = messageId.trim().replace(/^<(.*)>$/, '$1');
  if (!MESSAGE_ID.test(bare)) throw new PermanentMailError('messageId is not of the form local@domain');
  return `<${bare}>`;
}

function extraHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  // Automated mail: asks auto-responders not to answer (RFC 3834). A caller may override it.
  const out: Record<string, string> = { 'Auto-Submitted': 'auto-generated' };
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new PermanentMailError(`invalid header name ${JSON.stringify(name)}`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) continue;
    if (name.toLowerCase() === 'auto-submitted') delete out['Auto-Submitted'];
    out[name] = String(value).replace(/[\r\n]+/g, ' ');
  }
  return out;
}

/**
 * The body encoding that makes the message smaller. Quoted-printable spells each byte of a Chinese
 * character as "=XX" (9 bytes a character), base64 any byte in 4/3 of one: a Chinese email is
 * smaller in base64, an English one in quoted-printable. Smaller is less to encode, send and
 * dot-stuff for every recipient of a fan-out, and less for a phone to download. nodemailer's own
 * choice looks only at the share of non-Latin characters, which HTML markup keeps low.
 */
export function smallerTransferEncoding(body: string): 'base64' | 'quoted-printable' {
  const bytes = Buffer.byteLength(body, 'utf8');
  const asciiBytes = body.replace(/[^\x00-\x7f]/g, '').length;
  // Quoted-printable: an ASCII byte stays one byte (about), any other takes three; base64: 4/3 each.
  return asciiBytes + 3 * (bytes - asciiBytes) > (4 / 3) * bytes ? 'base64' : 'quoted-printable';
}

export class SmtpMailer implements Mailer {
  private readonly transport: ReturnType<typeof createTransport>;
  private readonly from: { name: string; address: string };
  private closed = false;

  constructor(options: SmtpMailerOptions) {
    if (!EmailAddress.safeParse(options.from.email).success) {
      throw new TypeError('SmtpMailer: from.email is not an email address');
    }
    this.from = { name: options.from.name, address: options.from.email };
    this.transport = createTransport({
      pool: true,
      maxConnections: options.maxConnections ?? 2,
      maxMessages: 100,
      maxRequeues: 1,
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: options.requireTLS ?? false,
      ...(options.user !== undefined ? { auth: { user: options.user, pass: options.pass ?? '' } } : {}),
      ...(options.clientName !== undefined ? { name: options.clientName } : {}),
      connectionTimeout: options.connectionTimeoutMs ?? 10_000,
      greetingTimeout: options.greetingTimeoutMs ?? 10_000,
      socketTimeout: options.socketTimeoutMs ?? 30_000,
      // Attachments are in-memory buffers we built: never read files or fetch URLs on their behalf.
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    });
  }

  async send(message: OutgoingEmail): Promise<void> {
    if (this.closed) throw new MailSendError('SmtpMailer is closed');
    if (!EmailAddress.safeParse(message.to.email).success) {
      throw new PermanentMailError('invalid recipient address');
    }
    const mail = {
      from: this.from,
      to: { name: message.to.name, address: message.to.email },
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: withBrackets(message.messageId),
      textEncoding: smallerTransferEncoding(message.html),
      headers: extraHeaders(message.headers),
      ...(message.attachments?.length
        ? {
            attachments: message.attachments.map((a) => ({
              filename: a.filename,
              contentType: a.contentType,
              content: a.content,
              ...(a.cid ? { cid: a.cid, contentDisposition: 'inline' as const } : { contentDisposition: 'attachment' as const }),
            })),
          }
        : {}),
    };
    try {
      await this.transport.sendMail(mail);
    } catch (err) {
      throw classifyMailError(err);
    }
  }

  /** Closes the pool; a delivery in progress finishes first. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }
}
