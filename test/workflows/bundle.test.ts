/**
 * The workflow bundle the worker runs (built once by global setup, as `npm run build` builds it)
 * holds no zod: zod's schemas cost about 2 MiB and 15 ms per workflow when each workflow's context
 * instantiated every module again. Workflow code checks its updates with domain/checks.ts instead.
 *
 * It also preloads the workflow modules (worker/workflow-bundle.ts), so they are evaluated once per
 * worker thread and shared by every cached workflow instead of copied into each.
 */
import fs from 'node:fs';

test('the workflow bundle includes no zod module', () => {
  const bundlePath = process.env.TEST_WORKFLOW_BUNDLE;
  expect(bundlePath).toBeTruthy();
  const code = fs.readFileSync(bundlePath!, 'utf8');
  // webpack names each of our modules by its path.
  const modules = [...code.matchAll(/["'](\.\/[^"'\s]+\.(?:c?js|ts))["']/g)].map((m) => m[1]!);
  expect(modules).toEqual(expect.arrayContaining(['./workflows/themed-activity.ts', './domain/checks.ts']));
  // The bundle before this change named node_modules/zod/ 427 times (4.6 MB; 1.9 MB without).
  expect(code.match(/node_modules\/zod\//g) ?? []).toEqual([]);
});

test('the workflow bundle preloads the workflow modules once for every workflow it runs', () => {
  const code = fs.readFileSync(process.env.TEST_WORKFLOW_BUNDLE!, 'utf8');
  // The SDK's entrypoint: what preloadModules() requires is loaded before any workflow and shared.
  const preload = /function preloadModules\(\) \{([^}]*)\}/.exec(code)?.[1] ?? '';
  expect(preload).toContain('"./workflows/index.ts"');
});
