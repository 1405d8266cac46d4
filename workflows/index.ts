/** The worker's workflow entry point: every workflow this product runs. */
export { themedActivityWorkflow } from './themed-activity';
export { dailyDigestWorkflow } from './daily-digest';
export { incubationCycleWorkflow } from './incubation-cycle';
export { pointsExpiryWorkflow } from './points-expiry';
