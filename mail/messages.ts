/**
 * Every email the product sends, as data. `renderEmail` (mail/templates.ts) turns one into a
 * subject, a plain-text part and an HTML part in the recipient's language.
 */
import type { Locale } from '../domain/schemas';
import type { ActivitySummaryForEmail } from '../domain/activity';


interface Base {
  recipientName: string;
  activity: ActivitySummaryForEmail;
}

/**
 * Emails with an `actionUrl` lead to a page where the person decides. Their optional
 * `linkExpiresAt` is the link's expiry (the step's deadline plus a grace, as in the token);
 * without it the email names the step's deadline as the time to act by.
 */
export type EmailMessage =
  | (Base & { purpose: 'venueRequest'; merchantVenueName: string; hours: number; answerBy: string; actionUrl: string; linkExpiresAt?: string })
  | (Base & { purpose: 'venueUnavailable'; merchantsAsked: string[]; dashboardUrl: string })
  | (Base & { purpose: 'approvalRequest'; round: number; decideBy: string; actionUrl: string; linkExpiresAt?: string; capacity: number; budget: number; description: string })
  | (Base & { purpose: 'approvalReminder'; round: number; decideBy: string; actionUrl: string; linkExpiresAt?: string })
  | (Base & { purpose: 'approvalEscalation'; round: number; gridWorkerName: string; waitingSince: string; actionUrl: string; linkExpiresAt?: string })
  | (Base & { purpose: 'planDecided'; round: number; decision: 'approve' | 'reject' | 'requestChanges'; comment: string; decidedBy: string })
  | (Base & { purpose: 'registrationOpen'; registerUrl: string })
  | (Base & { purpose: 'reminder'; leadTimeMs: number })
  | (Base & { purpose: 'changeNotice'; previousStartsAt: string; previousEndsAt: string; reason: string })
  | (Base & { purpose: 'cancellation'; reason: string })
  | (Base & { purpose: 'pointsAwarded'; earned: number; balance: number })
  | (Base & { purpose: 'feedbackRequest'; feedbackBy: string; actionUrl: string; linkExpiresAt?: string })
  | (Base & { purpose: 'feedbackReminder'; feedbackBy: string; actionUrl: string; linkExpiresAt?: string })
  | (Base & { purpose: 'waitlistPromoted' });

export type EmailPurpose = EmailMessage['purpose'];

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export type RenderEmail = (message: EmailMessage, locale: Locale) => RenderedEmail;
