/**
 * Check-in (签到) at the desk, and the QR cards it scans.
 *
 *   POST /api/activities/:id/check-ins      {qrToken, nonce?, members?}  staff scanning a family's or volunteer's card
 *   POST /api/activities/:id/walk-ins       {familyId | volunteerId | newFamily, members?, nonce?}  checked in by staff
 *   POST /api/activities/:id/check-outs     {volunteerId | qrToken}      a volunteer leaves (hours count)
 *   GET  /api/activities/:id/check-ins      who checked in, how and when
 *   GET  /api/families/:id/qr.png           the family's QR card; /api/volunteers/:id/qr.png the volunteer's
 *
 * Check-in is accepted only while the activity's attendance window is open: the workflow flips
 * `attendance_state` through the store, and the CheckIns service refuses otherwise (409
 * ATTENDANCE_NOT_OPEN). Per-person rows in the database, never one workflow message each (NOTES-temporal).
 * The first check-in answers 201; a later one for the same person 200 "already checked in at T",
 * recording nothing; a retry with the same client nonce answers exactly as the first did.
 *
 * A QR card holds only `<PUBLIC_BASE_URL>/q/<qrToken>`: a random token, never a name or an address.
 */
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import { text } from '../../domain/text';
import { mayReadFamilyPoints } from '../../domain/access';
import { createPeopleScope } from '../http/people-scope';
import type { Config } from '../../config';
import { CheckInError, type CheckInResult } from '../../db/services/checkin';
import { DirectoryError } from '../../db/services/directory';
import type { Repositories } from '../../db/repositories';
import { Locale } from '../../domain/schemas';
import type { StaffPrincipal } from '../http/auth';
import { HttpError } from '../http/errors';
import { defineRoute, type Route } from '../http/define-route';
import { CARD_CODE_LENGTH, normalizeCardCode, qrCardUrl } from '../../domain/card';
import {
  ALL_STAFF,
  DESK_STAFF,
  activityOr404,
  assertCompound,
  boundCompound,
  commonErrors,
  errorDoc,
  type ActivityRef,
} from '../http/feature-routes';
import { Id } from '../activities/schemas';

const Members = z.number().int().min(1).max(50);
const Nonce = z.string().trim().min(1).max(200);
/** A card's token, or the whole URL a scanner read from the card. */
const ScannedCode = z.string().trim().min(1).max(500);

export const CheckInBody = z.strictObject({
  qrToken: ScannedCode,
  /** Client-chosen id of this attempt: a retry with the same nonce is answered as the first. */
  nonce: Nonce.optional(),
  /** Family members present (default: those registered, else the household's size). */
  members: Members.optional(),
});

export const WalkInBody = z
  .strictObject({
    familyId: Id.optional(),
    volunteerId: Id.optional(),
    /** A family not yet in the directory, created on the spot in the activity's compound. */
    newFamily: z
      .strictObject({
        /** Default: derived from the nonce (so a retry finds the family it created), else random. */
        id: Id.optional(),
        name: text().trim().min(1).max(200),
        email: z.string().trim().pipe(z.email()),
        locale: Locale.default('zh-CN'),
        members: Members,
      })
      .optional(),
    members: Members.optional(),
    nonce: Nonce.optional(),
  })
  .refine((b) => [b.familyId, b.volunteerId, b.newFamily].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of familyId, volunteerId and newFamily',
    path: ['familyId'],
  })
  .meta({
    description: 'Exactly one of familyId, volunteerId and newFamily.',
    oneOf: [{ required: ['familyId'] }, { required: ['volunteerId'] }, { required: ['newFamily'] }],
  });

export const CheckOutBody = z
  .strictObject({ volunteerId: Id.optional(), qrToken: ScannedCode.optional() })
  .refine((b) => (b.volunteerId === undefined) !== (b.qrToken === undefined), { message: 'give exactly one of volunteerId and qrToken', path: ['volunteerId'] })
  .meta({ description: 'Exactly one of volunteerId and qrToken.', oneOf: [{ required: ['volunteerId'] }, { required: ['qrToken'] }] });

