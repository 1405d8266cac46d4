/**
 * The files an activity email carries, built when it is sent from what the message says (ids,
 * the card's URL, the activity's times): a family's card as an inline QR image, and the
 * registration confirmation's calendar file. Nothing here is stored: a resend (same Message-ID)
 * builds the same files again.
 */
import type { EmailMessage } from '../domain/emails';
import { buildIcs } from './ics';
import type { EmailAttachment } from './mailer';
import { qrCardAttachment } from './qr-card';

export async function emailAttachments(message: EmailMessage): Promise<EmailAttachment[]> {
  const out: EmailAttachment[] = [];
  const card = message.purpose === 'registrationConfirmed' || message.purpose === 'reminder' ? message.card : undefined;
  if (card) out.push(await qrCardAttachment(card.url));
  if (message.purpose === 'registrationConfirmed') {
    const a = message.activity;
    out.push({
      filename: 'activity.ics',
      contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
      content: buildIcs({
        uid: message.calendar.uid,
        stampedAt: message.calendar.stampedAt,
        startsAt: a.startsAt,
        endsAt: a.endsAt,
        summary: a.title,
        location: message.calendar.location,
        description: message.description,
        url: message.cancelUrl,
      }),
    });
  }
  return out;
}
