/**
 * Stable Message-IDs. One email is identified by (workflow, purpose, recipient, round): the outbox
 * key. The Message-ID is derived from that key, so a retried send carries the same Message-ID and
 * receiving systems (and people searching their mail) can see it is the same message.
 */
import { createHash } from 'node:crypto';

export interface EmailKeyParts {
  workflowId: string;
  purpose: string;
  recipientKey: string;
  /** Approval round, merchant attempt, reminder offset, ...: whatever makes a resend a new email. */
  round: string | number;
}

/** `%` and `/` escaped in each part so that distinct parts never give the same key. */
function part(name: string, value: string): string {
  if (value.length === 0) throw new TypeError(`emailKey: ${name} must not be empty`);
  return value.replace(/%/g, '%25').replace(/\//g, '%2F');
}

/** The outbox key, readable: `workflowId/purpose/recipientKey/round`. */
export function emailKey(parts: EmailKeyParts): string {
  const round = typeof parts.round === 'number' ? String(parts.round) : parts.round;
  if (typeof parts.round === 'number' && !Number.isFinite(parts.round)) {
    throw new TypeError('emailKey: round must be a finite number');
  }
  return [
    part('workflowId', parts.workflowId),
    part('purpose', parts.purpose),
    part('recipientKey', parts.recipientKey),
    part('round', round),
  ].join('/');
}

const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/**
 * `<32 hex chars of sha256(key)>@<domain>`, without angle brackets (the mailer adds them).
 * Deterministic: the same key and domain always give the same id.
 */
export function messageIdFor(key: string, domain: string): string {
  if (key.length === 0) throw new TypeError('messageIdFor: key must not be empty');
  if (!DOMAIN.test(domain)) throw new TypeError(`messageIdFor: not a domain: ${JSON.stringify(domain)}`);
  return `${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32)}@${domain.toLowerCase()}`;
}
