/**
 * What the registration routes and the staff pages both do for an activity's people: sign a
 * volunteer up, and issue (and optionally email) the families' and volunteers' signed
 * registration or check-in links. One place, so a page's form and a JSON request meet the same
 * rules: the step's window, the directory, the compound scope (api/http/people-scope.ts).
 */
import type { Config } from '../../config';
import type { Repositories } from '../../db/repositories';
import { registrationNotOpen, type Registrations } from '../../db/services/registration';
import type { Recipient } from '../../domain/people';
import type { StaffPrincipal } from '../http/auth';
import { HttpError } from '../http/errors';
import type { ActivityRef } from '../http/feature-routes';
import type { PeopleScope } from '../http/people-scope';
import { linkExpiry, signSelfServiceLink, type PersonRef } from '../family/links';
import type { PeopleMail } from './mail';

export interface SelfServiceLinksDeps {
  repos: Repositories;
  config: Config;
  linkSecret: string;
  mail: PeopleMail;
  now: () => number;
}

/** The links asked for, as the route's SelfServiceLinksBody parses them. */
export interface SelfServiceLinksRequest {
  step: 'register' | 'checkIn';
  families: readonly string[];
  volunteers: readonly string[];
  send: boolean;
}

export interface IssuedLink {
  recipient: PersonRef & Recipient;
  url: string;
  expiresAt: string;
}

/** Signs one link per person named (and emails the registration ones when asked); throws 409/422 as the route answers. */
export async function issueSelfServiceLinks(
  deps: SelfServiceLinksDeps,
  scope: PeopleScope,
  staff: StaffPrincipal,
  activity: ActivityRef,
  body: SelfServiceLinksRequest,
): Promise<{ links: IssuedLink[]; emails: Awaited<ReturnType<PeopleMail['sendRegistrationLinks']>> | undefined }> {
  const { repos, config } = deps;
  const notOpen = body.step === 'register' ? registrationNotOpen(activity.stage) : undefined;
  if (notOpen) throw notOpen;
  if (body.step === 'register' && (activity.attendanceState !== 'notOpen' || linkExpiry('register', activity, config) <= deps.now())) {
    throw new HttpError(409, 'StepClosed', `Registration for this activity has closed: check-in opens ${config.timings.attendanceOpensBeforeMs / 60_000} minutes before the start (${activity.startsAt})`);
  }
  if (body.step === 'checkIn' && (activity.attendanceState === 'closed' || linkExpiry('checkIn', activity, config) <= deps.now())) {
    throw new HttpError(409, 'StepClosed', 'Check-in for this activity has closed');
  }
  const people: (PersonRef & Recipient)[] = [];
  const missing: string[] = [];
  for (const familyId of new Set(body.families)) {
    const f = await repos.people.familyContact(familyId);
    if (f) people.push({ kind: 'family', id: f.id, key: `family:${f.id}`, name: f.name, email: f.email, locale: f.locale });
    else missing.push(`family ${familyId}`);
  }
  for (const volunteerId of new Set(body.volunteers)) {
    const v = await repos.people.volunteerContact(volunteerId);
    if (v) people.push({ kind: 'volunteer', id: v.id, key: `volunteer:${v.id}`, name: v.name, email: v.email, locale: v.locale });
    else missing.push(`volunteer ${volunteerId}`);
  }
  if (missing.length) throw new HttpError(422, 'MissingDirectoryEntry', `Not in the directory: ${missing.join(', ')}`, missing);
  const expiresAtMs = linkExpiry(body.step, activity, config);
  return scope.act(staff, activity, people, 'issueSelfServiceLinks', async () => {
    const signed = people.map((p) => ({
      recipient: p,
      ...signSelfServiceLink({ activityId: activity.id, step: body.step, person: { kind: p.kind, id: p.id }, expiresAtMs }, deps.linkSecret, config.http.publicBaseUrl),
    }));
    return { links: signed, emails: body.send ? await deps.mail.sendRegistrationLinks(activity, signed) : undefined };
  });
}

/** Signs a volunteer up for the activity, within the caller's compound scope: 'signedUp', or 'already' when they were. */
export function signUpVolunteer(
  scope: PeopleScope,
  registrations: Pick<Registrations, 'signUpVolunteer'>,
  staff: StaffPrincipal,
  activity: ActivityRef,
  volunteerId: string,
): ReturnType<Registrations['signUpVolunteer']> {
  return scope.act(staff, activity, [{ kind: 'volunteer', id: volunteerId }], 'signUpVolunteer', () => registrations.signUpVolunteer(activity.id, volunteerId));
}
