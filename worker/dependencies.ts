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
import { createPointsExpiryActivities, type PointsExpiryActivities } from '../activities/points-expiry';
import type { Mailer } from '../mail/mailer';
import { openDatabase } from '../db/open';
import type { DataConverter } from '@temporalio/common';
import { encryptedDataConverter, payloadCodecFrom, type AesGcmPayloadCodec } from '../lib/payload-codec';
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
  activities: ThemedActivityActivities & DigestActivities & CycleActivities & PointsExpiryActivities;
  /** Encrypts Temporal payloads; every client and worker of the process uses it. */
  dataConverter: DataConverter;
  payloadCodec: AesGcmPayloadCodec;
  close(): Promise<void>;
}

// Shared with the API process (api/main.ts), which builds its own dependencies from the same pieces.
export { resolveLinkSecret, createMailer };

export async function buildRuntime(config: Config): Promise<Runtime> {
  const db = await openDatabase(config.database);
  const store = new SqlActivityStore(db, { ledgerPolicy: config.points.policy });
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
    retryDelaysMs: config.mail.retryDelaysMs,
  });
  // The digest reads workflow status through a client; lazy, so nothing connects until the first digest.
  const temporalConnection = Connection.lazy({
    address: config.temporal.address ?? `127.0.0.1:${config.temporal.devPort}`,
  });
  const payloadCodec = payloadCodecFrom({ ...config.payloadKeys, dataDir: config.dataDir });
  const dataConverter = encryptedDataConverter(payloadCodec);
  const temporalClient = new Client({ connection: temporalConnection, namespace: config.temporal.namespace, dataConverter });
  const digestActivities = createDigestActivities({
    client: temporalClient,
    db,
    store,
    mailer,
    taskQueue: config.temporal.taskQueue,
    publicBaseUrl: config.http.publicBaseUrl,
    timeZone: config.digest.timeZone,
    messageIdDomain: config.mail.from.email.split('@')[1] ?? 'localhost',
    retryDelaysMs: config.mail.retryDelaysMs,
  });
  const cycleActivities = createCycleActivities({
    db,
    store,
    mailer,
    listCycleActivities: visibilityCycleActivityLister(temporalClient),
    publicBaseUrl: config.http.publicBaseUrl,
    messageIdDomain: config.mail.from.email.split('@')[1] ?? 'localhost',
    retryDelaysMs: config.mail.retryDelaysMs,
  });
  const pointsExpiryActivities = createPointsExpiryActivities({
    db,
    store,
    mailer,
    messageIdDomain: config.mail.from.email.split('@')[1] ?? 'localhost',
    policy: config.points.policy,
    noticeBeforeMs: config.points.expiryNoticeBeforeMs,
    familyPageLinks: { secret: linkSecret, publicBaseUrl: config.http.publicBaseUrl },
    retryDelaysMs: config.mail.retryDelaysMs,
  });
  return {
    db,
    store,
    mailer,
    linkSecret,
    activities: { ...activities, ...digestActivities, ...cycleActivities, ...pointsExpiryActivities },
    dataConverter,
    payloadCodec,
    async close() {
      await temporalConnection.close();
      await mailer.close?.();
      await db.destroy();
    },
  };
}
