/**
 * Builds the real dependencies from config: the database (migrated), the store, the mailer and
 * the activities. The worker process and `npm start` share this, so both run the same wiring.
 */
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Config } from '../config';
import { createActivities, type ThemedActivityActivities } from '../activities';
import { createDigestActivities, type DigestActivities } from '../activities/digest';
import { createCycleActivities, visibilityCycleActivityLister, type CycleActivities } from '../activities/cycle';
import type { Mailer } from '../mail/mailer';
import { createDatabase } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { SqlActivityStore } from '../db/store';
import type { Database } from '../db/types';
import { createMailer } from '../mail/from-config';
import { resolveLinkSecret } from '../links/secret';
import { renderEmail } from '../mail/templates';

export interface Runtime {
  db: Kysely<Database>;
  store: SqlActivityStore;
  mailer: Mailer;
  linkSecret: string;
  activities: ThemedActivityActivities & DigestActivities & CycleActivities;
  close(): Promise<void>;
}

// Shared with the API process (api/main.ts), which builds its own dependencies from the same pieces.
export { resolveLinkSecret, createMailer };

export async function buildRuntime(config: Config): Promise<Runtime> {
  const db = createDatabase({ url: config.database.url, sqlitePath: config.database.sqlitePath });
  await migrateToLatest(db);
  const store = new SqlActivityStore(db);
  const mailer = createMailer(config);
  const linkSecret = resolveLinkSecret(config);
  const activities = createActivities({
    store,
    mailer,
    render: renderEmail,
    links: {
      secret: linkSecret,
      publicBaseUrl: config.http.publicBaseUrl,
      graceMs: config.links.graceMs,
      attendanceOpensBeforeMs: config.timings.attendanceOpensBeforeMs,
      attendanceClosesAfterMs: config.timings.attendanceClosesAfterMs,
    },
    messageIdDomain: config.mail.from.email.split('@')[1] ?? 'localhost',
  });
  // The digest reads workflow status through a client; lazy, so nothing connects until the first digest.
  const temporalConnection = Connection.lazy({
    address: config.temporal.address ?? `127.0.0.1:${config.temporal.devPort}`,
  });
  const temporalClient = new Client({ connection: temporalConnection, namespace: config.temporal.namespace });
  const digestActivities = createDigestActivities({
    client: temporalClient,
    db,
    store,
    mailer,
    taskQueue: config.temporal.taskQueue,
    publicBaseUrl: config.http.publicBaseUrl,
    timeZone: config.digest.timeZone,
    messageIdDomain: config.mail.from.email.split('@')[1] ?? 'localhost',
  });
  const cycleActivities = createCycleActivities({
    db,
    store,
    mailer,
    listCycleActivities: visibilityCycleActivityLister(temporalClient),
    publicBaseUrl: config.http.publicBaseUrl,
    messageIdDomain: config.mail.from.email.split('@')[1] ?? 'localhost',
  });
  return {
    db,
    store,
    mailer,
    linkSecret,
    activities: { ...activities, ...digestActivities, ...cycleActivities },
    async close() {
      await temporalConnection.close();
      await mailer.close?.();
      await db.destroy();
    },
  };
}
