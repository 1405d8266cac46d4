/**
 * What the check-in desk shows (api/check-in/desk-routes.ts serves it): the page, and the pieces
 * its script replaces every few seconds (the window, the live count, the lists) from the same
 * renderers, so the first paint and every refresh say the same thing. Phone first: one column,
 * big buttons, names never ids, times through i18n/format.ts.
 */
import type { DeskCheckIn, RosterFamily, RosterVolunteer } from '../../db/repositories';
import type { Locale } from '../../domain/schemas';
import { catalogFor } from '../../i18n';
import type { CheckInDeskProse } from '../../i18n/catalog';
import { formatDateRange, formatDateTime } from '../../i18n/format';
import type { ActivityRef } from '../http/feature-routes';
import { html, raw, type RawHtml } from '../http/html';
import { assetPath } from './assets';

export interface DeskState {
  activity: ActivityRef;
  families: RosterFamily[];
  volunteers: RosterVolunteer[];
  checkIns: DeskCheckIn[];
  /** When attendance opens if the workflow has not said yet (the configured lead time before the start). */
  expectedOpensAt: string;
}

export const deskProse = (locale: Locale): CheckInDeskProse => catalogFor(locale).checkInDesk;

/** The window's line: open until …, not open yet (opens at about …), or closed. */
export function windowText(d: CheckInDeskProse, locale: Locale, a: ActivityRef, expectedOpensAt: string): string {
  const when = (iso: string) => formatDateTime(iso, locale);
  if (a.attendanceState === 'open') return d.window.open(when(a.attendanceClosesAt ?? a.endsAt));
  if (a.attendanceState === 'closed') return d.window.closed(a.attendanceClosesAt ? when(a.attendanceClosesAt) : null);
  return d.window.notOpen(when(a.attendanceOpensAt ?? expectedOpensAt), when(a.startsAt));
}

function windowFragment(d: CheckInDeskProse, locale: Locale, s: DeskState): RawHtml {
  const open = s.activity.attendanceState === 'open';
  return html`<p class="${open ? 'ok' : 'error'}" data-window="${s.activity.attendanceState}">${windowText(d, locale, s.activity, s.expectedOpensAt)}</p>`;
}

function countsFragment(d: CheckInDeskProse, locale: Locale, s: DeskState): RawHtml {
  const families = s.checkIns.filter((c) => c.personKind === 'family');
  const people = families.reduce((n, c) => n + c.members, 0);
  const registered = s.families.filter((f) => f.status === 'registered');
  const registeredPeople = registered.reduce((n, f) => n + f.members, 0);
  const fig = (key: string, label: string, value: string) => html`<div class="fig" data-count="${key}"><div class="v">${value}</div><div class="k">${label}</div></div>`;
  return html`<div class="figs">${fig('checkedIn', d.counts.checkedIn, d.counts.families(families.length, people))}${fig('registered', d.counts.registered, d.counts.families(registered.length, registeredPeople))}${fig(
    'capacity',
    d.counts.capacity,
    d.counts.people(s.activity.capacity),
  )}</div>`;
}

function checkInButton(d: CheckInDeskProse, kind: 'family' | 'volunteer', id: string, name: string, label: string): RawHtml {
  return html`<button type="button" class="tap" data-act="check-in" data-kind="${kind}" data-id="${id}" data-name="${name}">${label}</button>`;
}

function familyRow(d: CheckInDeskProse, locale: Locale, f: { id: string; name: string; members: number; waitlisted?: boolean }, checkIn: DeskCheckIn | undefined): RawHtml {
  const state = checkIn
    ? html`<span class="badge green">${d.list.checkedIn(formatDateTime(checkIn.at, locale))}</span>`
    : checkInButton(d, 'family', f.id, f.name, d.list.checkIn);
  return html`<li data-name="${f.name}" data-person="family:${f.id}"><span class="who"><strong>${f.name}</strong> <span class="muted">${d.counts.people(checkIn?.members ?? f.members)}</span>${
    f.waitlisted ? html` <span class="badge grey">${d.list.waitlisted}</span>` : ''
  }</span>${state}</li>`;
}

function familiesFragment(d: CheckInDeskProse, locale: Locale, s: DeskState): RawHtml {
  const byFamily = new Map(s.checkIns.filter((c) => c.personKind === 'family').map((c) => [c.personId, c]));
  const listed = s.families.filter((f) => f.status !== 'cancelled');
  if (listed.length === 0) return html`<p class="muted">${d.list.empty}</p>`;
  return html`<ul class="desk-list">${listed.map((f) => familyRow(d, locale, { id: f.familyId, name: f.name, members: f.members, waitlisted: f.status === 'waitlisted' }, byFamily.get(f.familyId)))}</ul>`;
}

function walkInsFragment(d: CheckInDeskProse, locale: Locale, s: DeskState): RawHtml {
  const registered = new Set(s.families.filter((f) => f.status !== 'cancelled').map((f) => f.familyId));
  const walkIns = s.checkIns.filter((c) => c.personKind === 'family' && !registered.has(c.personId));
  if (walkIns.length === 0) return html``;
  return html`<h3>${d.list.walkInsHeading}</h3><ul class="desk-list">${walkIns.map((c) => familyRow(d, locale, { id: c.personId, name: c.name, members: c.members }, c))}</ul>`;
}

