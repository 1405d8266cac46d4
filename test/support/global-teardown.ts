import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEST_DEV_SERVER__?.stop();
  if (globalThis.__TEST_TMP_DIR__) fs.rmSync(globalThis.__TEST_TMP_DIR__, { recursive: true, force: true });
}
