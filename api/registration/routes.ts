/**
 * Registration for a themed activity (staff side), volunteer sign-up, and the families' and
 * volunteers' personal self-service links.
 *
 *   GET  /api/activities/:id/registrations                       families registered and waiting, places left
 *   POST /api/activities/:id/registrations                       {familyId, members} → 201 registered / 202 waitlisted / 200 already
 *   (a family that gets a place is sent the registration confirmation: its card, check-in link, calendar file)
 *   POST /api/activities/:id/registrations/:familyId/cancel      frees the place; waitlisted families that fit are promoted and emailed
 *   POST /api/activities/:id/registrations/promote               promotes who fits now (after a capacity change) and retries pending emails
 *   POST /api/activities/:id/volunteers                          {volunteerId} → 201 signed up / 200 already
 *   POST /api/activities/:id/volunteers/:volunteerId/withdraw
 *   POST /api/activities/:id/self-service-links                  signed registration or check-in links (optionally emailed)
 *
 * Property managers act only on their own compound's activities and families (and volunteers);
 * coordinators on any, a family of another compound than the activity's being audited
 * (api/http/people-scope.ts).
 */
import { z } from 'zod';
import type { Recipient } from '../../domain/people';
import type { Config } from '../../config';
import type { RegistrationView } from '../../db/services/registration';
import type { Repositories } from '../../db/repositories';
import type { StaffRole } from '../../domain/schemas';
import type { StaffPrincipal } from '../http/auth';
import { defineRoute, type Route } from '../http/define-route';
import type { PeopleMail } from './mail';
import { issueSelfServiceLinks, signUpVolunteer } from './self-service';
import { ALL_STAFF, commonErrors, errorDoc, type ActivityRef } from '../http/feature-routes';
import { registrationActions } from './service';
import { Id } from '../activities/schemas';
import { createPeopleScope } from '../http/people-scope';

const ORGANISERS: readonly StaffRole[] = ['propertyManager', 'coordinator'];
const Members = z.number().int().min(1).max(50);

export const RegisterBody = z.strictObject({ familyId: Id, members: Members });
export const VolunteerSignUpBody = z.strictObject({ volunteerId: Id });
export const SelfServiceLinksBody = z
  .strictObject({
    step: z.enum(['register', 'checkIn']),
    families: z.array(Id).max(1000).default([]),
    volunteers: z.array(Id).max(1000).default([]),
    /** Registration links only: email each family its link (the registration-open email), once per link. */
    send: z.boolean().default(false),
  })
  .refine((b) => b.families.length + b.volunteers.length > 0, { message: 'name at least one family or volunteer', path: ['families'] })
  .refine((b) => b.step === 'checkIn' || b.volunteers.length === 0, { message: 'volunteers sign up through staff; registration links are for families', path: ['volunteers'] })
  .refine((b) => b.step === 'register' || !b.send, { message: 'only registration links are emailed; hand check-in links out yourself', path: ['send'] })
  .refine((b) => !b.send || b.families.length <= 200, { message: 'at most 200 emails per request', path: ['families'] })
  .meta({
    description:
      'Name at least one family or volunteer; volunteers only with step checkIn; send only with step register, and then at most 200 families.',
    anyOf: [
      { required: ['families'], properties: { families: { minItems: 1 } } },
      { required: ['volunteers'], properties: { volunteers: { minItems: 1 } } },
    ],
    allOf: [
      { if: { required: ['step'], properties: { step: { const: 'register' } } }, then: { properties: { volunteers: { maxItems: 0 } } } },
      {
        if: { required: ['send'], properties: { send: { const: true } } },
        then: { properties: { step: { const: 'register' }, families: { maxItems: 200 } } },
      },
    ],
  });

export const RegistrationResponse = z.object({
  activityId: Id,
  familyId: Id,
  status: z.enum(['registered', 'waitlisted', 'cancelled']),
  members: z.number().int(),
  /** Place in the waitlist (1 = next), when waitlisted. */
  waitlistPosition: z.number().int().optional(),
  placesLeft: z.number().int(),
  /** True when the family was already registered or waitlisted (status 200): nothing changed. */
  existing: z.boolean(),
});