function volunteersFragment(d: CheckInDeskProse, locale: Locale, s: DeskState): RawHtml {
  const checkIns = new Map(s.checkIns.filter((c) => c.personKind === 'volunteer').map((c) => [c.personId, c]));
  const people = [...s.volunteers.map((v) => ({ id: v.volunteerId, name: v.name })), ...[...checkIns.values()].filter((c) => !s.volunteers.some((v) => v.volunteerId === c.personId)).map((c) => ({ id: c.personId, name: c.name }))];
  if (people.length === 0) return html`<p class="muted">${d.volunteers.none}</p>`;
  const when = (iso: string) => formatDateTime(iso, locale);
  return html`<ul class="desk-list">${people.map((v) => {
    const c = checkIns.get(v.id);
    const state = !c
      ? checkInButton(d, 'volunteer', v.id, v.name, d.volunteers.checkIn)
      : c.checkedOutAt
        ? html`<span class="badge grey">${d.volunteers.in(when(c.at))} · ${d.volunteers.out(when(c.checkedOutAt))}</span>`
        : html`<span class="badge green">${d.volunteers.in(when(c.at))}</span><button type="button" class="tap secondary" data-act="check-out" data-kind="volunteer" data-id="${v.id}" data-name="${v.name}">${d.volunteers.checkOut}</button>`;
    return html`<li data-name="${v.name}" data-person="volunteer:${v.id}"><span class="who"><strong>${v.name}</strong></span>${state}</li>`;
  })}</ul>`;
}

/** The pieces the script refreshes, by the id of the element each fills. */
export function deskFragments(locale: Locale, s: DeskState): Record<string, string> {
  const d = deskProse(locale);
  return {
    'desk-window': windowFragment(d, locale, s).html,
    'desk-counts': countsFragment(d, locale, s).html,
    'desk-families': familiesFragment(d, locale, s).html,
    'desk-walk-ins': walkInsFragment(d, locale, s).html,
    'desk-volunteers': volunteersFragment(d, locale, s).html,
  };
}

/** Families of the directory a walk-in search found, each one tap to check in. */
export function directoryFragment(locale: Locale, found: { id: string; name: string; members: number }[], checkIns: DeskCheckIn[]): string {
  const d = deskProse(locale);
  if (found.length === 0) return html`<p class="muted">${d.walkIn.noMatch}</p>`.html;
  const byFamily = new Map(checkIns.filter((c) => c.personKind === 'family').map((c) => [c.personId, c]));
  return html`<ul class="desk-list">${found.map((f) => familyRow(d, locale, f, byFamily.get(f.id)))}</ul>`.html;
}

const DESK_STYLE = `
#desk [hidden]{display:none!important}
.desk-list{list-style:none;margin:0;padding:0}
.desk-list li{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:6px 10px;padding:8px 0;border-bottom:1px solid #f1ece2}
.desk-list li .who{flex:1 1 160px;min-width:0;overflow-wrap:anywhere}
button.tap,#desk button.big{font:inherit;font-size:17px;font-weight:600;padding:10px 16px;border:0;border-radius:8px;background:#b03a2e;color:#fff;cursor:pointer}
button.tap.secondary,#desk button.secondary{background:#6b6b6b}
button.tap{min-width:88px}
#desk button:disabled{opacity:.5}
#desk .row{display:flex;gap:8px;flex-wrap:wrap}
#desk .row>input{flex:1 1 160px;min-width:0}
#desk input[type=search],#desk input[type=email],#desk input[type=text],#desk input[type=number]{width:100%;font:inherit;font-size:17px;padding:10px;border:1px solid #ccc;border-radius:8px}
#desk video{width:100%;max-height:60vh;border-radius:8px;background:#000;margin-top:8px}
#desk-result{border:2px solid #b03a2e;border-radius:12px}
#desk-result .name{font-size:20px;font-weight:700;margin:0 0 4px;overflow-wrap:anywhere}
#desk-queue{font-weight:600}
#desk-messages{list-style:none;margin:0;padding:0}
#desk-messages li{padding:6px 0;border-bottom:1px solid #f1ece2;overflow-wrap:anywhere}
#desk-messages li.bad{color:#8a1c12}
`;

export interface DeskPageView {
  locale: Locale;
  csrf: string;
  state: DeskState;
  compoundName: string;
  /** A card's code or URL to look up on load (from /q/<token>). */
  code?: string;
}

