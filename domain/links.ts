/**
 * Which step and round an action link may still act on. The workflow's update validators decide
 * by this rule (a decision for a step that moved on is refused as `StepClosed`); the API's link
 * pages can judge a link's step by the same rule from the status query.
 *
 * Pure: no I/O, no Node built-ins, no Temporal.
 */
import type { Stage } from './activity';

/** The workflow steps a link in an email acts on. */
export const LINK_STEPS = ['approval', 'venueRequest', 'supervisionFeedback'] as const;
export type LinkStep = (typeof LINK_STEPS)[number];

/** What is open right now: the stage, the current approval round and the merchant ask awaiting an answer. */
export interface OpenStep {
  stage: Stage;
  approvalRound: number;
  /** The attempt number (1-based) of the merchant ask now waiting, if any. */
  merchantAsk?: number | undefined;
}

/**
 * Whether a link for `step` and `round` may act now: an approval link only in its own round of
 * the approval stage, a venue-request link only for the ask now waiting, a feedback link while
 * supervision feedback is open (it has one round). A later round makes older links stale.
 */
export function linkStepOpen(step: LinkStep, round: number, open: OpenStep): boolean {
  switch (step) {
    case 'approval':
      return open.stage === 'approval' && round === open.approvalRound;
    case 'venueRequest':
      return open.stage === 'venueRequest' && open.merchantAsk !== undefined && open.merchantAsk === round;
    case 'supervisionFeedback':
      return open.stage === 'supervisionFeedback';
  }
}
