/**
 * The action-link pages' prose, picked from the locale's catalog (i18n/); the page's language as
 * the request asks for it is api/http/locale.ts's (re-exported here).
 */
import type { Locale } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import type { LinkPagesProse } from '../../i18n/catalog';

export function stringsFor(locale: Locale): LinkPagesProse {
  return catalogFor(locale).links;
}

export { pickLocale } from '../http/locale';