export function deskBody(v: DeskPageView): RawHtml {
  const { locale } = v;
  const d = deskProse(locale);
  const a = v.state.activity;
  const f = deskFragments(locale, v.state);
  const frag = (id: string) => html`<div id="${id}" aria-live="polite">${raw(f[id] ?? '')}</div>`;
  const base = `/dashboard/activities/${encodeURIComponent(a.id)}/desk`;
  const strings = {
    'data-s-pending': d.queue.pendingLabel,
    'data-s-uploaded': d.queue.uploaded,
    'data-s-offline': d.queue.offline,
    'data-s-queued': d.queue.queued,
    'data-s-signed-out': d.queue.signedOut,
    'data-s-generic': d.errors.generic,
    'data-s-members': d.result.membersPresent,
    'data-s-confirm': d.result.confirm,
    'data-s-check-out': d.result.checkOut,
  };
  const attrs = raw(Object.entries(strings).map(([k, val]) => html` ${raw(k)}="${val}"`.html).join(''));
  return html`<style>${raw(DESK_STYLE)}</style><div id="desk" data-base="${base}" data-activity="${a.id}" data-csrf="${v.csrf}" data-code="${v.code ?? ''}"${attrs}>
<div class="card"><h1>${d.heading}</h1><p><strong>${a.title}</strong><br><span class="muted">${v.compoundName} · ${formatDateRange(a.startsAt, a.endsAt, locale)}</span></p>${frag('desk-window')}${frag('desk-counts')}<p id="desk-queue" role="status" hidden></p><noscript><p class="error">${d.scan.noScript}</p></noscript></div>
<div class="card"><h2>${d.scan.heading}</h2>
<div data-qr-scanner data-target="desk-code"><div class="row"><button type="button" class="big" data-qr-start>${d.scan.start}</button><button type="button" class="big secondary" data-qr-stop hidden>${d.scan.stop}</button></div><p class="error" data-qr-error hidden>${d.scan.noCamera}</p><video data-qr-video hidden></video></div>
<form id="desk-code-form" autocomplete="off"><label for="desk-code">${d.scan.codeLabel}</label><div class="row"><input type="text" id="desk-code" name="code" autocapitalize="characters" spellcheck="false" aria-describedby="desk-code-hint"><button type="submit" class="big">${d.scan.find}</button></div><p class="hint" id="desk-code-hint">${d.scan.codeHint}</p></form>
</div>
<div class="card" id="desk-result" hidden><p class="name" id="desk-result-name"></p><p id="desk-result-detail"></p><p id="desk-result-already" class="ok" hidden></p>
<form id="desk-confirm-form"><div id="desk-members-field"><label for="desk-members">${d.result.membersPresent}</label><input type="number" id="desk-members" name="members" min="1" max="50" step="1" inputmode="numeric"></div><div class="buttons"><button type="submit" class="big" id="desk-confirm">${d.result.confirm}</button><button type="button" class="big secondary" id="desk-check-out" hidden>${d.result.checkOut}</button><button type="button" class="big secondary" id="desk-result-close">${d.result.close}</button></div></form></div>
<div class="card"><ul id="desk-messages" aria-live="polite"></ul></div>
<div class="card"><h2>${d.list.heading}</h2><label for="desk-filter">${d.list.search}</label><input type="search" id="desk-filter" autocomplete="off">${frag('desk-families')}${frag('desk-walk-ins')}</div>
<div class="card"><h2>${d.walkIn.heading}</h2><p class="muted">${d.walkIn.intro}</p>
<form id="desk-directory-form" autocomplete="off"><label for="desk-directory-q">${d.walkIn.searchLabel}</label><div class="row"><input type="search" id="desk-directory-q" name="q"><button type="submit" class="big">${d.walkIn.search}</button></div></form><div id="desk-directory-results" aria-live="polite"></div>
<h3>${d.walkIn.newHeading}</h3><form id="desk-walk-in-form" autocomplete="off"><label for="desk-new-name">${d.walkIn.name}</label><input type="text" id="desk-new-name" name="name" required maxlength="200"><label for="desk-new-email">${d.walkIn.email}</label><input type="email" id="desk-new-email" name="email" required maxlength="254"><label for="desk-new-members">${d.walkIn.members}</label><input type="number" id="desk-new-members" name="members" required min="1" max="50" step="1" value="1" inputmode="numeric"><div class="buttons"><button type="submit" class="big">${d.walkIn.add}</button></div></form></div>
<div class="card"><h2>${d.volunteers.heading}</h2>${frag('desk-volunteers')}</div>
</div><script src="${assetPath('jsqr.js')}"></script><script src="${assetPath('qr-scan.js')}"></script><script src="${assetPath('check-in-desk.js')}"></script>`;
}

/** The short chooser /q/<token> shows when no single activity's check-in is open in the staff member's scope. */
export function chooserBody(locale: Locale, open: { id: string; title: string; startsAt: string; endsAt: string }[], code: string): RawHtml {
  const d = deskProse(locale);
  const list = open.length
    ? html`<p>${d.chooser.intro}</p><ul class="records">${open.map(
        (a) => html`<li><a href="/dashboard/activities/${encodeURIComponent(a.id)}/desk?code=${encodeURIComponent(code)}">${a.title}</a><br><span class="muted">${formatDateRange(a.startsAt, a.endsAt, locale)}</span></li>`,
      )}</ul>`
    : html`<p>${d.chooser.none}</p>`;
  return html`<div class="card"><h1>${d.chooser.heading}</h1>${list}<p><a href="/dashboard">${d.chooser.back}</a></p></div>`;
}
