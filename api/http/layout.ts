/**
 * The page shells of every server-rendered page, in two variants:
 * - public pages (emailed action links, families' own pages): one narrow column of cards, the
 *   site name and a link to the other language at the foot;
 * - staff pages (sign-in and dashboard): a wider column, the navigation and sign-out form when
 *   signed in, tables that scroll sideways inside their card, and a print style that leaves out
 *   the navigation (the cycle report is printed).
 * Both: escaped values, no script, noindex, readable on a phone.
 */
import type { Locale } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import type { DashboardProse, LinkPagesProse } from '../../i18n/catalog';
import { html, raw, type RawHtml } from './html';
import type { StaffSession } from './session';
import { startPageFor } from './start-page';

const PUBLIC_STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f3efe6;color:#222;font:16px/1.7 -apple-system,BlinkMacSystemFont,'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',Helvetica,Arial,sans-serif}
main{max-width:560px;margin:0 auto;padding:16px 12px}
.card{background:#fff;border-radius:12px;padding:20px 16px;margin-bottom:14px}
h1{margin:0 0 12px;font-size:21px;line-height:1.4;color:#b03a2e}
h2{margin:0 0 8px;font-size:17px}
p{margin:0 0 12px}
table{width:100%;border-collapse:collapse;background:#faf6ee;border-radius:8px;font-size:15px;margin-bottom:12px}
td{padding:6px 10px;vertical-align:top;word-break:break-word}
td.l{color:#6b6b6b;white-space:nowrap}
.quote{border-left:4px solid #b03a2e;background:#fbf7f3;padding:8px 12px;margin-bottom:12px}
.notice{font-size:14px;color:#555}
.error{background:#fdecea;color:#8a1c12;border-radius:8px;padding:10px 12px;margin-bottom:12px}
.ok{background:#e9f6ec;color:#1d5e2c;border-radius:8px;padding:10px 12px;margin-bottom:12px}
label{display:block;font-weight:600;margin:10px 0 4px}
textarea{width:100%;min-height:90px;font:inherit;padding:8px;border:1px solid #ccc;border-radius:8px}
select{font:inherit;padding:6px;border-radius:6px}
.buttons{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
button{flex:1 1 140px;font:inherit;font-size:17px;font-weight:600;padding:12px 16px;border:0;border-radius:8px;background:#b03a2e;color:#fff;cursor:pointer}
button.secondary{background:#6b6b6b}
a.button{flex:1 1 140px;text-align:center;font-size:17px;font-weight:600;padding:12px 16px;border-radius:8px;background:#b03a2e;color:#fff;text-decoration:none}
fieldset.choices{border:0;margin:0 0 6px;padding:0}
fieldset.choices legend{font-weight:600;margin:10px 0 4px;padding:0}
label.choice{display:flex;align-items:center;gap:10px;font-weight:400;margin:6px 0;padding:10px 12px;border:1px solid #d8d0c2;border-radius:8px;background:#faf6ee;cursor:pointer}
label.choice input{width:20px;height:20px;margin:0;accent-color:#b03a2e}
footer{font-size:12px;color:#8a8a8a;text-align:center;margin-top:8px}
footer a{color:#8a8a8a}
`;

const STAFF_STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f3efe6;color:#222;font:15px/1.6 -apple-system,BlinkMacSystemFont,'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC','Noto Sans SC',Helvetica,Arial,sans-serif}
header.top{background:#b03a2e;color:#fff}
header.top .in{max-width:980px;margin:0 auto;padding:8px 12px;display:flex;flex-wrap:wrap;align-items:center;gap:6px 14px}
header.top .brand{font-weight:700;font-size:16px;margin-right:auto;border-bottom:0}
header.top a{color:#fff;text-decoration:none;padding:2px 0;border-bottom:2px solid transparent}
header.top a.on{border-bottom-color:#fff}
header.top form{margin:0}
header.top button{font:inherit;font-size:14px;background:transparent;color:#fff;border:1px solid #ffffffaa;border-radius:6px;padding:2px 10px;cursor:pointer}
header.top .who{font-size:13px;opacity:.9}
main{max-width:980px;margin:0 auto;padding:14px 12px}
main.narrow{max-width:560px}
.card{background:#fff;border-radius:12px;padding:16px 14px;margin-bottom:14px}
h1{margin:0 0 10px;font-size:21px;line-height:1.4;color:#b03a2e}
h2{margin:0 0 8px;font-size:17px}
h2 small{font-weight:400;color:#6b6b6b;font-size:13px;margin-left:6px}
p{margin:0 0 10px}
a{color:#8a2a20}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{width:100%;border-collapse:collapse;font-size:14px;margin-bottom:8px}
th{text-align:left;font-weight:600;color:#6b6b6b;border-bottom:1px solid #e4ddd0;padding:6px 8px;white-space:nowrap}
td{padding:6px 8px;border-bottom:1px solid #f1ece2;vertical-align:top;word-break:break-word}
td.num,th.num{text-align:right;white-space:nowrap}
td.l{color:#6b6b6b;white-space:nowrap;width:1%}
td.t{white-space:nowrap}
tr.overdue td{background:#fdecea}
.badge{display:inline-block;font-size:12px;line-height:1.5;padding:0 7px;border-radius:9px;background:#eee;color:#444;white-space:nowrap}
.badge.red{background:#b03a2e;color:#fff}
.badge.green{background:#e3f3e6;color:#1d5e2c}
.badge.grey{background:#e8e5df;color:#555}
.badge.wrap{white-space:normal;overflow-wrap:anywhere}
.bar{display:flex;gap:2px;min-width:140px;max-width:260px}
.bar span{flex:1;height:10px;border-radius:2px;background:#e4ddd0}
.bar span.done{background:#2e7d4f}
.bar span.now{background:#e0a52b}
.bar span.stop{background:#b03a2e}
.bar-label{font-size:12px;color:#6b6b6b}
ol.timeline{list-style:none;margin:0;padding:0 0 0 14px;border-left:3px solid #e4ddd0}
ol.timeline li{position:relative;margin:0 0 12px;padding-left:10px}
ol.timeline li::before{content:'';position:absolute;left:-22px;top:6px;width:11px;height:11px;border-radius:50%;background:#fff;border:3px solid #999}
ol.timeline li.stage::before{border-color:#2e7d4f}
ol.timeline li.decision::before{border-color:#b03a2e}
ol.timeline li.email::before{border-color:#6a7fb0}
.when{font-size:12px;color:#6b6b6b}
.what{font-weight:600}
.quote{border-left:4px solid #b03a2e;background:#fbf7f3;padding:6px 10px;margin:4px 0 0;font-size:14px}
.muted{color:#6b6b6b;font-size:13px}
.notice{font-size:14px;color:#555}
.error{background:#fdecea;color:#8a1c12;border-radius:8px;padding:10px 12px;margin-bottom:12px}
.ok{background:#e9f6ec;color:#1d5e2c;border-radius:8px;padding:10px 12px;margin-bottom:12px}
label{display:block;font-weight:600;margin:10px 0 4px}
input[type=email]{width:100%;font:inherit;font-size:17px;padding:10px;border:1px solid #ccc;border-radius:8px}
input[type=text],select{width:100%;max-width:100%;font:inherit;font-size:17px;padding:10px;border:1px solid #ccc;border-radius:8px;background:#fff}
.field-error{color:#8a1c12;font-size:14px;margin:4px 0 0}
code.secret{display:block;font-size:15px;background:#faf6ee;border:1px dashed #b03a2e;border-radius:8px;padding:10px;word-break:break-all;user-select:all}
@media (max-width:600px){table.cards thead{display:none}table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}table.cards tr{border:1px solid #e4ddd0;border-radius:8px;margin-bottom:10px;padding:6px 8px}table.cards td{border:0;padding:3px 0}table.cards td[data-label]::before{content:attr(data-label);display:block;font-size:12px;color:#6b6b6b}}
.buttons{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
.buttons button{flex:1 1 140px;font:inherit;font-size:17px;font-weight:600;padding:12px 16px;border:0;border-radius:8px;background:#b03a2e;color:#fff;cursor:pointer}
a.button{display:inline-block;white-space:nowrap;font-weight:600;padding:8px 14px;border-radius:8px;background:#b03a2e;color:#fff;text-decoration:none}
fieldset.choices{border:0;margin:0 0 6px;padding:0}fieldset.choices legend{font-weight:600;margin:10px 0 4px;padding:0}label.choice{display:flex;align-items:center;gap:10px;font-weight:400;margin:6px 0;padding:8px 10px;border:1px solid #d8d0c2;border-radius:8px;background:#faf6ee}
input[type=text],input[type=number],input[type=date],select{width:100%;max-width:100%;font:inherit;font-size:16px;padding:8px;border:1px solid #ccc;border-radius:8px}
.field-error{color:#8a1c12;font-size:14px;margin:4px 0 0}
ul.records{list-style:none;margin:0;padding:0}ul.records li{padding:8px 0;border-bottom:1px solid #f1ece2}
nav.filters{display:flex;flex-wrap:wrap;gap:6px 12px;margin-bottom:10px;font-size:14px}
nav.filters a.on{font-weight:700;text-decoration:none;color:#222}
dl.kv{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:0 0 10px;font-size:14px}
dl.kv dt{color:#6b6b6b}
dl.kv dd{margin:0}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.fig{background:#faf6ee;border-radius:8px;padding:8px 10px}
.fig .v{font-size:22px;font-weight:700;color:#b03a2e}
.fig .k{font-size:13px;color:#555;overflow-wrap:anywhere}
table.report th{white-space:normal;min-width:4em}
table.report td.name{min-width:9em}
a.csv{font-size:13px;font-weight:400;margin-left:8px}
footer{font-size:12px;color:#8a8a8a;text-align:center;margin:8px 0 16px}
footer a{color:#8a8a8a}
/* the activity forms (api/activities/pages.ts) */
form.plan fieldset{border:1px solid #e4ddd0;border-radius:8px;margin:10px 0;padding:6px 10px 10px;min-width:0}
form.plan legend{font-weight:600;padding:0 4px}
form.plan input:not([type=radio]):not([type=hidden]),form.plan select,form.plan textarea,form.act select{width:100%;max-width:100%;font:inherit;font-size:16px;padding:8px;border:1px solid #ccc;border-radius:8px;background:#fff}
form.plan textarea{min-height:80px}
form.plan .pair{display:flex;flex-wrap:wrap;gap:8px}
form.plan .pair>*{flex:1 1 140px;min-width:0}
form.plan label.inline{display:inline-flex;align-items:center;gap:6px;font-weight:400;margin:4px 14px 4px 0}
.field-error{color:#8a1c12;font-size:14px;margin:4px 0 0}
.hint{color:#6b6b6b;font-size:13px;margin:4px 0 0}
.invalid input,.invalid select,.invalid textarea{border-color:#b03a2e!important}
ul.groups{list-style:none;margin:0;padding:0}
ul.groups li{border-bottom:1px solid #f1ece2;padding:8px 0}
.links-list{overflow-wrap:anywhere;font-size:13px}
.buttons a.button{flex:0 1 auto;display:inline-block;font-size:16px;font-weight:600;padding:10px 16px;border-radius:8px;background:#b03a2e;color:#fff;text-decoration:none}
h3{margin:14px 0 6px;font-size:15px}
/* A roster table becomes one card per row on a phone: label before each value. */
@media (max-width:600px){table.roster thead{display:none}table.roster tr{display:block;border-bottom:1px solid #e4ddd0;padding:6px 0}table.roster td{display:block;border:0;padding:2px 4px;white-space:normal;text-align:left}table.roster td.pos,table.roster td.name{display:inline-block}table.roster td.pos::after{content:"."}table.roster td[data-label]:not([data-label=""])::before{content:attr(data-label);color:#6b6b6b;margin-right:8px}}
/* directory pages (api/people/pages.ts): forms, and tables that become cards on a phone */
form.dir input,form.dir select,form.dir textarea,form.search input{width:100%;font:inherit;font-size:16px;padding:8px;border:1px solid #ccc;border-radius:8px;background:#fff}
form.dir input[readonly]{background:#f3efe6}
form.dir textarea{min-height:180px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:14px}
form.search .row{display:flex;gap:8px}
form.search button,form.inline button{font:inherit;font-size:14px;padding:6px 12px;border:0;border-radius:6px;background:#b03a2e;color:#fff;cursor:pointer;white-space:nowrap}
form.inline{display:inline-block;margin:0}
form.inline button.secondary{background:#6b6b6b}
tr.inactive td{color:#8a8a8a}
ul.bad-rows{margin:4px 0 0;padding-left:20px}
@media (max-width:480px){h1{font-size:19px}.card{padding:12px 10px}td,th{padding:5px 6px}}
@media print{
  header.top,footer,.noprint{display:none!important}
  body{background:#fff;font-size:12px}
  main{max-width:none;padding:0}
  .card{border:1px solid #ccc;border-radius:0;padding:8px 10px;break-inside:avoid;page-break-inside:avoid}
  .scroll{overflow:visible}
  a{color:#000;text-decoration:none}
  tr{break-inside:avoid}
  table{font-size:10.5px}
  .muted{font-size:10px}
  th{white-space:normal}
  .fig{border:1px solid #ccc}
  .figs{grid-template-columns:repeat(4,1fr)}
}
`;

/** The same URL with `lang` set to the other language (other query parameters kept). */
export function otherLanguageHref(originalUrl: string, lang: Locale): string {
  const url = new URL(originalUrl, 'http://x');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
}

/** What the staff shell says: the dashboard's navigation, and the pages' shared prose. */
export type StaffPageStrings = Pick<DashboardProse, 'title' | 'nav' | 'roles'> & { page: LinkPagesProse };

export interface StaffPageOptions {
  locale: Locale;
  s: StaffPageStrings;
  title: string;
  body: RawHtml;
  /** req.originalUrl: the language link points back here. */
  originalUrl: string;
  /** Signed in: the navigation and the sign-out form are shown. */
  viewer?: StaffSession;
  /** Needed with `viewer` (the sign-out form). */
  csrf?: string;
  active?: 'home' | 'leaderboard' | 'myActivities' | 'tokens' | 'approvals' | 'directory';
  /** Sign-in pages are narrow. */
  narrow?: boolean;
}

export function staffPage(o: StaffPageOptions): string {
  const { s } = o;
  const lang = s.page.otherLanguage;
  let top: RawHtml | string = '';
  if (o.viewer) {
    const v = o.viewer;
    const seesPoints = v.role !== 'supervisor';
    top = html`<header class="top"><div class="in"><a class="brand" href="${startPageFor(v.role)}">${s.title}</a><a href="/dashboard"${raw(o.active === 'home' ? ' class="on"' : '')}>${s.nav.home}</a>${
      seesPoints ? html`<a href="/dashboard/leaderboard"${raw(o.active === 'leaderboard' ? ' class="on"' : '')}>${s.nav.leaderboard}</a>` : ''
    }${seesPoints ? html`<a href="/dashboard/points/counter">${catalogFor(o.locale).spending.counter.nav}</a>` : ''}${v.role === 'propertyManager' || v.role === 'coordinator' ? html`<a href="/dashboard/my-activities"${raw(o.active === 'myActivities' ? ' class="on"' : '')}>${s.nav.myActivities}</a>` : ''}${v.role === 'gridWorker' || v.role === 'coordinator' ? html`<a href="/dashboard/approvals"${raw(o.active === 'approvals' ? ' class="on"' : '')}>${catalogFor(o.locale).staffWork.nav}</a>` : ''}${v.role === 'coordinator' ? html`<a href="/dashboard/tokens"${raw(o.active === 'tokens' ? ' class="on"' : '')}>${s.nav.tokens}</a>` : ''}${v.role === 'coordinator' ? html`<a href="/dashboard/surveys">${catalogFor(o.locale).surveys.staff.nav}</a>` : ''}${v.role !== 'supervisor' ? html`<a href="/dashboard/directory"${raw(o.active === 'directory' ? ' class="on"' : '')}>${catalogFor(o.locale).directory.nav}</a>` : ''}<span class="who">${s.nav.signedInAs(v.name, s.roles[v.role])}</span><form method="post" action="/sign-out"><input type="hidden" name="csrf" value="${o.csrf ?? ''}"><button type="submit">${s.nav.signOut}</button></form></div></header>`;
  }
  return shell({
    lang: s.page.lang,
    title: `${o.title} · ${s.page.siteName}`,
    style: STAFF_STYLE,
    top,
    main: html`<main${raw(o.narrow ? ' class="narrow"' : '')}>${o.body}<footer>${s.page.siteName} · <a href="${otherLanguageHref(o.originalUrl, lang.lang)}" lang="${lang.lang}">${lang.label}</a></footer></main>`,
  });
}

/** A card that only says something. */
export function messageCard(title: string, paragraphs: readonly string[], extra?: RawHtml, kind?: 'ok' | 'error'): RawHtml {
  return html`<div class="card"><h1>${title}</h1>${paragraphs.map((p) => (kind ? html`<p class="${kind}">${p}</p>` : html`<p>${p}</p>`))}${extra ?? ''}</div>`;
}

export interface PublicPageOptions {
  /** The shared page prose of the page's locale (`stringsFor(locale)`). */
  s: LinkPagesProse;
  title: string;
  body: RawHtml;
  /** Link to this page in the other language (a plain GET link). */
  otherLanguageHref?: string;
  /** CSS added after the shared style (a page's own layout or print rules); never script. */
  style?: string;
}

/** The shell of the pages people reach from an email: action links and families' own pages. */
export function publicPage(o: PublicPageOptions): string {
  const { s } = o;
  const other = o.otherLanguageHref ? html` · <a href="${o.otherLanguageHref}" lang="${s.otherLanguage.lang}">${s.otherLanguage.label}</a>` : '';
  return shell({ lang: s.lang, title: `${o.title} · ${s.siteName}`, style: PUBLIC_STYLE + (o.style ?? ''), top: '', main: html`<main>${o.body}<footer>${s.siteName}${other}</footer></main>` });
}

/**
 * The one document every page shares (both variants here, and the development mailbox's): the
 * head (charset, viewport, noindex, title, style) and the body.
 */
export function shell(o: { lang: string; title: string; style: string; top: RawHtml | string; main: RawHtml }): string {
  return (
    '<!DOCTYPE html>' +
    html`<html lang="${o.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex,nofollow"><title>${o.title}</title><style>${raw(o.style)}</style></head><body>${o.top}${o.main}</body></html>`.html
  );
}
