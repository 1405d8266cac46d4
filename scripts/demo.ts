/**
 * `npm run demo`: `npm start`, and on first run against an empty database, the demo community
 * (scripts/demo/) seeded through the API, then a summary of what was seeded and how to sign in as
 * each role. A database that holds anything already is left as it is and the product starts
 * normally.
 *
 * The seeding acts through a coordinator's bearer token that exists only in this process: it is
 * random, added to the parsed config here, and never printed.
 */
import { randomBytes } from 'node:crypto';
import { DEMO_COORDINATOR_ID, DEMO_STAFF } from './demo/data';
import { describeSeed, seedDemo } from './demo/seed';
import { main } from './start';

const token = `demo-${randomBytes(24).toString('base64url')}`;
const coordinator = DEMO_STAFF.find((s) => s.id === DEMO_COORDINATOR_ID)!;

/** The API as this process reaches it (localhost may resolve to ::1 first; the API binds 127.0.0.1 by default). */
function localUrl(apiUrl: string, host: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'localhost') url.hostname = host === '::1' ? '[::1]' : '127.0.0.1';
  return url.origin;
}

if (require.main === module) {
  let host = '127.0.0.1';
  void main({
    adjustConfig: (config) => {
      host = config.http.host;
      return { ...config, staffTokens: [...config.staffTokens, { token, role: 'coordinator', staffId: coordinator.id, name: coordinator.name }] };
    },
    async afterStart({ apiUrl, runtime, log }) {
      log('Demo: checking the database … / 检查数据库 …');
      try {
        const result = await seedDemo({ baseUrl: localUrl(apiUrl, host), token, db: runtime.db });
        log(describeSeed(result, apiUrl));
      } catch (err) {
        // The product keeps running: what was seeded stays, and a later run sees the database in use.
        log(`Demo data could not be seeded completely: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  });
}
