/**
 * The coordinator's daily digest (每日汇总) in the recipient's language: what waits for approval,
 * which steps are overdue, and what starts in the coming days. Its words come from the locale's
 * catalog (i18n/), the stage, role and action words from domain/vocabulary.ts. One plain-text part
 * and one small inline-styled HTML part; every value is HTML-escaped here.
 */
import type { Locale } from '../domain/schemas';
import type { DigestItem, DigestMessage, DigestReport } from '../domain/emails';
import { PENDING_ACTION_TERMS, ROLE_TERMS, STAGE_TERMS, termsFor } from '../domain/vocabulary';
import { catalogFor } from '../i18n';
import type { DigestProse } from '../i18n/catalog';
import { formatCalendarDay, formatDayTime, knownZone } from '../i18n/format';
import { ACCENT, FONT, escapeHtml, oneLine, safeHref } from './html';
import type { RenderedEmail } from './messages';

/** The digest's prose and the term words it shows, in one locale. */
interface Strings extends DigestProse {
  locale: Locale;
  roles: Record<string, string>;
  actions: Record<string, string>;
  stages: Record<string, string>;
  steps: Record<string, string>;
}

function stringsFor(locale: Locale): Strings {
  const catalog = catalogFor(locale);
  const l = catalog.locale;
  return { ...catalog.digest, locale: l, roles: termsFor(ROLE_TERMS, l), actions: termsFor(PENDING_ACTION_TERMS, l), stages: termsFor(STAGE_TERMS, l), steps: catalog.dashboard.activity.steps };
}

/** The digest lists times of the days around now: day and time, in the digest's zone. */
function dateTimeIn(iso: string, timeZone: string, s: Strings): string {
  return formatDayTime(iso, s.locale, knownZone(timeZone));
}

function label(table: Record<string, string>, key: string): string {
  return table[key] ?? key;
}

interface Line {
  title: string;
  url: string;
  facts: string[];
}

function lineFor(item: DigestItem, section: 'pendingApprovals' | 'overdue' | 'upcoming' | 'needsAttention' | 'undelivered', r: DigestReport, s: Strings): Line {
  const facts: string[] = [item.compound];
  if (section === 'needsAttention' && item.attention) {
    facts.push(s.stuckStep(label(s.steps, item.attention.step), item.attention.error));
  } else if (section === 'undelivered' && item.undelivered) {
    facts.push(s.undeliveredCounts(item.undelivered.retrying, item.undelivered.refused));
  } else if (section === 'upcoming') {
    facts.push(`${s.starts}${s.colon}${dateTimeIn(item.startsAt, r.timeZone, s)}`);
    facts.push(`${s.stageLabel}${s.colon}${label(s.stages, item.stage)}`);
  } else {
    facts.push(`${s.stageLabel}${s.colon}${label(s.stages, item.stage)}`);
    if (item.pending) {
      const who = `${label(s.roles, item.pending.role)} · ${label(s.actions, item.pending.action)}`;
      facts.push(item.pending.dueAt ? `${who} (${s.due} ${dateTimeIn(item.pending.dueAt, r.timeZone, s)})` : who);
    }
  }
  return { title: oneLine(item.title), url: item.url, facts: facts.map(oneLine) };
}

