/**
 * The growth-points (成长积分) API over the append-only ledger.
 *
 *   GET  /api/families/:id/points         balance, history and redemptions without coupon codes (desk staff;
 *                                         PMs and grid workers: their compound only)
 *   POST /api/families/:id/redemptions    {rewardId, idempotencyKey} at the counter → 201 with a coupon code;
 *                                         the same key again → the same redemption (200)
 *   GET  /api/rewards                     the catalogue
 *   POST /api/rewards                     add a reward (coordinator)
 *   GET  /api/points/totals?from=&to=     awarded, reversed, redeemed, expired in [from, to); outstanding at `to`
 *   POST /api/points/expire               {asOf}: expire what is due by then (idempotent); the daily
 *                                         points-expiry workflow does this by itself (expiry-schedule.ts)
 *   POST /api/families/:id/points/awards  {path, points, reason, idempotencyKey}: points for family learning or
 *                                         volunteering outside an activity (award.ts), under the earning cap
 *
 * The ledger refuses rather than let a balance or a stock go below zero: 409 INSUFFICIENT_POINTS or
 * OUT_OF_STOCK, whatever the concurrency (see bench/).
 */
import { z } from 'zod';
import { text } from '../../domain/text';
import { mayListCouponCodes, mayReadFamilyPoints } from '../../domain/access';
import type { Repositories } from '../../db/repositories';
import { IsoInstant } from '../../domain/schemas';
import { HttpError } from '../http/errors';
import { defineRoute, type Route } from '../http/define-route';
import { ALL_STAFF, DESK_STAFF, assertCompound, commonErrors, errorDoc } from '../http/feature-routes';
import { Id } from '../activities/schemas';
import { POINTS_AWARDERS, StaffAwardBody, staffAwards } from './award';

export const RedeemBody = z.strictObject({
  rewardId: Id,
  /** Chosen by the counter's client per attempt: a retry with it returns the first redemption. */
  idempotencyKey: z.string().trim().min(1).max(200),
});

export const RewardBody = z
  .strictObject({
    id: Id.optional(),
    name: text().trim().min(1).max(200),
    kind: z.enum(['education', 'merchantCoupon']),
    merchantId: Id.optional(),
    price: z.number().int().positive().max(1_000_000),
    stock: z.number().int().min(0).max(1_000_000),
  })
  .refine((r) => r.kind !== 'merchantCoupon' || r.merchantId !== undefined, { message: 'a merchant coupon needs its merchant', path: ['merchantId'] })
  .meta({
    description: 'A merchant coupon (kind merchantCoupon) needs its merchantId, a merchant in the directory.',
    if: { properties: { kind: { const: 'merchantCoupon' } } },
    then: { required: ['merchantId'] },
  });

export const TotalsQuery = z
  .strictObject({ from: IsoInstant, to: IsoInstant.meta({ description: 'Must be after from.' }) })
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: 'to must be after from', path: ['to'] });

export const ExpireBody = z.strictObject({ asOf: IsoInstant });
export const HistoryQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(10_000).default(200) });

export const RedemptionResponse = z.object({
  id: z.string(),
  rewardId: Id,
  rewardName: z.string(),
  familyId: Id,
  couponCode: z.string(),
  points: z.number().int(),
  idempotencyKey: z.string(),
  createdAt: z.string(),
  /** The family's balance after the redemption. */
  balance: z.number().int(),
  /** True when this key was redeemed before (status 200): nothing new was spent. */
  existing: z.boolean(),
});

export interface PointsRoutesDeps {
  /** Their ledger carries the one policy (config.points.policy) given to createRepositories. */
  repos: Repositories;
  now: () => number;
}

