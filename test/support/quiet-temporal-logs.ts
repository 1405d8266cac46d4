/** Temporal's runtime logs every worker state change at INFO; tests want warnings and errors only. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Installed already in this process (another test file): keep it.
}