/** Renders one coordinator's digest. An unknown locale falls back to Simplified Chinese. */
export function renderDigest(message: DigestMessage, locale: Locale = 'zh-CN'): RenderedEmail {
  const s = stringsFor(locale);
  const r = message.report;
  const sections: { heading: string; lines: Line[] }[] = [
    { heading: s.sections.pendingApprovals, lines: r.pendingApprovals.map((i) => lineFor(i, 'pendingApprovals', r, s)) },
    { heading: s.sections.overdue, lines: r.overdue.map((i) => lineFor(i, 'overdue', r, s)) },
    { heading: s.sections.upcoming(r.upcomingDays), lines: r.upcoming.map((i) => lineFor(i, 'upcoming', r, s)) },
    // Shown when there is something: most days there is nothing stuck and nothing undelivered.
    ...(r.needsAttention?.length ? [{ heading: s.sections.needsAttention, lines: r.needsAttention.map((i) => lineFor(i, 'needsAttention', r, s)) }] : []),
    ...(r.undelivered?.length ? [{ heading: s.sections.undelivered, lines: r.undelivered.map((i) => lineFor(i, 'undelivered', r, s)) }] : []),
  ];
  const dayText = formatCalendarDay(r.day, s.locale);
  const subject = oneLine(s.subject(dayText, [r.pendingApprovals.length, r.overdue.length, r.upcoming.length], r.upcomingDays));

  // Plain text.
  const blocks: string[] = [s.greeting(message.recipientName), s.intro(dateTimeIn(r.asOf, r.timeZone, s))];
  for (const sec of sections) {
    const body =
      sec.lines.length === 0
        ? `  ${s.none}`
        : sec.lines.map((l, n) => `  ${n + 1}. ${l.title}\n     ${l.facts.join(' | ')}\n     ${l.url}`).join('\n');
    blocks.push(`${sec.heading} (${sec.lines.length})\n${body}`);
  }
  if (r.truncated) blocks.push(s.truncated);
  blocks.push(`${s.dashboard}${s.colon.trimEnd()}\n${r.dashboardUrl}`);
  blocks.push(`——\n${s.signature}\n${s.footer}`);
  const text = `${blocks.join('\n\n')}\n`;

  // HTML.
  const p = (t: string, style = ''): string => `<p style="margin:0 0 14px;${style}">${escapeHtml(t)}</p>`;
  const link = (t: string, url: string): string => {
    const href = safeHref(url);
    return href === undefined ? escapeHtml(t) : `<a href="${escapeHtml(href)}" style="color:${ACCENT};">${escapeHtml(t)}</a>`;
  };
  const parts: string[] = [
    `<h1 style="margin:0 0 16px;font-size:20px;line-height:1.4;color:${ACCENT};">${escapeHtml(s.heading(dayText))}</h1>`,
    p(s.greeting(message.recipientName)),
    p(s.intro(dateTimeIn(r.asOf, r.timeZone, s))),
  ];
  for (const sec of sections) {
    parts.push(
      `<h2 style="margin:20px 0 8px;font-size:17px;color:#222;">${escapeHtml(sec.heading)} <span style="color:#8a8a8a;font-weight:normal;">(${sec.lines.length})</span></h2>`,
    );
    if (sec.lines.length === 0) {
      parts.push(p(s.none, 'color:#8a8a8a;'));
      continue;
    }
    const items = sec.lines
      .map(
        (l) =>
          `<li style="margin:0 0 10px;">${link(l.title, l.url)}<br>` +
          `<span style="font-size:14px;color:#555;">${l.facts.map(escapeHtml).join(' · ')}</span></li>`,
      )
      .join('');
    parts.push(`<ul style="margin:0 0 8px;padding-left:20px;">${items}</ul>`);
  }
  if (r.truncated) parts.push(p(s.truncated, 'font-size:14px;color:#555;'));
  parts.push(`<p style="margin:24px 0 8px;text-align:center;">${link(s.dashboard, r.dashboardUrl)}</p>`);
  const html =
    `<!DOCTYPE html><html lang="${s.locale}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3efe6;">` +
    `<div style="max-width:600px;margin:0 auto;padding:16px 12px;font-family:${FONT};font-size:16px;line-height:1.7;color:#222;">` +
    `<div style="background:#ffffff;border-radius:12px;padding:22px 18px;">${parts.join('')}</div>` +
    `<p style="margin:14px 8px 0;font-size:12px;line-height:1.6;color:#8a8a8a;text-align:center;">${escapeHtml(s.signature)}<br>${escapeHtml(s.footer)}</p>` +
    `</div></body></html>`;
  return { subject, text, html };
}
