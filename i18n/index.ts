/** The catalogs, one per locale; every surface picks its prose from `catalogFor(locale)`. */
import type { Locale } from '../domain/vocabulary';
import type { Catalog } from './catalog';
import { en } from './en';
import { zhCN } from './zh-CN';

export const CATALOGS: Readonly<Record<Locale, Catalog>> = { 'zh-CN': zhCN, en };

/** The prose of `locale`; an unknown locale (a stale cookie, an old record) reads Simplified Chinese. */
export function catalogFor(locale: Locale): Catalog {
  return CATALOGS[locale] ?? zhCN;
}
