/**
 * The rendering port: `renderEmail` (mail/templates.ts) turns one email (domain/emails.ts) into a
 * subject, a plain-text part and an HTML part in the recipient's language.
 */
import type { Locale } from '../domain/schemas';
import type { EmailMessage } from '../domain/emails';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export type RenderEmail = (message: EmailMessage, locale: Locale) => RenderedEmail;
