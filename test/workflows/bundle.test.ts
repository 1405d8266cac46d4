/**
 * The workflow bundle the worker runs (built once by global setup, as `npm run build` builds it)
 * holds no zod: every module in it is instantiated again in each workflow's context, and zod's
 * schemas cost about 2 MiB and 15 ms per workflow there. Workflow code checks its updates with
 * domain/checks.ts instead.
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
