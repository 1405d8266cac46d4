/**
 * The daily expiry run's side effects (workflows/points-expiry.ts): expire the points due, and
 * send each family the month-ahead notice of what will expire and when.
 *
 * Idempotency: the ledger keys each expiry entry per (holder, expiry date) and recomputes what is
 * due under the holder's lock, so a repeat expires nothing twice. Each notice is claimed in the
 * outbox under (`points-expiry`, `pointsExpiring`, `family:<id>`, <expiry date>) before it is sent
 * and carries a Message-ID derived from that key: one notice per family and expiry date, however
 * many daily runs see it coming.
 */
import { Context, log } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { Ledger } from '../db/services/ledger';
import type { Database } from '../db/types';
import type { LedgerPolicy } from '../domain/points';
import { emailKey } from '../mail/message-id';
import { deliverRecorded, type DeliveryDeps } from '../mail/outbox';
import { signFamilyPageLink } from '../links/holder-links';
import { renderPointsExpiring } from '../mail/points-templates';
import { POINTS_EXPIRY_WORKFLOW_ID } from '../workflows/points-expiry.api';

export interface PointsExpiryDeps extends DeliveryDeps {
  db: Kysely<Database>;
  /** The one ledger policy (config.points.policy). */
  policy: LedgerPolicy;
  /** How long before points expire the family is told (config.points.expiryNoticeBeforeMs). */
  noticeBeforeMs: number;
  /** Signs the family's page link the notice carries; without it the notice has none. */
  familyPageLinks?: { secret: string; publicBaseUrl: string };
}

export interface ExpiryRunRequest {
  /** The workflow's clock: what is due by then. */
  asOf: string;
}

/** The outbox key of one family's notice for one expiry date. */
export function expiryNoticeKey(familyId: string, expiresAt: string): string {
  return emailKey({ workflowId: POINTS_EXPIRY_WORKFLOW_ID, purpose: 'pointsExpiring', recipientKey: `family:${familyId}`, round: expiresAt });
}

function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Called outside an activity (a direct call in a test or script): nothing to heartbeat.
  }
}

export function createPointsExpiryActivities(deps: PointsExpiryDeps) {
  const ledgerAt = (asOf: string) => new Ledger(deps.db, { policy: deps.policy, now: () => new Date(asOf) });

  return {
    /** Expires what is due by asOf (oldest earnings first); a repeat writes nothing. */
    async expireDuePoints(req: ExpiryRunRequest): Promise<{ entries: number; points: number }> {
      const result = await ledgerAt(req.asOf).expirePoints(req.asOf);
      if (result.entries > 0) log.info('points expired', { asOf: req.asOf, entries: result.entries, points: result.points });
      return result;
    },

    /** Tells each family, once per expiry date, what will expire within the notice lead of asOf. */
    async sendExpiryNotices(req: ExpiryRunRequest): Promise<{ due: number; sent: number; alreadySent: number; failed: number }> {
      const until = new Date(Date.parse(req.asOf) + deps.noticeBeforeMs).toISOString();
      const lines = await ledgerAt(req.asOf).upcomingFamilyExpiries(req.asOf, until);
      const outcome = { due: lines.length, sent: 0, alreadySent: 0, failed: 0 };
      for (const [n, line] of lines.entries()) {
        const family = await deps.db
          .selectFrom('families')
          .select(['id', 'name', 'email', 'locale'])
          .where('id', '=', line.familyId)
          .where('deactivated_at', 'is', null)
          .executeTakeFirst();
        if (!family) continue;
        const recipient = { key: `family:${family.id}`, name: family.name, email: family.email, locale: family.locale };
        const links = deps.familyPageLinks;
        const familyPageUrl = links ? signFamilyPageLink(family.id, links.secret, links.publicBaseUrl, Date.now()).url : undefined;
        // Recorded per family: a relay's refusal leaves it retrying (the worker's retrier) or refused, never holding up the others.
        const sent = await deliverRecorded(deps, {
          key: expiryNoticeKey(family.id, line.expiresAt),
          scopeId: POINTS_EXPIRY_WORKFLOW_ID,
          purpose: 'pointsExpiring',
          recipient,
          render: () => renderPointsExpiring({ recipientName: family.name, expiresAt: line.expiresAt, points: line.amount, balance: line.balance, ...(familyPageUrl ? { familyPageUrl } : {}) }, family.locale),
          headers: { 'X-Email-Purpose': 'pointsExpiring' },
        });
        if (sent === 'sent' || sent === 'alreadySent') outcome[sent]++;
        else outcome.failed++;
        heartbeat({ done: n + 1, of: lines.length });
      }
      return outcome;
    },
  };
}

export type PointsExpiryActivities = ReturnType<typeof createPointsExpiryActivities>;
