/**
 * A separate process for test/db/migrate-processes.test.ts: opens the SQLite file given as argv[2],
 * says `ready`, waits for a line on stdin (the test sends it once every sibling is ready, so they
 * all start migrating together), migrates, and prints the migrations it ran as one JSON line.
 */
import { createDatabase } from '../../../db/database';
import { migrateToLatest } from '../../../db/migrate';

async function main(): Promise<void> {
  const [file] = process.argv.slice(2);
  if (!file) throw new Error('usage: migrate-together.ts FILE');
  const db = createDatabase({ sqlitePath: file });
  try {
    process.stdout.write('ready\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    process.stdin.pause();
    const results = await migrateToLatest(db);
    process.stdout.write(`${JSON.stringify(results.map((r) => ({ name: r.migrationName, status: r.status })))}\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
