/** The database half of `GET /healthz`. */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../types';

export class HealthRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Resolves when the database answers a trivial query. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }
}
