/**
 * Builds the workflow bundle ahead of time (`npm run build`), so the production worker starts
 * without webpack and runs exactly the code that was built and tested.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { workflowBundleOptions } from '../worker/workflow-bundle';

export const WORKFLOW_BUNDLE_PATH = path.resolve(__dirname, '..', 'workflow-bundle.js');

export async function writeWorkflowBundle(outFile: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietLogger() });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, code);
}

function quietLogger() {
  const noop = () => undefined;
  return { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
}

if (require.main === module) {
  writeWorkflowBundle(WORKFLOW_BUNDLE_PATH).then(
    () => console.log(`workflow bundle written to ${path.relative(process.cwd(), WORKFLOW_BUNDLE_PATH)}`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
