/** The mailer port: what sending an email means to the rest of the product (SMTP or the development mailbox behind it). */

/**
 * A file sent with an email, built at send time from ids (never stored in the outbox or in
 * workflow history). With `cid`, an inline part the HTML shows as `<img src="cid:…">`.
 */
export interface EmailAttachment {
  filename: string;
  contentType: string;
  content: Buffer | string;
  cid?: string;
}

/** A message ready for SMTP. `messageId` is stable per (workflow, purpose, recipient, round). */
export interface OutgoingEmail {
  to: { name: string; email: string };
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers?: Record<string, string>;
  attachments?: EmailAttachment[];
}

/** Sends one email. Throws `PermanentMailError` for failures a retry cannot fix (5xx, bad address). */
export interface Mailer {
  send(message: OutgoingEmail): Promise<void>;
  close?(): Promise<void>;
}

/** A failure no retry will fix: the activity turns it into a non-retryable ApplicationFailure. */
export class PermanentMailError extends Error {
  override readonly name = 'PermanentMailError';
}
