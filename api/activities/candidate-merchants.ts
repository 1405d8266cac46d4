/**
 * Turns the merchants a plan names by directory id into the contacts the workflow writes to. The
 * name, address, language and venue come from the directory (merchants and venues tables), never
 * from the request: whoever holds a merchant's signed link is the merchant on record, so the
 * audit's "merchant accepted" means what it says. A merchant not on record, deactivated, or with
 * no active venue on record, is a 400 InvalidInput naming the candidate's field, the merchant and
 * the id; nothing starts.
 */
import type { Repositories } from '../../db/repositories';
import type { FieldIssue } from '../../domain/plan-checks';
import type { CandidateMerchant, Plan } from '../../domain/schemas';
import { HttpError } from '../http/errors';
import type { PlanRequest } from './schemas';

/** The workflow's plan for a plan as the API takes it; throws 400 naming each candidate that cannot be used. */
export async function planFromDirectory(repos: Pick<Repositories, 'directory'>, plan: PlanRequest): Promise<Plan> {
  if (plan.venue.kind === 'community') return { ...plan, venue: plan.venue };
  const issues: FieldIssue[] = [];
  const candidates: CandidateMerchant[] = [];
  const seen = new Set<string>();
  for (const [i, ref] of plan.venue.candidateMerchants.entries()) {
    const field = `plan.venue.candidateMerchants.${i}`;
    if (seen.has(ref.merchantId)) {
      // The workflow would ask the same merchant twice and mail them twice.
      issues.push({ field, message: `merchant ${ref.merchantId} is named more than once` });
      continue;
    }
    seen.add(ref.merchantId);
    const merchant = await repos.directory.getMerchant(ref.merchantId);
    if (!merchant) {
      issues.push({ field, message: `no merchant ${ref.merchantId} in the directory; add them first (POST /api/directory/merchants)` });
      continue;
    }
    if (!merchant.active) {
      issues.push({ field, message: `merchant ${merchant.name} (${merchant.id}) is deactivated in the directory; reactivate them or name another` });
      continue;
    }
    const venues = await repos.directory.listVenues({ merchantId: merchant.id, activeOnly: true });
    const venue = ref.venueId === undefined ? venues[0] : venues.find((v) => v.id === ref.venueId);
    if (!venue) {
      issues.push({
        field,
        message:
          ref.venueId === undefined
            ? `merchant ${merchant.id} has no venue on record; add one (POST /api/directory/venues)`
            : `merchant ${merchant.id} has no venue ${ref.venueId} on record`,
      });
      continue;
    }
    // No email: the workflow's emails read the merchant's address from the directory when they go out.
    candidates.push({ id: merchant.id, name: merchant.name, locale: merchant.locale, venueName: venue.name });
  }
  if (issues.length > 0) {
    throw new HttpError(400, 'InvalidInput', `Invalid request body: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues);
  }
  return { ...plan, venue: { kind: 'merchant', hours: plan.venue.hours, candidateMerchants: candidates } };
}
