/**
 * Points staff award outside an activity (家庭学习 family learning, 志愿服务 volunteering), the one
 * path the JSON route (POST /api/families/:id/points/awards) and the staff page
 * (/dashboard/points/award) both take: the family must exist, be in the staff member's compound
 * (coordinators: any; people-scope.ts), and the ledger writes the award under the earning cap,
 * idempotent by the caller's key (Ledger.staffAward). Who awarded is written to the action audit
 * (`points:family:<id>`, step `staffAward`), once, beside the entry it names.
 *
 * Who may award: property managers and grid workers (their own compound's families) and
 * coordinators (any family): the people who run the compound's activities and know its families.
 * Supervisors give feedback on activities and read no family's points, so they may not.
 */
import { z } from 'zod';
import type { Repositories } from '../../db/repositories';
import type { PointsEntry } from '../../db/services/ledger';
import { STAFF_AWARD_MAX, STAFF_AWARD_PATHS } from '../../domain/points';
import type { StaffRole } from '../../domain/schemas';
import { text } from '../../domain/text';
import type { StaffPrincipal } from '../http/auth';
import { HttpError } from '../http/errors';
import { createPeopleScope } from '../http/people-scope';

/** Who may award points outside an activity (see above). */
export const POINTS_AWARDERS: readonly StaffRole[] = ['propertyManager', 'gridWorker', 'coordinator'];

export const STAFF_AWARD_REASON_MAX = 500;

export const StaffAwardBody = z.strictObject({
  path: z.enum(STAFF_AWARD_PATHS).meta({ description: 'familyLearning (家庭学习) or volunteering (志愿服务 outside an activity): the entry’s rule' }),
  points: z.number().int().min(1).max(STAFF_AWARD_MAX),
  reason: text().trim().min(1, 'a reason is required').max(STAFF_AWARD_REASON_MAX).meta({ description: 'Shown to the family in its points history (the entry’s note)' }),
  /** Chosen by the client per award: a retry with it returns the first award. */
  idempotencyKey: z.string().trim().min(1).max(180),
});
export type StaffAwardInput = z.infer<typeof StaffAwardBody>;

export interface StaffAwardResult {
  entry: PointsEntry;
  /** False when this key was awarded before: nothing new was written. */
  created: boolean;
  balance: number;
  family: { id: string; name: string; compoundId: string };
}

export function staffAwards(repos: Repositories, now: () => number) {
  const scope = createPeopleScope(repos, now);
  const ledger = repos.ledger({ now: () => new Date(now()) });
  return {
    async award(staff: StaffPrincipal, familyId: string, input: StaffAwardInput): Promise<StaffAwardResult> {
      const family = await repos.directory.getFamily(familyId);
      if (!family) throw new HttpError(404, 'NotFound', `No family ${familyId}`);
      return scope.actOutsideActivity(staff, [{ kind: 'family', id: family.id }], async () => {
        const { entry, created } = await ledger.staffAward({ familyId: family.id, path: input.path, amount: input.points, reason: input.reason, idempotencyKey: input.idempotencyKey });
        if (created) {
          await repos.audit.recordDecision(
            {
              workflowId: `points:family:${family.id}`,
              step: 'staffAward',
              round: 0,
              recipientKey: `staff:${staff.staffId}`,
              action: input.path,
              outcome: 'recorded',
              comment: `entry ${entry.id}: ${entry.amount} points`,
              ip: undefined,
              userAgent: undefined,
            },
            new Date(now()).toISOString(),
          );
        }
        return { entry, created, balance: await ledger.balance({ kind: 'family', id: family.id }), family: { id: family.id, name: family.name, compoundId: family.compoundId } };
      });
    },
  };
}
