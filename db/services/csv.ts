/**
 * A small RFC 4180 CSV reader: comma-separated, fields optionally in double quotes, "" for a quote
 * inside quotes, quoted fields may hold commas and line breaks, CRLF or LF line ends, a leading
 * UTF-8 BOM ignored, blank lines skipped. Each record carries the 1-based line it starts on.
 */

export interface CsvRecord {
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

export function parseCsv(text: string): CsvRecord[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let quoted = false; // the current field started with a quote
  let fieldStarted = false; // anything (even "") was read for the current field

  const endField = () => {
    fields.push(quoted ? field : field.trim());
    field = '';
    quoted = false;
    fieldStarted = false;
  };
  const endRecord = () => {
    endField();
    const blank = fields.length === 1 && fields[0] === '';
    if (!blank) records.push({ line: recordLine, fields });
    fields = [];
  };

  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === '"' && !quoted && field.trim() === '' && !fieldStarted) {
      // Opening quote: read to the closing quote.
      quoted = true;
      fieldStarted = true;
      field = '';
      const startLine = line;
      i++;
      for (;;) {
        if (i >= src.length) throw new CsvSyntaxError(startLine, 'a quoted field is not closed');
        const c = src[i] as string;
        if (c === '"') {
          if (src[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        if (c === '\r' && src[i + 1] !== '\n') line++;
        field += c;
        i++;
      }
      // Only spaces may follow a closing quote before the separator.
      while (i < src.length && (src[i] === ' ' || src[i] === '\t')) i++;
      const next = src[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new CsvSyntaxError(line, 'unexpected text after a closing quote');
      }
      continue;
    }
    if (ch === '"') throw new CsvSyntaxError(line, 'a quote inside an unquoted field (quote the whole field and double the quote)');
    if (ch === ',') {
      endField();
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && src[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += ch;
    fieldStarted = fieldStarted || ch.trim() !== '';
    i++;
  }
  if (field !== '' || quoted || fields.length > 0) endRecord();
  return records;
}
