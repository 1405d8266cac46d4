/**
 * Cancelling a registration and promoting from the waitlist: what the JSON routes
 * (api/registration/routes.ts) and the dashboard's activity page (./pages.ts) both do, so a form
 * and an API call change the same things and send the same emails.
 */
import type { Recipient } from '../../domain/people';
import type { Repositories } from '../../db/repositories';
import type { StaffPrincipal } from '../http/auth';
import { activityOr404, assertCompound, type ActivityRef } from '../http/feature-routes';
import type { MailOutcome, PeopleMail } from './mail';

export interface RegistrationActionsDeps {
  repos: Repositories;
  mail: PeopleMail;
  /** Epoch ms. */
  now: () => number;
}

export interface CancelOutcome {
  cancelled: boolean;
  /** Family ids given a place, in order. */
  promoted: string[];
  emails: MailOutcome;
}

export interface PromoteOutcome {
  promoted: string[];
  emails: MailOutcome;
}

export function registrationActions(deps: RegistrationActionsDeps) {
  const { repos } = deps;
  const registrations = repos.registrations({ now: () => new Date(deps.now()) });

  /** The recorded activity (404 when none), when `staff` may act on its compound (else 403). */
  async function activityFor(staff: StaffPrincipal, activityId: string): Promise<ActivityRef> {
    const activity = await activityOr404(repos, activityId);
    await assertCompound(repos, staff, activity.compound, 'activity');
    return activity;
  }

  return {
    activityFor,

    /** Cancels the family's registration (or waitlist place); waitlisted families that fit the freed place are promoted and emailed. */
    async cancel(staff: StaffPrincipal, activityId: string, familyId: string): Promise<CancelOutcome> {
      const activity = await activityFor(staff, activityId);
      const result = await registrations.cancel(activityId, familyId);
      const emails = await deps.mail.sendWaitlistPromotions(activity, result.promoted);
      return { cancelled: result.cancelled, promoted: result.promoted.map(familyIdOf), emails };
    },

    /** Promotes the waitlisted families that fit now, in order, and retries promotion emails still pending. */
    async promote(staff: StaffPrincipal, activityId: string): Promise<PromoteOutcome> {
      const activity = await activityFor(staff, activityId);
      const promoted = await registrations.promoteWaitlisted(activityId);
      const emails = await deps.mail.sendWaitlistPromotions(activity, promoted);
      return { promoted: promoted.map(familyIdOf), emails };
    },
  };
}

export type RegistrationActions = ReturnType<typeof registrationActions>;

export function familyIdOf(r: Recipient): string {
  return r.key.replace(/^family:/, '');
}