/** The growth points' routes. */
export function pointsRoutes(deps: PointsRoutesDeps): Route[] {
  const { repos } = deps;
  const ledger = repos.ledger({ now: () => new Date(deps.now()) });
  const coupons = repos.coupons({ now: () => new Date(deps.now()) });
  const directory = repos.directory;
  const FamilyParam = z.object({ id: Id });
  const awards = staffAwards(repos, deps.now);

  return [
    defineRoute({
      id: 'getFamilyPoints',
      method: 'get',
      path: '/api/families/:id/points',
      summary: 'A family’s growth-points balance, history (newest first) and redemptions (without their coupon codes)',
      // Not the supervisor: they read no family's ledger (as on the dashboard).
      roles: ALL_STAFF.filter(mayReadFamilyPoints),
      query: HistoryQuery,
      responses: { 200: { description: '{ familyId, balance, history, redemptions }' }, ...commonErrors, 404: errorDoc('No family with this id') },
      params: FamilyParam,
      async handler({ params: { id }, query: q, staff, res }) {
        const family = await directory.getFamily(id);
        if (!family) throw new HttpError(404, 'NotFound', `No family ${id}`);
        await assertCompound(repos, staff, family.compoundId, 'family');
        const holder = { kind: 'family' as const, id };
        const [balance, history, redemptions] = await Promise.all([ledger.balance(holder), ledger.history(holder, { limit: q.limit }), ledger.listRedemptions(id)]);
        res.json({
          familyId: id,
          balance,
          history: history.map(({ holder: _h, idempotencyKey: _k, reversesEntryId, ...e }) => ({ ...e, ...(reversesEntryId ? { reversesEntryId } : {}) })),
          // Coupon codes are shown at the counter in the redemption's own answer, never in a listing;
          // nor the idempotency key, which would fetch that answer (and its code) again.
          redemptions: redemptions.map(({ entryId: _e, couponCode, idempotencyKey: _k, ...r }) => (mayListCouponCodes(staff.role) ? { ...r, couponCode } : r)),
        });
      },
    }),
    defineRoute({
      id: 'redeemReward',
      method: 'post',
      path: '/api/families/:id/redemptions',
      summary: 'Spend a family’s points on a reward at the counter; issues a coupon code',
      roles: DESK_STAFF,
      body: { name: 'RedeemBody', schema: RedeemBody },
      responses: {
        201: { description: 'Redeemed', schema: { name: 'RedemptionResponse', schema: RedemptionResponse } },
        200: { description: 'This idempotencyKey was redeemed before: the same redemption', schema: { name: 'RedemptionResponse', schema: RedemptionResponse } },
        ...commonErrors,
        404: errorDoc('FAMILY_NOT_FOUND or REWARD_NOT_FOUND'),
        409: errorDoc('INSUFFICIENT_POINTS, OUT_OF_STOCK, or IDEMPOTENCY_KEY_REUSED (the key was used for another family or reward)'),
      },
      params: FamilyParam,
      async handler({ params: { id }, body, staff, res }) {
        const family = await directory.getFamily(id);
        if (!family) throw new HttpError(404, 'NotFound', `No family ${id}`);
        await assertCompound(repos, staff, family.compoundId, 'family');
        // Through the coupons service, as the counter page: the same ledger rules, and the coupon's validity fixed.
        const { coupon, balance, created } = await coupons.issue(id, body.rewardId, body.idempotencyKey);
        res.status(created ? 201 : 200).json({
          id: coupon.redemptionId,
          rewardId: coupon.rewardId,
          rewardName: coupon.rewardName,
          familyId: coupon.familyId,
          couponCode: coupon.code,
          points: coupon.points,
          idempotencyKey: body.idempotencyKey,
          createdAt: coupon.issuedAt,
          balance,
          existing: !created,
        });
      },
    }),
    defineRoute({
      id: 'listRewards',
      method: 'get',
      path: '/api/rewards',
      summary: 'The rewards catalogue: education resources and merchant coupons, with price and stock',
      roles: ALL_STAFF,
      responses: { 200: { description: '{ rewards }' }, ...commonErrors },
      async handler({ res }) {
        res.json({ rewards: await ledger.listRewards() });
      },
    }),
    defineRoute({
      id: 'createReward',
      method: 'post',
      path: '/api/rewards',
      summary: 'Add a reward to the catalogue',
      roles: ['coordinator'],
      body: { name: 'RewardBody', schema: RewardBody },
      responses: {
        201: { description: 'The reward' },
        ...commonErrors,
        409: errorDoc('DUPLICATE: a reward with this id exists'),
        422: errorDoc('The merchant is not in the directory'),
      },
      async handler({ body, res }) {
        if (body.merchantId !== undefined && !(await directory.getMerchant(body.merchantId))) {
          throw new HttpError(422, 'MissingDirectoryEntry', `merchantId: no merchant ${body.merchantId} in the directory`, [{ field: 'merchantId', message: 'not in the directory' }]);
        }
        res.status(201).json(await ledger.createReward(body));
      },
    }),
    defineRoute({
      id: 'pointsTotals',
      method: 'get',
      path: '/api/points/totals',
      summary: 'Ledger totals for entries written in [from, to): awarded, reversed, redeemed, expired; and outstanding at `to`',
      roles: ['coordinator'],
      query: TotalsQuery,
      responses: { 200: { description: '{ from, to, awarded, reversed, redeemed, expired, outstanding }' }, ...commonErrors },
      async handler({ query: q, res }) {
        res.json({ from: q.from, to: q.to, ...(await ledger.totals(q)) });
      },
    }),
    defineRoute({
      id: 'expirePoints',
      method: 'post',
      path: '/api/points/expire',
      summary: 'Expire the points due by asOf (oldest first); a repeat writes nothing',
      roles: ['coordinator'],
      body: { name: 'ExpireBody', schema: ExpireBody },
      responses: { 200: { description: '{ asOf, entries, points } written by this run' }, ...commonErrors },
      async handler({ body, res }) {
        res.json({ asOf: body.asOf, ...(await ledger.expirePoints(body.asOf)) });
      },
    }),
    defineRoute({
      id: 'awardFamilyPoints',
      method: 'post',
      path: '/api/families/:id/points/awards',
      summary: 'Award a family points for family learning (家庭学习) or volunteering outside an activity (志愿服务), with a reason, under the earning cap',
      roles: POINTS_AWARDERS,
      body: { name: 'StaffAwardBody', schema: StaffAwardBody },
      responses: {
        201: { description: '{ entry, balance, existing: false }: awarded' },
        200: { description: '{ entry, balance, existing: true }: this idempotencyKey was awarded before; nothing new' },
        ...commonErrors,
        404: errorDoc('No family with this id'),
        409: errorDoc('EARNING_CAP_REACHED (the message names the cap, what was earned and what is left; nothing awarded), or IDEMPOTENCY_KEY_REUSED'),
      },
      params: FamilyParam,
      async handler({ params: { id }, body, staff, res }) {
        const { entry, created, balance } = await awards.award(staff, id, body);
        const { holder: _h, idempotencyKey: _k, reversesEntryId: _r, ...shown } = entry;
        res.status(created ? 201 : 200).json({ familyId: id, entry: shown, balance, existing: !created });
      },
    }),
  ];
}
