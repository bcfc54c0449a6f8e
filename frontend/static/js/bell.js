// The bell in a conversation's header: a menu of the user's notification
// settings there (docs/api.md, "Mentions and notifications"), kept by the
// server and shown back to the user only: what notifies (every new
// message, mentions only, or nothing; the default is marked), and a mute
// for an hour, until tomorrow morning or for a week, which ends by
// itself, or an end to it. A room's and a group conversation's are its
// member's (PATCH /api/members/{id}), a direct conversation's the user's
// with that partner (PATCH /api/directs/{user}). What was set is said in
// the bell's name, and politely to screen readers.
//
// Loaded at the bell's first use (roomsettings.js), with panels.css.

import * as api from './api.js';
import {el} from './render.js';
import {dialog} from './ui.js';
import {S, $} from './state.js';
import {menuButton} from './menu.js';
import {renderHeader, renderSidebar} from './rooms.js';
import {LEVELS, levelOf, quiet, settingsOf, bellLabel} from './notify.js';
import {sheet} from './panels.js';

await sheet();

const HOUR = 3600 * 1000;
const MUTES = [
  ['For 1 hour', () => Date.now() + HOUR],
  ['Until tomorrow', () => { const d = new Date(); d.setDate(d.getDate() + 1); d.setHours(8, 0, 0, 0); return +d; }],
  ['For a week', () => Date.now() + 7 * 24 * HOUR],
];

const button = $('mute-button');
const menu = el('div', {id: 'bell-menu', className: 'menu bell-menu', role: 'menu', 'aria-labelledby': 'mute-button', hidden: true});
const said = el('p', {className: 'visually-hidden', role: 'status'});
button.setAttribute('aria-controls', 'bell-menu');
$('room').append(menu, said);
const {open} = menuButton(button, menu, fill);

// openBell opens the menu on its item at (0 the first, -1 the last).
export const openBell = (at) => open(at);

// target is the open conversation's settings as S keeps them, whether it
// is direct (a direct or group conversation), and where they are saved.
function target() {
  if (!S.cur) return null;
  if (S.cur.kind === 'dm') {
    const d = S.directs.get(S.cur.id);
    return d && {conv: d, direct: true, path: '/api/directs/' + S.cur.id};
  }
  const r = S.rooms.get(S.cur.id);
  const me = S.mine.get(S.cur.id);
  return r && me && {conv: r, direct: Boolean(r.group), path: '/api/members/' + me.id, room: true};
}

// fill draws the menu for the open conversation, under the bell.
function fill() {
  const t = target();
  if (!t) { menu.replaceChildren(); return; }
  const level = levelOf(t.conv, t.direct);
  const byDefault = t.direct ? 'all' : 'mentions';
  const muted = quiet(t.conv);
  menu.replaceChildren(
    el('div', {role: 'group', 'aria-label': 'Notify me of'}, el('span', {className: 'menu-label', 'aria-hidden': 'true'}, 'Notify me of'),
      Object.entries(LEVELS).map(([k, label]) => el('button', {type: 'button', role: 'menuitemradio', 'aria-checked': String(k === level),
        dataset: {level: k}, onclick: () => save({notify: k})}, label + (k === byDefault ? ' (default)' : '')))),
    el('div', {role: 'group', 'aria-label': 'Mute'},
      el('span', {className: 'menu-label', 'aria-hidden': 'true'}, muted ? bellLabel(t.conv, t.direct).replace('Notifications: m', 'M') : 'Mute'),
      MUTES.map(([label, until]) => el('button', {type: 'button', role: 'menuitem', onclick: () => save({muted_until: new Date(until()).toISOString()})}, label)),
      muted ? el('button', {type: 'button', role: 'menuitem', dataset: {unmute: ''},
        onclick: () => save(t.room ? {muted: false, muted_until: null} : {muted_until: null})}, 'Unmute') : null));
  const b = button.getBoundingClientRect();
  menu.style.top = `${Math.round(b.bottom + 4)}px`;
  menu.style.right = `${Math.max(8, Math.round(innerWidth - b.right))}px`;
}

// save sends a change of the open conversation's settings and shows what
// the server kept.
async function save(body) {
  const t = target();
  if (!t) return;
  try {
    const got = await api.patch(t.path, body);
    Object.assign(t.conv, settingsOf(got));
    if (t.room) t.conv.muted = got.muted === true;
  } catch (ex) {
    dialog({title: 'Your notification settings were not changed', body: el('p', {}, ex.message)});
    return;
  }
  renderHeader();
  renderSidebar();
  said.textContent = bellLabel(t.conv, t.direct) + '.';
}
