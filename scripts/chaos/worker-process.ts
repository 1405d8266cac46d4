/**
 * The worker as the fault test runs it: the product's runWorker (worker/main.ts) on the workflow
 * bundle the driver made once for the run (CHAOS_WORKFLOW_BUNDLE). Bundling at each start took
 * the two shared cores for half a minute, and the full preset restarts the worker more than
 * fifteen times. The SDK's "state: 'RUNNING'" line in its log tells the driver it polls.
 */
import { loadConfig } from '../../config';
import { runWorker } from '../../worker/main';

const config = loadConfig();
const bundle = process.env.CHAOS_WORKFLOW_BUNDLE;
if (!config.temporal.address || !bundle) {
  console.error('TEMPORAL_ADDRESS and CHAOS_WORKFLOW_BUNDLE must be set');
  process.exit(2);
}
runWorker(config, config.temporal.address, undefined, { workflowBundlePath: bundle }).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
