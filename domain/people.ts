/** People the product writes to, as the domain names them. */
import type { Locale } from './vocabulary';

/** Someone an email goes to, resolved at send time so directory changes take effect. */
export interface Recipient {
  /** Stable identity used in idempotency keys, e.g. `family:F001`, `staff:gw-1`, `merchant:m-wanda`. */
  key: string;
  name: string;
  email: string;
  locale: Locale;
}
