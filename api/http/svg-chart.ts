/**
 * Charts as server-rendered SVG (issue 12): no script (the pages' CSP is `script-src 'none'`),
 * printable, readable without colour: every bar carries its number as text, the chart has a
 * <title> and <desc> for screen readers, and each bar links to the records behind it.
 *
 * Data in, markup out: the reports compute the figures, the page words them, this draws them.
 * Bars are horizontal, each with its label on the line above, so long Chinese labels fit a
 * 390 px phone without measuring text. The outcome evaluation's pre/post items and response
 * rates use `groupedBarChart` and `responseRateChart`.
 */
import { html, raw, type RawHtml } from './html';

/** One bar: its label, its value (drawn to scale), the text written beside it, and where it links. */
export interface ChartBar {
  label: string;
  value: number;
  /** Written beside the bar; default: the value. */
  valueText?: string;
  /** The page listing the records behind the bar. */
  href?: string;
}

export interface BarChartData {
  /** Unique on the page: the title's and description's ids derive from it. */
  id: string;
  title: string;
  /** One sentence saying what the chart shows, for screen readers and the print. */
  desc: string;
  bars: readonly ChartBar[];
  /** The value a full-width bar stands for (e.g. 100 for percentages); default: the largest value. */
  max?: number;
}

/** Bars in groups (e.g. before and after per questionnaire item): one bar per series in each group. */
export interface GroupedBarChartData {
  id: string;
  title: string;
  desc: string;
  /** The series' names, in the order each group's values are given (the legend). */
  series: readonly string[];
  groups: readonly {
    label: string;
    /** One per series; null draws no bar and writes `emptyText`. */
    values: readonly (number | null)[];
    valueTexts?: readonly (string | undefined)[];
    hrefs?: readonly (string | undefined)[];
  }[];
  max?: number;
  /** Written where a value is null (e.g. "不足 5 份"). */
  emptyText?: string;
  /**
   * Short group labels (months) sit in a column this wide left of their bars, which keeps a year
   * of months to half the height; without it each label has its own line above its bars.
   */
  labelWidth?: number;
}

/** Response rate per survey: answered ÷ invited, as a percentage bar. */
export interface ResponseRateRow {
  label: string;
  invited: number;
  answered: number;
  href?: string;
}

/** The fonts a Chinese reader's system has, then any sans-serif (the PDF printer's Chromium has Noto CJK). */
export const CJK_FONT_STACK = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei','Noto Sans',sans-serif";

const WIDTH = 360;
const LABEL_LINE = 16;
const BAR_HEIGHT = 14;
const ROW_GAP = 8;
/** Room right of the longest bar for its number. */
const VALUE_ROOM = 64;
const LEFT = 4;
const TOP = 6;
const SERIES_CLASSES = ['s0', 's1', 's2', 's3'] as const;
/** Each series' colour, as attributes: the bars print without any style sheet. */
const SERIES_FILL: Record<string, string> = { s0: '#2f6fb0', s1: '#e08a2e', s2: '#4a9a5b', s3: '#8a5fb0' };

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100));

function scale(max: number | undefined, values: readonly number[]): number {
  const m = max ?? Math.max(0, ...values);
  return m > 0 ? m : 1;
}

function barMarkup(x: number, y: number, width: number, valueText: string, seriesClass: string, href: string | undefined, label: string): RawHtml {
  const rect = html`<rect class="bar ${seriesClass}" fill="${SERIES_FILL[seriesClass] ?? '#2f6fb0'}" x="${x}" y="${y}" width="${Math.max(width, 0).toFixed(1)}" height="${BAR_HEIGHT}" rx="2"><title>${label}: ${valueText}</title></rect><text class="value" x="${(x + Math.max(width, 0) + 4).toFixed(1)}" y="${y + BAR_HEIGHT - 3}">${valueText}</text>`;
  return href ? html`<a href="${href}">${rect}</a>` : rect;
}

function svgShell(id: string, title: string, desc: string, height: number, body: RawHtml): RawHtml {
  const tid = `${id}-title`;
  const did = `${id}-desc`;
  return html`<figure class="chart" id="${id}"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${tid} ${did}" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" font-family="${CJK_FONT_STACK}" font-size="12"><title id="${tid}">${title}</title><desc id="${did}">${desc}</desc>${body}</svg><figcaption>${title}</figcaption></figure>`;
}

