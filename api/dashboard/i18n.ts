/**
 * The staff pages' prose (sign-in and dashboard), picked from the locale's catalog (i18n/), with
 * the action pages' prose beside it (stage names, times, the site name), so the two sets of pages
 * say the same things the same way.
 */
import type { Locale } from '../../domain/schemas';
import { CATALOGS, catalogFor } from '../../i18n';
import type { DashboardProse, LinkPagesProse } from '../../i18n/catalog';

export type DashboardStrings = DashboardProse & { page: LinkPagesProse };

const byLocale = new Map<Locale, DashboardStrings>(
  (Object.keys(CATALOGS) as Locale[]).map((locale) => {
    const c = catalogFor(locale);
    return [locale, { ...c.dashboard, page: c.links }];
  }),
);

export function dashboardStrings(locale: Locale): DashboardStrings {
  return byLocale.get(locale) ?? byLocale.get('zh-CN')!;
}