export const CheckInResponse = z.object({
  status: z.enum(['checkedIn', 'alreadyCheckedIn']),
  activityId: Id,
  personKind: z.enum(['family', 'volunteer']),
  personId: Id,
  members: z.number().int(),
  /** When the person checked in (the first time). */
  at: z.string(),
  message: z.string(),
});

const notFound = errorDoc('No activity with this id, or PERSON_NOT_FOUND: unknown QR code or person');
const notOpen = errorDoc('ATTENDANCE_NOT_OPEN: check-in is not open yet, or has closed; NONCE_REUSED: the nonce was used for someone else');
const checkInResponses = {
  201: { description: 'Checked in (or the retry of a check-in with the same nonce)', schema: { name: 'CheckInResponse', schema: CheckInResponse } },
  200: { description: 'Already checked in at T: nothing new recorded', schema: { name: 'CheckInResponse', schema: CheckInResponse } },
  ...commonErrors,
  404: notFound,
  409: notOpen,
};

const qrDoc = { 200: { description: 'image/png: a QR code of <PUBLIC_BASE_URL>/q/<qrToken>' }, ...commonErrors, 404: errorDoc('No such person') };

export interface CheckInRoutesDeps {
  repos: Repositories;
  config: Config;
  now: () => number;
}

/** The token from what a scanner read: the bare token, or the card's URL. */
export function tokenFromScan(scanned: string): string {
  const m = /\/q\/([A-Za-z0-9_-]+)\/?(?:[?#].*)?$/.exec(scanned);
  return m?.[1] ?? scanned;
}

/**
 * The person behind what the desk read or typed: the card's URL or bare token (the QR code), or the
 * short code printed under it (domain/card.ts). Throws PERSON_NOT_FOUND naming what was wrong.
 */
export async function personByScan(repos: Repositories, scanned: string): Promise<{ kind: 'family' | 'volunteer'; id: string }> {
  const person = await repos.people.personByQrToken(tokenFromScan(scanned.trim()));
  if (person) return person;
  const code = normalizeCardCode(scanned);
  if (code !== undefined && code.length === CARD_CODE_LENGTH) {
    const byCode = await repos.people.personByCardCode(code);
    if (byCode === 'ambiguous') throw new CheckInError('PERSON_NOT_FOUND', `Card code ${code} matches more than one card: scan the QR code instead`);
    if (byCode) return byCode;
  }
  throw new CheckInError('PERSON_NOT_FOUND', 'Unknown QR code or card code: it is not a family’s or volunteer’s card (was it replaced?)');
}

/** The answer to a check-in, the same from the API and the self check-in page. */
export function checkInMessage(result: CheckInResult): string {
  return result.status === 'checkedIn' ? `Checked in at ${result.at}` : `Already checked in at ${result.at}; nothing new was recorded`;
}

/** A clear refusal when the window is not open, naming when it opens or that it closed. */
export function attendanceNotOpen(activity: ActivityRef, config: Config): HttpError {
  const title = `“${activity.title}”`;
  if (activity.attendanceState === 'closed') {
    return new HttpError(409, 'ATTENDANCE_NOT_OPEN', `Check-in for ${title} has closed${activity.attendanceClosesAt ? ` (at ${activity.attendanceClosesAt})` : ''}; nothing was recorded`);
  }
  const opensAt = activity.attendanceOpensAt ?? new Date(Date.parse(activity.startsAt) - config.timings.attendanceOpensBeforeMs).toISOString();
  return new HttpError(409, 'ATTENDANCE_NOT_OPEN', `Check-in for ${title} is not open yet: it opens at about ${opensAt}, before the start at ${activity.startsAt}; nothing was recorded`);
}

export type PersonRefOf = { kind: 'family' | 'volunteer'; id: string };
export type WalkIn = z.infer<typeof WalkInBody>;

/**
 * What the desk does, shared by the JSON routes (bearer tokens) and the desk page's own endpoints
 * (api/check-in/desk-routes.ts, session cookie + CSRF): one rule for scope, the window and nonces.
 * Each act is recorded with the staff member who did it (`checked_in_by`).
 */
export function createCheckInActions(deps: CheckInRoutesDeps) {
  const { repos, config } = deps;
  const clock = () => new Date(deps.now());
  const checkIns = repos.checkIns({ now: clock });
  const scope = createPeopleScope(repos, deps.now);
  const directory = repos.directory;

  /** The activity, when `staff` may work its desk (403 for another compound). */
  async function activityFor(staff: StaffPrincipal, activityId: string): Promise<ActivityRef> {
    const activity = await activityOr404(repos, activityId);
    await assertCompound(repos, staff, activity.compound, 'activity');
    return activity;
  }

  /** Runs a check-in; a closed window is refused with the activity's times (read again: the workflow may just have flipped it). */
  async function attempt<T>(activity: ActivityRef, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof CheckInError && err.code === 'ATTENDANCE_NOT_OPEN') throw attendanceNotOpen(await activityOr404(repos, activity.id), config);
      throw err;
    }
  }

  /** Members count only for a family; a volunteer is one person. */
  function checkInPerson(staff: StaffPrincipal, activityId: string, person: PersonRefOf, method: 'qr' | 'staff', nonce: string | undefined, members: number | undefined) {
    return checkIns.checkIn({
      activityId,
      personKind: person.kind,
      personId: person.id,
      method,
      checkedInBy: staff.staffId,
      ...(nonce !== undefined ? { nonce } : {}),
      ...(members !== undefined && person.kind === 'family' ? { members } : {}),
    });
  }

  /** A scan the one statement did not write: the person looked up, the scope checked (and audited), and the check-in or the refusal worded. */
  async function byScan(staff: StaffPrincipal, activity: ActivityRef, scanned: string, o: { nonce?: string | undefined; members?: number | undefined }): Promise<CheckInResult> {
    const person = await personByScan(repos, scanned);
    return attempt(activity, () => scope.act(staff, activity, [person], 'checkInByQr', () => checkInPerson(staff, activity.id, person, 'qr', o.nonce, o.members)));
  }

  /**
   * The common scan in one statement (CheckIns.checkInByQrToken): the checked-in answer, or
   * undefined when it wrote nothing; `scan` then takes the full path, which words why (404, 403,
   * 409) or answers the earlier check-in, exactly as it always has. The caller's compound comes
   * from the token (or the directory, as boundCompound reads it); when it cannot be had (403),
   * the full path refuses in its own order (an unknown activity is a 404 first).
   */
  async function scanFast(staff: StaffPrincipal, activityId: string, scanned: string, o: { nonce?: string | undefined; members?: number | undefined }): Promise<CheckInResult | undefined> {
    const staffId = Id.safeParse(staff.staffId);
    if (!staffId.success) return undefined;
    let own: string | undefined;
    try {
      own = await boundCompound(repos, staff);
    } catch (err) {
      if (err instanceof HttpError && err.status === 403) return undefined;
      throw err;
    }
    return checkIns.checkInByQrToken({ activityId, qrToken: tokenFromScan(scanned.trim()), nonce: o.nonce, members: o.members, checkedInBy: staffId.data, staffCompound: own });
  }

  return {
    activityFor,

    /**
     * Checks in the person behind a scanned card or typed code: the one-statement path first, the
     * full one when it wrote nothing. `activityId` is the route's (the activity is read only when needed).
     */
    async scan(staff: StaffPrincipal, activityId: string, scanned: string, o: { nonce?: string | undefined; members?: number | undefined }): Promise<{ activityId: string; result: CheckInResult }> {
      const fast = await scanFast(staff, activityId, scanned, o);
      if (fast) return { activityId, result: fast };
      const activity = await activityFor(staff, activityId);
      return { activityId: activity.id, result: await byScan(staff, activity, scanned, o) };
    },

    /** Checks in a walk-in: a family or volunteer by id, or a family created on the spot in the activity's compound. */
    async walkIn(staff: StaffPrincipal, activity: ActivityRef, body: WalkIn): Promise<{ result: CheckInResult; familyCreated: boolean }> {
      let familyCreated = false;
      let person: PersonRefOf;
      let members = body.members;
      if (body.newFamily) {
        const nf = body.newFamily;
        // A retried request (same nonce) derives the same id, so it finds the family it created.
        const familyId =
          nf.id ?? `walkin-${createHash('sha256').update(`${activity.id}\n${body.nonce ?? `${Date.now()}-${Math.random()}`}`).digest('hex').slice(0, 24)}`;
        try {
          await directory.createFamily({ id: familyId, compoundId: activity.compound, name: nf.name, email: nf.email, locale: nf.locale, members: nf.members });
          familyCreated = true;
        } catch (err) {
          if (!(err instanceof DirectoryError && err.code === 'DUPLICATE')) throw err;
          const existing = await directory.getFamily(familyId);
          if (!existing || existing.name !== nf.name || existing.email.toLowerCase() !== nf.email.toLowerCase()) {
            throw new HttpError(409, 'DUPLICATE', `A different family already has the id ${familyId}: check in with familyId instead`);
          }
        }
        person = { kind: 'family', id: familyId };
        members ??= nf.members;
      } else if (body.familyId) {
        person = { kind: 'family', id: body.familyId };
      } else {
        person = { kind: 'volunteer', id: body.volunteerId as string };
      }
      const result = await attempt(activity, () => scope.act(staff, activity, [person], 'checkInWalkIn', () => checkInPerson(staff, activity.id, person, 'staff', body.nonce, members)));
      return { result, familyCreated };
    },

    /** A volunteer leaves, by id or by their card (the first check-out counts). */
    async checkOut(activity: ActivityRef, who: { volunteerId?: string | undefined; qrToken?: string | undefined }): Promise<{ status: 'checkedOut' | 'alreadyCheckedOut'; at: string; volunteerId: string }> {
      let volunteerId = who.volunteerId;
      if (who.qrToken !== undefined) {
        const person = await personByScan(repos, who.qrToken);
        if (person.kind !== 'volunteer') throw new HttpError(400, 'InvalidInput', 'qrToken: this is a family’s card; only volunteers check out', [{ field: 'qrToken', message: 'a family’s card' }]);
        volunteerId = person.id;
      }
      const id = volunteerId as string;
      const out = await attempt(activity, () => checkIns.checkOut(activity.id, id));
      return { ...out, volunteerId: id };
    },

    list: (activityId: string) => checkIns.list(activityId),
  };
}
export type CheckInActions = ReturnType<typeof createCheckInActions>;

