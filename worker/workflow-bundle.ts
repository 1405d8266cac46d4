/**
 * How the product's workflow bundle is built: `npm run build` (scripts/bundle-workflows.ts), a
 * worker started without a built bundle (create-worker.ts), the tests' global setup and the memory
 * benchmark all build it from these options, so what is measured and tested is what runs.
 */
import type { BundleOptions } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * Modules evaluated once per worker thread instead of once per workflow. Without this, each
 * workflow the worker caches runs its own copy of every module in the bundle (its constants, its
 * checks, its activity proxies): about 60 KiB of JavaScript heap per waiting themed activity
 * (bench `--only memory`). Sharing them is safe because none of them holds state: workflows/ and
 * the domain/ modules it imports declare only constants, tables nobody writes to, stateless activity
 * proxies and pure functions at module level (no `let`, no Map or Set, no global-flag regex), and
 * call no workflow API (clock, info, patched) until a workflow runs. A module that needs
 * per-workflow state at module level must not be added to the bundle: keep it in the function.
 */
export const PRELOADED_WORKFLOW_MODULES = [WORKFLOWS_PATH];

/** Options for `bundleWorkflowCode` (the logger aside). */
export const workflowBundleOptions = (): Pick<BundleOptions, 'workflowsPath' | 'preloadModules'> => ({
  workflowsPath: WORKFLOWS_PATH,
  preloadModules: PRELOADED_WORKFLOW_MODULES,
});
