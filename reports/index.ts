/** The reports' entry: what composition roots hand to the repositories (see db/repositories). */
import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import type { RepositoryDeps } from '../db/repositories';
import { loadCycleReport } from './cycle-report';

export function reportDeps(db: Kysely<Database>): RepositoryDeps {
  return { loadCycleReport: (cycleId) => loadCycleReport(db, cycleId) };
}
