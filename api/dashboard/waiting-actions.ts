/**
 * The button beside a "waiting on" item that the viewer can do from the dashboard: decide an
 * approval waiting on them (the grid worker's, or the coordinator's once escalated), or assign a
 * venue when no merchant accepted (coordinators). Other items have no button.
 */
import type { PendingAction } from '../../domain/activity';
import type { Locale } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import { html, type RawHtml } from '../http/html';
import type { StaffSession } from '../http/session';

export const approvalOpenHref = (activityId: string): string => `/dashboard/approvals/${encodeURIComponent(activityId)}/open`;
export const venueFormHref = (activityId: string): string => `/dashboard/activities/${encodeURIComponent(activityId)}/venue`;

export function waitingButton(locale: Locale, viewer: StaffSession, activityId: string, pending: PendingAction): RawHtml | '' {
  const b = catalogFor(locale).staffWork.buttons;
  if (pending.action === 'decideApproval' && pending.actorId === viewer.staffId) return html` <a class="button" href="${approvalOpenHref(activityId)}">${b.decide}</a>`;
  if (pending.action === 'assignVenueOrRevisePlan' && viewer.role === 'coordinator') return html` <a class="button" href="${venueFormHref(activityId)}">${b.assignVenue}</a>`;
  return '';
}
