/** The self-service pages' prose, picked from the locale's catalog (i18n/). */
import type { Locale } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import { stringsFor } from '../links/i18n';

/** These pages' prose plus the shared page prose (times, site name, rate-limit and error pages). */
export function selfServiceStrings(locale: Locale) {
  return { ...stringsFor(locale), ss: catalogFor(locale).family };
}
