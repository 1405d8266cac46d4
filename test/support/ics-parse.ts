/** A small RFC 5545 reader for the tests: unfolds lines, splits name, parameters and value, unescapes TEXT. */
export interface IcsProperty {
  name: string;
  params: Record<string, string>;
  value: string;
}

export function unfoldIcs(text: string): string[] {
  return text.replace(/\r\n[ \t]/g, '').split('\r\n').filter((l) => l.length > 0);
}

export function unescapeIcsText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

export function parseIcsLine(line: string): IcsProperty {
  const colon = line.indexOf(':');
  const head = line.slice(0, colon);
  const [name, ...params] = head.split(';');
  return {
    name: name ?? '',
    params: Object.fromEntries(params.map((p) => p.split('=') as [string, string])),
    value: line.slice(colon + 1),
  };
}

/** The VEVENT's properties by name (the first of each). */
export function icsEvent(text: string): Record<string, IcsProperty> {
  const lines = unfoldIcs(text);
  const start = lines.indexOf('BEGIN:VEVENT');
  const end = lines.indexOf('END:VEVENT');
  if (start < 0 || end < start) throw new Error('no VEVENT');
  const out: Record<string, IcsProperty> = {};
  for (const l of lines.slice(start + 1, end)) {
    const p = parseIcsLine(l);
    out[p.name] ??= p;
  }
  return out;
}

/** A local `YYYYMMDDTHHMMSS` in a fixed +08:00 zone back to an instant. */
export function shanghaiToIso(local: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(local);
  if (!m) throw new Error(`not a local date-time: ${local}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`).toISOString();
}
