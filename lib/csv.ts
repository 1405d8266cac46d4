/**
 * The product's one CSV home: reading the directory's imports and writing reports, both RFC 4180,
 * by csv-parse and csv-stringify. What is ours is the policy around them:
 *
 * - Reading: a leading UTF-8 BOM is ignored, blank lines are skipped, unquoted fields are trimmed,
 *   and each record carries the 1-based line it starts on, so an import can name the bad row.
 * - Writing: CRLF line ends; a UTF-8 BOM first so Excel reads the Chinese as UTF-8; and
 *   spreadsheet formulas neutralised: a text cell that starts with = + - @ (or a tab or CR) is run
 *   as a formula by Excel, so text people typed is written with a leading apostrophe, which Excel
 *   shows as text and hides; numbers are written as they are.
 */
import { CsvError, parse, type Options } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

// ---- reading ------------------------------------------------------------------------------------

export interface CsvRecord {
  /** The 1-based line the record starts on. */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** What csv-parse's error codes mean to a person fixing the file. */
const SYNTAX_REASONS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed',
  CSV_INVALID_CLOSING_QUOTE: 'unexpected text after a closing quote',
  CSV_INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double the quote)',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double the quote)',
};

export function parseCsv(text: string): CsvRecord[] {
  type Parsed = { record: string[]; info: { lines: number } };
  let lastRecordEndLine = 0;
  let rows: Parsed[];
  try {
    const options: Options = {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // Files from different tools mix line ends; each of these ends a record.
      record_delimiter: ['\r\n', '\n', '\r'],
      on_record: (row, context) => {
        lastRecordEndLine = context.lines;
        return row;
      },
    };
    rows = parse(text, options) as unknown as Parsed[];
  } catch (err) {
    if (err instanceof CsvError) {
      // An unclosed quote is found only at the end of the text: name the line the field opened on.
      const line = err.code === 'CSV_QUOTE_NOT_CLOSED' ? lastRecordEndLine + 1 : ((err as CsvError & { lines?: number }).lines ?? 1);
      throw new CsvSyntaxError(line, SYNTAX_REASONS[err.code] ?? err.message);
    }
    throw err;
  }
  // info.lines is the line a record ends on; only a quoted field can hold line breaks.
  return rows.map(({ record, info }) => ({
    line: info.lines - record.reduce((n, field) => n + (field.match(/\r\n|\n|\r/g)?.length ?? 0), 0),
    fields: record,
  }));
}

// ---- writing ------------------------------------------------------------------------------------

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

const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell as text: empty for null, undefined and non-finite numbers; typed text made inert for spreadsheets. */
function cellText(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function stringifyRows(rows: string[][]): string {
  // A lone CR or LF is quoted (csv-stringify quotes only the record delimiter itself); leading or
  // trailing spaces are quoted too, so readers that trim keep them.
  return stringify(rows, { record_delimiter: '\r\n', quoted_match: /[\r\n]|^\s|\s$/ });
}

/** One field, quoted when RFC 4180 requires it. `null` and `undefined` are empty fields. */
export function csvField(value: Cell): string {
  return stringifyRows([[cellText(value)]]).replace(/\r\n$/, '');
}

/** The whole table as CSV text: header line, then one line per row, CRLF after each; BOM first unless `bom: false`. */
export function toCsv<K extends string>(table: CsvTable<K>, options: { bom?: boolean } = {}): string {
  const rows = [table.columns.map((c) => cellText(c.header)), ...table.rows.map((row) => table.columns.map((c) => cellText(row[c.key])))];
  return `${options.bom === false ? '' : UTF8_BOM}${stringifyRows(rows)}`;
}
