/** The families' own links (`/s/<token>`) in an email's text part, by the step each is signed for. */
import { readSelfServiceToken } from '../../api/family/links';
import type { StoredMail } from '../../mail/dev-mailbox';

const SELF_LINKS = /https?:\/\/[^\s"<>]+\/s\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;

export function selfLinks(mail: StoredMail, linkSecret: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const url of mail.text.match(SELF_LINKS) ?? []) {
    const read = readSelfServiceToken(url.split('/s/')[1] ?? '', linkSecret, Date.now());
    if (read.kind === 'ok') out[read.step] = url;
  }
  return out;
}