/** The check-in desk's routes and the QR cards. */
export function checkInRoutes(deps: CheckInRoutesDeps): Route[] {
  const { repos, config } = deps;
  const directory = repos.directory;
  const desk = createCheckInActions(deps);
  const activityFor = desk.activityFor;

  const send = (res: Response, activity: Pick<ActivityRef, 'id'>, result: CheckInResult, extra: Record<string, unknown> = {}): void => {
    res.status(result.status === 'checkedIn' ? 201 : 200).json({ ...result, activityId: activity.id, message: checkInMessage(result), ...extra });
  };

  async function sendQr(res: Response, qrToken: string): Promise<void> {
    const png = await QRCode.toBuffer(qrCardUrl(config.http.publicBaseUrl, qrToken), { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 320 });
    res.setHeader('Cache-Control', 'no-store');
    res.type('png').send(png);
  }

  const ActivityParam = z.object({ id: Id });

  return [
    defineRoute({
      id: 'checkInByQr',
      method: 'post',
      path: '/api/activities/:id/check-ins',
      summary: 'Check in a family or volunteer by the QR card staff scanned (while the attendance window is open)',
      roles: DESK_STAFF,
      body: { name: 'CheckInBody', schema: CheckInBody },
      responses: checkInResponses,
      params: ActivityParam,
      async handler({ params: { id }, body, staff, res }) {
        const { activityId, result } = await desk.scan(staff, id, body.qrToken, { nonce: body.nonce, members: body.members });
        send(res, { id: activityId }, result);
      },
    }),
    defineRoute({
      id: 'checkInWalkIn',
      method: 'post',
      path: '/api/activities/:id/walk-ins',
      summary: 'Check in a walk-in: a family or volunteer by id, or a family created on the spot',
      roles: DESK_STAFF,
      body: { name: 'WalkInBody', schema: WalkInBody },
      responses: { ...checkInResponses, 409: errorDoc('ATTENDANCE_NOT_OPEN, NONCE_REUSED, or DUPLICATE: newFamily.id belongs to another family') },
      params: ActivityParam,
      async handler({ params: { id }, body, staff, res }) {
        const activity = await activityFor(staff, id);
        const { result, familyCreated } = await desk.walkIn(staff, activity, body);
        send(res, activity, result, { familyCreated });
      },
    }),
    defineRoute({
      id: 'checkOutVolunteer',
      method: 'post',
      path: '/api/activities/:id/check-outs',
      summary: 'Check a volunteer out (the first check-out counts for the service hours)',
      roles: DESK_STAFF,
      body: { name: 'CheckOutBody', schema: CheckOutBody },
      responses: {
        200: { description: '{ status: checkedOut | alreadyCheckedOut, at }' },
        ...commonErrors,
        404: notFound,
        409: errorDoc('ATTENDANCE_NOT_OPEN, or NOT_CHECKED_IN'),
      },
      params: ActivityParam,
      async handler({ params: { id }, body, staff, res }) {
        const activity = await activityFor(staff, id);
        const out = await desk.checkOut(activity, body);
        res.json({ ...out, activityId: id });
      },
    }),
    defineRoute({
      id: 'listCheckIns',
      method: 'get',
      path: '/api/activities/:id/check-ins',
      summary: 'Who checked in, by which method, when, and (volunteers) when they left',
      roles: ALL_STAFF,
      responses: { 200: { description: '{ attendanceState, checkIns }' }, ...commonErrors, 404: notFound },
      params: ActivityParam,
      async handler({ params: { id }, staff, res }) {
        const activity = await activityFor(staff, id);
        const rows = await desk.list(id);
        res.json({
          activityId: id,
          attendanceState: activity.attendanceState,
          checkIns: rows.map((r) => ({
            personKind: r.person_kind,
            personId: r.person_id,
            members: Number(r.members),
            method: r.method,
            checkedInAt: r.checked_in_at,
            checkedOutAt: r.checked_out_at,
          })),
        });
      },
    }),
    defineRoute({
      id: 'familyQrCode',
      method: 'get',
      path: '/api/families/:id/qr.png',
      summary: 'The family’s QR card (PNG) for check-in; it encodes a random token, no name or address',
      // Desk staff print and scan cards; the supervisor reads no family's card.
      roles: ALL_STAFF.filter(mayReadFamilyPoints),
      responses: qrDoc,
      params: ActivityParam,
      async handler({ params: { id }, staff, res }) {
        const family = await directory.getFamily(id);
        if (!family) throw new HttpError(404, 'NotFound', `No family ${id}`);
        await assertCompound(repos, staff, family.compoundId, 'family');
        await sendQr(res, family.qrToken);
      },
    }),
    defineRoute({
      id: 'volunteerQrCode',
      method: 'get',
      path: '/api/volunteers/:id/qr.png',
      summary: 'The volunteer’s QR card (PNG) for check-in and check-out',
      roles: ALL_STAFF.filter(mayReadFamilyPoints),
      responses: qrDoc,
      params: ActivityParam,
      async handler({ params: { id }, staff, res }) {
        const volunteer = await directory.getVolunteer(id);
        if (!volunteer) throw new HttpError(404, 'NotFound', `No volunteer ${id}`);
        await assertCompound(repos, staff, volunteer.compoundId, 'volunteer');
        await sendQr(res, volunteer.qrToken);
      },
    }),
  ];
}

