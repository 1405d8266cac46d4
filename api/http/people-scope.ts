/**
 * Compound scope for people (the rule is `personScope` in domain/access.ts): property managers and
 * grid workers register, sign up, send links to, walk in and check in (and so earn points for)
 * only the families and volunteers of their own compound; a coordinator may cross compounds, and
 * each such act is written to the audit trail.
 *
 * The audit row reuses `action_audit` (no new table), beside the activity's link decisions:
 * `workflow_id` is the activity's workflow (`themed-activity:<id>`), `step`
 * is 'crossCompound', `recipient_key` the coordinator (`staff:<id>`), `action` the operation, and
 * `comment` names the person and both compounds. It is written after the act succeeded, so a
 * request refused for another reason (capacity, a closed window) leaves no row.
 */
import type { Repositories } from '../../db/repositories';
import { personScope } from '../../domain/access';
import { themedActivityWorkflowId } from '../../domain/activity';
import type { StaffPrincipal } from './auth';
import { HttpError } from './errors';
import { boundCompound, type ActivityRef } from './feature-routes';

export interface ScopedPerson {
  kind: 'family' | 'volunteer';
  id: string;
}

export function createPeopleScope(repos: Repositories, now: () => number) {
  return {
    /**
     * Runs `act` when `staff` may act on every one of `people` for `activity`; otherwise refuses
     * with 403 OTHER_COMPOUND naming each person and their compound, and does nothing. People not
     * in the directory are left to `act`, which answers for them (404 FAMILY_NOT_FOUND, …).
     */
    async act<T>(staff: StaffPrincipal, activity: Pick<ActivityRef, 'id' | 'compound'>, people: readonly ScopedPerson[], action: string, act: () => Promise<T>): Promise<T> {
      const own = await boundCompound(repos, staff);
      const found = await repos.people.compoundsOf(people);
      const scoped = found.map((p) => ({ ...p, scope: personScope({ role: staff.role, compound: own }, activity.compound, p.compound?.id ?? null) }));
      const refused = scoped.filter((p) => p.scope === 'otherCompound');
      if (refused.length > 0) {
        const ownName = own === undefined ? undefined : ((await repos.people.compoundName(own)) ?? own);
        const named = refused.map((p) => `${p.kind} ${p.name} (${p.id}) belongs to compound ${p.compound?.name} (${p.compound?.id})`);
        throw new HttpError(
          403,
          'OTHER_COMPOUND',
          `${named.join('; ')}; you serve ${ownName} (${own}). Nothing was done`,
          refused.map((p) => ({ kind: p.kind, id: p.id, compoundId: p.compound?.id })),
        );
      }
      const result = await act();
      const at = new Date(now()).toISOString();
      for (const p of scoped.filter((x) => x.scope === 'crossCompound')) {
        await repos.audit.recordDecision(
          {
            workflowId: themedActivityWorkflowId(activity.id),
            step: 'crossCompound',
            round: 0,
            recipientKey: `staff:${staff.staffId}`,
            action,
            outcome: 'recorded',
            comment: `${p.kind}:${p.id} of compound ${p.compound?.id}; the activity is of compound ${activity.compound}`,
            ip: undefined,
            userAgent: undefined,
          },
          at,
        );
      }
      return result;
    },

    /**
     * Runs `act` on people outside any activity (points staff award for family learning or
     * volunteering): compound-bound staff only for people of their own compound, refused as `act`
     * refuses (403 OTHER_COMPOUND naming each person); a coordinator for anyone. No activity's
     * compound to cross, so nothing is written to the audit here: the act records itself.
     */
    async actOutsideActivity<T>(staff: StaffPrincipal, people: readonly ScopedPerson[], act: () => Promise<T>): Promise<T> {
      const own = await boundCompound(repos, staff);
      if (own === undefined) return act();
      const found = await repos.people.compoundsOf(people);
      const refused = found.filter((p) => p.compound !== null && personScope({ role: staff.role, compound: own }, own, p.compound.id) === 'otherCompound');
      if (refused.length > 0) {
        const ownName = (await repos.people.compoundName(own)) ?? own;
        const named = refused.map((p) => `${p.kind} ${p.name} (${p.id}) belongs to compound ${p.compound?.name} (${p.compound?.id})`);
        throw new HttpError(
          403,
          'OTHER_COMPOUND',
          `${named.join('; ')}; you serve ${ownName} (${own}). Nothing was done`,
          refused.map((p) => ({ kind: p.kind, id: p.id, compoundId: p.compound?.id })),
        );
      }
      return act();
    },
  };
}
export type PeopleScope = ReturnType<typeof createPeopleScope>;