const notFound = errorDoc('No activity, family or volunteer with this id');

export interface RegistrationRoutesDeps {
  repos: Repositories;
  config: Config;
  linkSecret: string;
  mail: PeopleMail;
  now: () => number;
}

const ActivityParam = z.object({ id: Id });
const FamilyParams = z.object({ id: Id, familyId: Id });
const VolunteerParams = z.object({ id: Id, volunteerId: Id });

/** Registration, volunteer sign-up and the self-service links' routes. */
export function registrationRoutes(deps: RegistrationRoutesDeps): Route[] {
  const { repos } = deps;
  const registrations = repos.registrations({ now: () => new Date(deps.now()) });
  const scope = createPeopleScope(repos, deps.now);

  const actions = registrationActions(deps);
  const activityFor = actions.activityFor;

  async function view(activity: ActivityRef, r: RegistrationView, existing: boolean) {
    const placesLeft = await registrations.placesLeft(activity.id);
    let waitlistPosition: number | undefined;
    if (r.status === 'waitlisted') {
      const all = await registrations.list(activity.id);
      waitlistPosition = all.filter((x) => x.status === 'waitlisted' && x.seq <= r.seq).length;
    }
    return {
      activityId: r.activityId,
      familyId: r.familyId,
      status: r.status,
      members: r.members,
      ...(waitlistPosition !== undefined ? { waitlistPosition } : {}),
      placesLeft,
      existing,
    };
  }

  return [
    defineRoute({
      id: 'listRegistrations',
      method: 'get',
      path: '/api/activities/:id/registrations',
      summary: 'Families registered and waitlisted (in order), volunteers signed up, and places left',
      roles: ALL_STAFF,
      responses: { 200: { description: '{ placesLeft, capacity, registrations, volunteers }' }, ...commonErrors, 404: notFound },
      params: ActivityParam,
      async handler({ params: { id }, staff, res }) {
        const activity = await activityFor(staff, id);
        const [all, volunteers, placesLeft] = await Promise.all([
          registrations.list(id),
          repos.activities.volunteerSignups(id),
          registrations.placesLeft(id),
        ]);
        res.json({
          activityId: id,
          capacity: activity.capacity,
          placesLeft,
          registrations: all.filter((r) => r.status !== 'cancelled'),
          volunteers: volunteers.map((v) => ({ volunteerId: v.volunteer_id, signedUpAt: v.created_at })),
        });
      },
    }),
    defineRoute({
      id: 'registerFamily',
      method: 'post',
      path: '/api/activities/:id/registrations',
      summary: 'Register a family with its member count: registered while places last, else waitlisted',
      roles: ORGANISERS,
      body: { name: 'RegisterBody', schema: RegisterBody },
      responses: {
        201: { description: 'Registered', schema: { name: 'RegistrationResponse', schema: RegistrationResponse } },
        202: { description: 'Waitlisted: promoted (and emailed) when a place that fits is freed', schema: { name: 'RegistrationResponse', schema: RegistrationResponse } },
        200: { description: 'Already registered or waitlisted: nothing changed', schema: { name: 'RegistrationResponse', schema: RegistrationResponse } },
        ...commonErrors,
        404: notFound,
        409: errorDoc('REGISTRATION_NOT_OPEN: the plan is not approved yet, or the activity was rejected, cancelled or has taken place'),
        422: errorDoc('EXCEEDS_CAPACITY: more members than the activity’s capacity'),
      },
      params: ActivityParam,
      async handler({ params: { id }, body, staff, res }) {
        const activity = await activityFor(staff, id);
        const before = await registrations.get(id, body.familyId);
        if (before && before.status !== 'cancelled') {
          res.status(200).json(await view(activity, before, true));
          return;
        }
        const status = await scope.act(staff, activity, [{ kind: 'family', id: body.familyId }], 'registerFamily', () => registrations.register(id, body.familyId, body.members));
        const after = await registrations.get(id, body.familyId);
        if (!after) throw new Error(`registration of ${body.familyId} for ${id} not found after writing it`);
        // The family gets its card (inline QR, code), check-in link and calendar file, as by its own link.
        if (status === 'registered') await deps.mail.sendRegistrationConfirmation(activity, body.familyId);
        res.status(status === 'registered' ? 201 : 202).json(await view(activity, after, false));
      },
    }),
    defineRoute({
      id: 'cancelRegistration',
      method: 'post',
      path: '/api/activities/:id/registrations/:familyId/cancel',
      summary: 'Cancel a family’s registration (or waitlist place); freed places go to waitlisted families that fit, who are emailed',
      roles: ORGANISERS,
      responses: { 200: { description: '{ cancelled, promoted, emails }' }, ...commonErrors, 404: notFound },
      params: FamilyParams,
      async handler({ params: { id, familyId }, staff, res }) {
        res.json(await actions.cancel(staff, id, familyId));
      },
    }),
    defineRoute({
      id: 'promoteWaitlist',
      method: 'post',
      path: '/api/activities/:id/registrations/promote',
      summary: 'Promote waitlisted families that fit now (after a capacity change); retries promotion emails still pending',
      roles: ORGANISERS,
      responses: { 200: { description: '{ promoted, emails }' }, ...commonErrors, 404: notFound },
      params: ActivityParam,
      async handler({ params: { id }, staff, res }) {
        res.json(await actions.promote(staff, id));
      },
    }),
    defineRoute({
      id: 'signUpVolunteer',
      method: 'post',
      path: '/api/activities/:id/volunteers',
      summary: 'Sign a volunteer up for the activity',
      roles: ORGANISERS,
      body: { name: 'VolunteerSignUpBody', schema: VolunteerSignUpBody },
      responses: { 201: { description: 'Signed up' }, 200: { description: 'Already signed up: nothing changed' }, ...commonErrors, 404: notFound },
      params: ActivityParam,
      async handler({ params: { id }, body, staff, res }) {
        const activity = await activityFor(staff, id);
        const outcome = await signUpVolunteer(scope, registrations, staff, activity, body.volunteerId);
        res.status(outcome === 'signedUp' ? 201 : 200).json({ activityId: id, volunteerId: body.volunteerId, status: outcome });
      },
    }),
    defineRoute({
      id: 'withdrawVolunteer',
      method: 'post',
      path: '/api/activities/:id/volunteers/:volunteerId/withdraw',
      summary: 'Withdraw a volunteer’s sign-up',
      roles: ORGANISERS,
      responses: { 200: { description: '{ withdrawn }' }, ...commonErrors, 404: notFound },
      params: VolunteerParams,
      async handler({ params: { id, volunteerId }, staff, res }) {
        await activityFor(staff, id);
        res.json({ activityId: id, volunteerId, withdrawn: await registrations.withdrawVolunteer(id, volunteerId) });
      },
    }),
    defineRoute({
      id: 'issueSelfServiceLinks',
      method: 'post',
      path: '/api/activities/:id/self-service-links',
      summary: 'Signed personal links: registration (families; until check-in opens) or self check-in (families, volunteers; until it closes)',
      roles: ORGANISERS,
      body: { name: 'SelfServiceLinksBody', schema: SelfServiceLinksBody },
      responses: {
        200: { description: '{ links: [{ recipient, url, expiresAt }], emails? }' },
        ...commonErrors,
        404: notFound,
        409: errorDoc('StepClosed: registration (or check-in) for this activity is over; REGISTRATION_NOT_OPEN: registration links before the plan is approved, or for a rejected, cancelled or past activity'),
        422: errorDoc('Someone named is not in the directory'),
      },
      params: ActivityParam,
      async handler({ params: { id }, body, staff, res }) {
        const activity = await activityFor(staff, id);
        const { links, emails } = await issueSelfServiceLinks(deps, scope, staff, activity, body);
        res.json({
          links: links.map((l) => ({ recipient: l.recipient.key, url: l.url, expiresAt: l.expiresAt })),
          ...(emails ? { emails } : {}),
        });
      },
    }),
  ];
}
