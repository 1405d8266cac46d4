import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase } from '../../db/database';
import { migrations } from '../../db/migrations';

const CHILD = path.join(__dirname, 'children', 'migrate-together.ts');
const PROCESSES = 6;

interface Child {
  ready: Promise<void>;
  go(): void;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** A real Node process that migrates `file` when told to go. */
function migrator(file: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file], { cwd: path.join(__dirname, '..', '..'), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      markReady(); // a child that died before it was ready must not hold the others
      resolve({ code, stdout: stdout.replace(/^ready\n/, ''), stderr });
    }),
  );
  return { ready, go: () => child.stdin.end('go\n'), done };
}

describe('migrations on SQLite across processes', () => {
  it('several processes migrating one fresh file at once all succeed, and each migration runs once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-migrate-'));
    const file = path.join(dir, 'shared.sqlite');
    try {
      const children = Array.from({ length: PROCESSES }, () => migrator(file));
      // Loading tsx takes each process a second or more on two cores: all start migrating together.
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.go();
      const outcomes = await Promise.all(children.map((c) => c.done));
      expect(outcomes.filter((o) => o.code !== 0).map((o) => o.stderr)).toEqual([]);
      const ran = outcomes
        .flatMap((o) => JSON.parse(o.stdout.trim()) as { name: string; status: string }[])
        .map((r) => `${r.name}:${r.status}`)
        .sort();
      // Between them the processes ran every migration exactly once; the others found nothing to do.
      expect(ran).toEqual(Object.keys(migrations).sort().map((name) => `${name}:Success`));

      const db = createDatabase({ sqlitePath: file });
      try {
        const recorded = await db.selectFrom('kysely_migration' as never).select('name' as never).execute();
        expect((recorded as { name: string }[]).map((r) => r.name).sort()).toEqual(Object.keys(migrations).sort());
        const tables = (await db.introspection.getTables()).map((t) => t.name);
        expect(tables).toEqual(expect.arrayContaining(['compounds', 'families', 'email_outbox']));
      } finally {
        await db.destroy();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
