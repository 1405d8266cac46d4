/**
 * The guards every JSON route keeps, as one table-driven suite: no token or an unknown one (401),
 * a role the route does not admit (403), a malformed body or query (400 naming the field), and its
 * own roles admitted without a server error. Each routes test lists its routes and calls this.
 */
import { api, type ApiHarness, type Who } from './harness';

export interface RouteCase {
  method: 'GET' | 'POST';
  path: string;
  admitted: Who[];
  refused?: Who;
  /** A body or query that fails validation, and the field the 400 must name. */
  bad?: { body?: unknown; query?: string; field: string };
}

/** A POST goes with a body (an empty one unless given); a GET never has one. */
const bodyFor = (route: RouteCase, body: unknown = {}) => (route.method === 'POST' ? { body } : {});

/** Declares the guard tests of each route; `harness` is read when the tests run (after beforeAll). */
export function describeRouteGuards(routes: readonly RouteCase[], harness: () => ApiHarness): void {
  describe.each(routes)('$method $path', (route) => {
    test('refuses a request without a token (401, WWW-Authenticate: Bearer)', async () => {
      const res = await api(harness().baseUrl, route.method, route.path, bodyFor(route));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.body.error).toMatchObject({ code: 'Unauthorized', message: expect.stringContaining('Bearer') });
    });

    test('refuses an unknown token (401)', async () => {
      const res = await api(harness().baseUrl, route.method, route.path, { token: 'not-a-real-token-0123456789abcdef', ...bodyFor(route) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('invalid_token');
      expect(res.body.error.message).toContain('not recognised');
    });

    if (route.refused) {
      const refused = route.refused;
      test(`refuses a ${refused} token (403)`, async () => {
        const res = await api(harness().baseUrl, route.method, route.path, { who: refused, ...bodyFor(route, route.bad?.body ?? {}) });
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('Forbidden');
        expect(res.body.error.message).toContain('This route admits');
      });
    }

    if (route.bad) {
      const bad = route.bad;
      test(`refuses a malformed ${bad.body !== undefined ? 'body' : 'query'} with 400 naming ${bad.field}`, async () => {
        const res = await api(harness().baseUrl, route.method, `${route.path}${bad.query ?? ''}`, {
          who: route.admitted[0]!,
          ...(bad.body !== undefined ? { body: bad.body } : {}),
        });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('InvalidInput');
        expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: bad.field })]));
        expect(res.body.error.message).toContain(bad.field);
      });
    }

    test('admits its roles: past the guard (not 401 or 403), and never a server error', async () => {
      for (const who of route.admitted) {
        const res = await api(harness().baseUrl, route.method, route.path, { who, ...bodyFor(route) });
        // The role and the answer together, so a failure names which role got what.
        expect({ who, status: res.status, admitted: ![401, 403].includes(res.status), serverError: res.status >= 500 }).toEqual({
          who,
          status: res.status,
          admitted: true,
          serverError: false,
        });
      }
    });
  });
}
