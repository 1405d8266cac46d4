/**
 * The SVG charts: one bar per figure drawn to scale, its number written as text, its records
 * linked, every text escaped, a title and description for screen readers, and no script.
 */
import { barChart, groupedBarChart, responseRateChart } from '../../../api/http/svg-chart';

const count = (markup: string, pattern: RegExp) => (markup.match(pattern) ?? []).length;
const widths = (markup: string) => [...markup.matchAll(/<rect class="bar[^"]*"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));

describe('bar chart', () => {
  const chart = barChart({
    id: 'participants',
    title: '每场活动参与人数',
    desc: '3 场活动的参与人数',
    bars: [
      { label: '亲子运动会', value: 90, href: '/dashboard/activities/a1' },
      { label: '<b>减压</b> & "工作坊"', value: 45, href: '/dashboard/activities/a2?x=1&y=2' },
      { label: '楼道美化', value: 0 },
    ],
  }).html;

  it('draws one bar per entry, the largest full width and the others to scale', () => {
    expect(count(chart, /<rect class="bar/g)).toBe(3);
    const [a, b, c] = widths(chart);
    expect(b! / a!).toBeCloseTo(0.5, 2);
    expect(c).toBe(0);
  });

  it('writes each number as text, and links each bar that has records to them', () => {
    expect(chart).toMatch(/<text class="value"[^>]*>90<\/text>/);
    expect(chart).toMatch(/<text class="value"[^>]*>45<\/text>/);
    expect(count(chart, /<a href=/g)).toBe(2);
    expect(chart).toContain('<a href="/dashboard/activities/a1">');
    expect(chart).toContain('href="/dashboard/activities/a2?x=1&amp;y=2"');
  });

  it('escapes labels and carries a title and description the image is labelled by; no script', () => {
    expect(chart).toContain('&lt;b&gt;减压&lt;/b&gt; &amp; &quot;工作坊&quot;');
    expect(chart).not.toContain('<b>');
    expect(chart).toMatch(/<svg [^>]*role="img" aria-labelledby="participants-title participants-desc"/);
    expect(chart).toContain('<title id="participants-title">每场活动参与人数</title><desc id="participants-desc">3 场活动的参与人数</desc>');
    expect(chart).toContain('Noto Sans CJK SC');
    expect(chart).not.toMatch(/<script|on\w+=/i);
  });

  it('draws an empty chart without dividing by zero', () => {
    const empty = barChart({ id: 'e', title: 't', desc: 'd', bars: [{ label: 'x', value: 0 }] }).html;
    expect(widths(empty)).toEqual([0]);
    expect(barChart({ id: 'n', title: 't', desc: 'd', bars: [] }).html).toContain('viewBox="0 0 360 ');
  });
});

describe('grouped bar chart (pre/post per item)', () => {
  const chart = groupedBarChart({
    id: 'prepost',
    title: '前后测',
    desc: '每项的前测与后测比例',
    series: ['前测', '后测'],
    max: 100,
    emptyText: '不足 5 份',
    groups: [
      { label: '每周至少一次深度对话', values: [31, 54], valueTexts: ['31%', '54%'], hrefs: ['/r/1/pre', '/r/1/post'] },
      { label: '更愿意帮助他人', values: [null, 92], valueTexts: [undefined, '92%'] },
    ],
  }).html;

  it('draws a bar per series and group with a value, scaled to max, and says why one is missing', () => {
    expect(count(chart, /<rect class="bar/g)).toBe(3);
    expect(count(chart, /class="bar s0"/g)).toBe(1);
    expect(count(chart, /class="bar s1"/g)).toBe(2);
    const [pre, post] = widths(chart);
    expect(post! / pre!).toBeCloseTo(54 / 31, 2);
    expect(chart).toContain('>54%</text>');
    expect(chart).toContain('前测: 不足 5 份');
    expect(chart).toContain('<a href="/r/1/post">');
    expect(chart).toContain('>前测</text>');
  });
});

describe('response-rate chart', () => {
  it('draws answered ÷ invited as a percentage of a full bar, with the counts', () => {
    const chart = responseRateChart({
      id: 'rates',
      title: '回复率',
      desc: '每份问卷的回复率',
      rows: [
        { label: '亲子运动会问卷', invited: 50, answered: 25, href: '/s/1' },
        { label: '前测', invited: 40, answered: 40 },
        { label: '无邀请', invited: 0, answered: 0 },
      ],
    }).html;
    expect(count(chart, /<rect class="bar/g)).toBe(3);
    const [half, full, none] = widths(chart);
    expect(half! / full!).toBeCloseTo(0.5, 2);
    expect(none).toBe(0);
    expect(chart).toContain('>50% (25/50)</text>');
    expect(chart).toContain('>100% (40/40)</text>');
  });
});

describe('grouped bar chart with short labels beside the bars (months)', () => {
  it('puts each label left of its bars, so a group takes no line of its own', () => {
    const data = { id: 'm', title: 't', desc: 'd', series: ['发放', '兑换'], groups: [1, 2, 3].map((m) => ({ label: `${m}月`, values: [m, 0] })) };
    const above = groupedBarChart(data).html;
    const beside = groupedBarChart({ ...data, labelWidth: 60 }).html;
    const height = (markup: string) => Number(/viewBox="0 0 360 (\d+)"/.exec(markup)?.[1]);
    expect(height(beside)).toBeLessThan(height(above));
    expect(beside).toMatch(/<rect class="bar s0" fill="#2f6fb0" x="64"/);
    expect(count(beside, /<rect class="bar/g)).toBe(6);
  });
});
