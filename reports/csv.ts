/**
 * JSON rows → CSV (RFC 4180): fields separated by commas, records by CRLF; a field holding a
 * comma, a double quote, CR or LF is enclosed in double quotes, with each double quote doubled.
 * The text starts with a UTF-8 byte-order mark so Excel reads the Chinese as UTF-8 instead of
 * the system's code page.
 *
 * Spreadsheet formulas: a text cell that starts with = + - @ (or a tab or CR) is run as a formula
 * by Excel. Text that people typed (notes, names) is therefore written with a leading apostrophe,
 * which Excel shows as text and hides; numbers are written as they are.
 */

export type Cell = string | number | boolean | null | undefined;

export interface CsvColumn<K extends string = string> {
  key: K;
  header: string;
}

/** One table: its columns in order, and rows keyed by column key. */
export interface CsvTable<K extends string = string> {
  columns: readonly CsvColumn<K>[];
  rows: readonly Partial<Record<K, Cell>>[];
}

export const UTF8_BOM = '\uFEFF';

/** RFC 4180 requires quotes for these; leading or trailing spaces are quoted too, so readers that trim keep them. */
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, quoted when RFC 4180 requires it. `null` and `undefined` are empty fields. */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    text = String(value);
  } else if (typeof value === 'boolean') {
    text = value ? 'true' : 'false';
  } else {
    text = FORMULA_START.test(value) ? `'${value}` : value;
  }
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole table as CSV text: header line, then one line per row, CRLF after each; BOM first unless `bom: false`. */
export function toCsv<K extends string>(table: CsvTable<K>, options: { bom?: boolean } = {}): string {
  const lines = [table.columns.map((c) => csvField(c.header)).join(',')];
  for (const row of table.rows) lines.push(table.columns.map((c) => csvField(row[c.key])).join(','));
  return `${options.bom === false ? '' : UTF8_BOM}${lines.join('\r\n')}\r\n`;
}