/** A horizontal bar chart: one bar per entry, its label above it and its number beside it. */
export function barChart(data: BarChartData): RawHtml {
  const max = scale(data.max, data.bars.map((b) => b.value));
  const usable = WIDTH - LEFT - VALUE_ROOM;
  const rowHeight = LABEL_LINE + BAR_HEIGHT + ROW_GAP;
  const rows = data.bars.map((b, i) => {
    const y = TOP + i * rowHeight;
    const text = b.valueText ?? fmt(b.value);
    return html`<g class="row"><text class="label" x="${LEFT}" y="${y + 12}">${b.label}</text>${barMarkup(LEFT, y + LABEL_LINE, (Math.max(b.value, 0) / max) * usable, text, 's0', b.href, b.label)}</g>`;
  });
  const height = TOP + Math.max(data.bars.length, 1) * rowHeight;
  return svgShell(data.id, data.title, data.desc, height, html`${rows}`);
}

/** Bars in groups: a legend, then per group its label and one bar per series. */
export function groupedBarChart(data: GroupedBarChartData): RawHtml {
  const max = scale(data.max, data.groups.flatMap((g) => g.values.filter((v): v is number => v !== null)));
  const side = data.labelWidth ?? 0;
  const usable = WIDTH - LEFT - side - VALUE_ROOM;
  const legendHeight = 20;
  const legend = data.series.map((name, i) => {
    const x = LEFT + i * 110;
    return html`<rect class="key" fill="${SERIES_FILL[SERIES_CLASSES[i % SERIES_CLASSES.length] as string]}" x="${x}" y="${TOP}" width="10" height="10"/><text class="legend" x="${x + 14}" y="${TOP + 9}">${name}</text>`;
  });
  let y = TOP + legendHeight;
  const x0 = LEFT + side;
  const groups = data.groups.map((g) => {
    const label = html`<text class="label" x="${LEFT}" y="${y + 12}">${g.label}</text>`;
    if (!side) y += LABEL_LINE;
    const bars = data.series.map((name, i) => {
      const value = g.values[i] ?? null;
      const by = y;
      y += BAR_HEIGHT + 2;
      if (value === null) return html`<text class="value empty" x="${x0}" y="${by + BAR_HEIGHT - 3}">${name}: ${data.emptyText ?? '–'}</text>`;
      const text = g.valueTexts?.[i] ?? fmt(value);
      return barMarkup(x0, by, (Math.max(value, 0) / max) * usable, text, SERIES_CLASSES[i % SERIES_CLASSES.length] as string, g.hrefs?.[i], `${g.label} · ${name}`);
    });
    y += ROW_GAP;
    return html`<g class="group">${label}${bars}</g>`;
  });
  return svgShell(data.id, data.title, data.desc, Math.max(y, TOP + legendHeight + LABEL_LINE), html`${legend}${groups}`);
}

/** Response rates as percentage bars (answered ÷ invited), each written "62% (31/50)". */
export function responseRateChart(data: { id: string; title: string; desc: string; rows: readonly ResponseRateRow[] }): RawHtml {
  return barChart({
    id: data.id,
    title: data.title,
    desc: data.desc,
    max: 100,
    bars: data.rows.map((r) => {
      const pct = r.invited > 0 ? Math.round((r.answered / r.invited) * 100) : 0;
      return { label: r.label, value: pct, valueText: `${pct}% (${r.answered}/${r.invited})`, ...(r.href ? { href: r.href } : {}) };
    }),
  });
}

/** The charts' frame on screen and in print (a page puts it in a <style> once; the bars' colours are attributes). */
export const CHART_CSS = raw(`
figure.chart{margin:.5rem 0 1rem;max-width:40rem}
figure.chart svg{display:block;overflow:visible}
figure.chart figcaption{font-size:.85rem;color:#555;margin-top:.25rem}
figure.chart a:hover .bar,figure.chart a:focus .bar{opacity:.8}
figure.chart text{fill:#222}
figure.chart text.value{font-variant-numeric:tabular-nums}
figure.chart text.empty{fill:#777}
@media print{figure.chart{max-width:120mm;break-inside:avoid;-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`);
