/**
 * One catalog per locale: the compiler checks that each has every string (both are `Catalog`);
 * these check what it cannot: no string is left empty, the two locales really differ, an unknown
 * locale reads Chinese, and the CSV headers name each column of each table.
 */
import { CATALOGS, catalogFor } from '../../i18n';
import { CSV_COLUMNS, CSV_SUMMARY_FIGURES, type Catalog } from '../../i18n/catalog';
import { LOCALES, type Locale } from '../../domain/vocabulary';

/** Every plain string of a catalog, by its path (functions are prose with holes; skipped). */
function strings(value: unknown, at = ''): [string, string][] {
  if (typeof value === 'string') return [[at, value]];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  return [];
}

describe.each(LOCALES)('the %s catalog', (locale) => {
  const catalog: Catalog = CATALOGS[locale];

  test('says which locale it is', () => {
    expect(catalog.locale).toBe(locale);
    expect(catalogFor(locale)).toBe(catalog);
  });

  test('leaves no string empty', () => {
    const empty = strings(catalog).filter(([, s]) => s.trim() === '');
    expect(empty).toEqual([]);
  });

  test.each(Object.keys(CSV_COLUMNS) as (keyof typeof CSV_COLUMNS)[])('heads every column of the %s table', (table) => {
    const headers: Record<string, string> = catalog.csv.headers[table];
    expect(Object.keys(headers).sort()).toEqual([...CSV_COLUMNS[table]].sort());
  });

  test('names every summary figure', () => {
    expect(Object.keys(catalog.csv.figures).sort()).toEqual([...CSV_SUMMARY_FIGURES].sort());
  });
});

test('the two locales have the same strings, and they are not the same words', () => {
  const zh = new Map(strings(CATALOGS['zh-CN']));
  const en = new Map(strings(CATALOGS.en));
  expect([...zh.keys()].sort()).toEqual([...en.keys()].sort());
  const same = [...zh].filter(([path, s]) => en.get(path) === s).map(([path]) => path);
  // Only words that are names in both languages (Temporal, the rating scale's dashes) may match.
  expect(same.every((path) => /temporal|lang|locale/i.test(path))).toBe(true);
  expect(zh.get('links.pages.success.title')).toBe('提交成功');
  expect(en.get('links.pages.success.title')).toBe('Thank you');
});

test('an unknown locale reads Simplified Chinese', () => {
  expect(catalogFor('fr' as Locale)).toBe(CATALOGS['zh-CN']);
});
