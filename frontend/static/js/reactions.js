// Reactions (docs/api.md, "Reactions"): the row of chips under a message
// that has some, one per emoji with its count, pressed where one of them
// is the user's; a click adds the user's or takes it back. Who reacted is
// the chip's name and tooltip, and on a touch screen a long press on the
// chip says it in the toast (a tooltip needs a pointer that hovers). The
// row ends with an "Add reaction" chip, which opens the picker, as do the
// message's hover action and its menu item.
//
// The picker is a small dialog: the user's recent emoji (kept in this
// browser, per user), common ones, and a box for any other, which the
// system's own emoji picker (Win+. or Ctrl+Cmd+Space) can type into. The
// server decides what is one emoji; its reason shows in the picker. The
// emoji are text, drawn by the platform's emoji font: no images, no
// emoji data shipped.
//
// This module and its stylesheet, reactions.css, are not part of the
// first load: cards.js imports it the first time a message with
// reactions is drawn or the picker is asked for.

import * as api from './api.js';
import {el, icon} from './render.js';
import {S, $} from './state.js';
import {msgLi, refocus, replaceMessage} from './messages.js';
import {say} from './msgmenu.js';

// The stylesheet comes first: chips drawn unstyled would jump when the
// rules arrive. One that cannot load leaves them plain, not missing.
await new Promise((done) => document.head.append(el('link', {rel: 'stylesheet',
  href: document.documentElement.dataset.assets + '/reactions.css', onload: done, onerror: done})));

const COMMON = ['👍', '👎', '😄', '🎉', '❤️', '😕', '🚀', '👀', '🙏', '👏', '😂', '😮', '😢', '🔥', '✅', '❌',
  '➕', '💯', '🤔', '😅', '🙌', '💪', '👋', '🤝', '⭐', '☕', '🍕', '🐛', '📌', '⚠️', '🆗', '🙂'];
const RECENT = 8;         // recent emoji kept
const NAMED = 2;          // names a chip says before "and N others"
const HOLD_MS = 500;      // a long press, as msgmenu.js's
const SLOP = 10;          // px a finger may move while it holds

const {oid} = api;
const mineIn = (r) => (r.users || []).some(u => oid(u._id) === S.me.id);

// ---------- the chips ----------

// who says who reacted with r, the user first: "You, alice and 3 others
// reacted with 👍".
export function who(r) {
  const users = r.users || [];
  const names = [...(mineIn(r) ? ['You'] : []), ...users.filter(u => oid(u._id) !== S.me.id).map(u => u.username || 'a former member')];
  const total = Math.max(r.count || 0, names.length);
  const shown = names.slice(0, total > NAMED + 1 ? NAMED : total);
  const others = total - shown.length;
  const parts = others ? [...shown, others === 1 ? '1 other' : `${others} others`] : shown;
  const list = parts.length > 1 ? parts.slice(0, -1).join(', ') + ' and ' + parts.at(-1) : parts[0];
  return `${list} reacted with ${r.emoji}`;
}

// reactionsOf draws the reactions of message m (which has some).
export function reactionsOf(m) {
  return el('div', {className: 'reactions', role: 'group', 'aria-label': 'Reactions',
    onpointerdown: startHold, onpointermove: moveHold, onpointerup: cancelHold, onpointercancel: cancelHold,
    ontouchend: (e) => { if (Date.now() - heldAt < 1000) e.preventDefault(); }, oncontextmenu: touchMenu,
    // A press does not focus a chip: on a phone the focus would open the
    // message's actions under the row (app.css), and move the row, which
    // sits at the bottom of a short conversation, before the release.
    // The keyboard still reaches the chips.
    onmousedown: (e) => { if (e.target.closest('button')) e.preventDefault(); }},
  m.raw.reactions.map(r => chip(m.id, r)),
  el('button', {type: 'button', className: 'reaction add', 'aria-label': 'Add reaction', title: 'Add reaction',
    dataset: {key: 'react-add'}, onclick: (e) => openPicker(m.id, e.currentTarget)}, icon('react')));
}

function chip(id, r) {
  const label = who(r);
  return el('button', {type: 'button', className: 'reaction', 'aria-pressed': String(mineIn(r)), 'aria-label': label, title: label,
    dataset: {key: 'r:' + r.emoji}, onclick: () => toggle(id, r.emoji)},
  el('span', {className: 'reaction-emoji'}, r.emoji), el('span', {className: 'reaction-count'}, String(r.count)));
}

// A long press on a chip says who reacted; the lifting finger must not
// also toggle it.
let hold = null;          // {timer, x, y}
let heldAt = 0;           // when a long press said who reacted

function startHold(e) {
  cancelHold();
  heldAt = 0; // a new touch or click is a new gesture: it may toggle
  const c = e.target.closest('.reaction:not(.add)');
  if (!c || !e.isPrimary || e.pointerType === 'mouse') return;
  hold = {x: e.clientX, y: e.clientY, timer: setTimeout(() => {
    hold = null;
    heldAt = Date.now();
    say(c.title, 5000);
  }, HOLD_MS)};
}
function moveHold(e) {
  if (hold && Math.hypot(e.clientX - hold.x, e.clientY - hold.y) > SLOP) cancelHold();
}
function cancelHold() {
  if (hold) clearTimeout(hold.timer);
  hold = null;
}
// A touch browser's own long-press menu gives way to the names, and the
// message menu (msgmenu.js) does not open over them; a mouse's right
// click keeps the browser's menu.
function touchMenu(e) {
  const c = e.target.closest('.reaction:not(.add)');
  if (!c || e.pointerType === 'mouse' || (e.pointerType === undefined && e.button === 2)) return;
  e.preventDefault();
  e.stopPropagation();
  cancelHold();
  if (Date.now() - heldAt > 1000) say(c.title, 5000);
  if (e.pointerType) heldAt = Date.now(); // a finger: its lifting must not toggle (a key's menu has no lifting)
}

// toggle adds the user's reaction emoji to message id, or takes it back.
async function toggle(id, emoji) {
  if (Date.now() - heldAt < 1000) {
    heldAt = 0;
    return;
  }
  const r = S.msgs.find(x => x.id === id)?.raw.reactions?.find(x => x.emoji === emoji);
  try {
    await send(id, emoji, !(r && mineIn(r)));
  } catch (ex) {
    say(refusal(ex), 4000);
  }
}

// ---------- asking the server ----------

const busy = new Set();   // "id emoji" of changes on their way: a double click sends once

// send adds the user's reaction emoji to message id (or takes it back),
// and draws the message as the server answers; it returns false if the
// same change was already on its way. The stream brings the change to
// the others, and here too: if an event of the stream redrew the message
// while the answer was on its way, the answer may be older than what is
// shown, and is not drawn (the stream brings this change as well).
async function send(id, emoji, add) {
  const key = id + ' ' + emoji;
  if (busy.has(key)) return false;
  busy.add(key);
  try {
    const was = S.msgs.find(x => x.id === id);
    const path = `/api/messages/${id}/reactions/${encodeURIComponent(emoji)}`;
    const upd = await (add ? api.put(path) : api.del(path));
    if (add) remember(emoji);
    if (S.msgs.find(x => x.id === id) === was) replaceMessage(upd);
    return true;
  } finally {
    busy.delete(key);
  }
}

// refusal is what to tell of a refused change: the server's reason.
function refusal(ex) {
  if (ex.status === 429 && !ex.title) return 'Too many reactions at once: wait a moment and try again.';
  return ex.message;
}

// ---------- recent emoji, per user, in this browser ----------

const recentKey = () => 'makechat.reactions.' + S.me.id;

function recent() {
  try {
    const v = JSON.parse(localStorage.getItem(recentKey()) || '[]');
    return Array.isArray(v) ? v.filter(e => typeof e === 'string' && e).slice(0, RECENT) : [];
  } catch {
    return []; // unreadable: start again
  }
}

function remember(emoji) {
  try {
    localStorage.setItem(recentKey(), JSON.stringify([emoji, ...recent().filter(e => e !== emoji)].slice(0, RECENT)));
  } catch { /* storage full or off: the picker just has no recent ones */ }
}

// ---------- the picker ----------

let picker = null;        // the dialog, made on first use
let forId = '';           // the message it adds to
let back = {id: '', key: ''}; // what gets the focus when it closes (messages.js refocus)

const narrow = () => window.matchMedia('(max-width: 719px)').matches;
const emojiButton = (e) => el('button', {type: 'button', className: 'react-emoji', tabIndex: -1, onclick: () => pick(e)}, e);

function makePicker() {
  const input = el('input', {id: 'react-input', autocomplete: 'off', spellcheck: false, enterKeyHint: 'done',
    'aria-describedby': 'react-error', oninput: () => showError('')});
  const d = el('dialog', {className: 'react-picker', 'aria-labelledby': 'react-title'},
    el('div', {className: 'react-body'},
      el('div', {className: 'react-head'}, el('h2', {id: 'react-title'}, 'Add a reaction'),
        el('button', {type: 'button', className: 'icon-button', 'aria-label': 'Close', title: 'Close (Esc)', onclick: () => d.close()}, icon('close'))),
      el('p', {id: 'react-recent-label', className: 'react-label'}, 'Recent'),
      el('div', {id: 'react-recent', className: 'react-grid', role: 'group', 'aria-labelledby': 'react-recent-label'}),
      el('p', {id: 'react-common-label', className: 'react-label'}, 'Common'),
      el('div', {id: 'react-common', className: 'react-grid', role: 'group', 'aria-labelledby': 'react-common-label'}, COMMON.map(emojiButton)),
      el('form', {className: 'react-type', onsubmit: (e) => { e.preventDefault(); if (input.value.trim()) pick(input.value.trim(), true); }},
        el('label', {htmlFor: 'react-input'}, 'Or type an emoji'),
        el('div', {className: 'react-type-row'}, input, el('button', {type: 'submit'}, 'Add'))),
      el('p', {id: 'react-error', className: 'error', role: 'alert', hidden: true})));
  // A click beside it (on the backdrop, which is the dialog itself) closes it.
  d.addEventListener('click', (e) => { if (e.target === d) d.close(); });
  d.addEventListener('close', () => refocus(back.id, back.key));
  d.addEventListener('keydown', gridKeys);
  $('room').append(d);
  return d;
}

// openPicker opens the picker for message id; from (a button, or the
// message) has the focus again when it closes, as drawn by then.
export function openPicker(id, from) {
  picker ||= makePicker();
  forId = id;
  back = {id, key: from?.dataset?.key || ''};
  const mine = recent();
  $('react-recent').replaceChildren(...mine.map(emojiButton));
  $('react-recent').hidden = $('react-recent-label').hidden = !mine.length;
  $('react-input').value = '';
  showError('');
  if (!picker.open) picker.showModal();
  place(from);
  rove($(mine.length ? 'react-recent' : 'react-common').firstElementChild);
}

// place puts the picker by what opened it on a wide screen; on a narrow
// one it is a sheet at the bottom (reactions.css).
function place(from) {
  const s = picker.style;
  s.left = s.top = '';
  const anchor = from?.isConnected ? from : msgLi(forId);
  if (narrow() || !anchor) return;
  const r = anchor.getBoundingClientRect();
  const w = picker.offsetWidth;
  const h = picker.offsetHeight;
  s.left = Math.max(8, Math.min(r.right - w, innerWidth - w - 8)) + 'px';
  s.top = Math.max(8, r.bottom + 4 + h <= innerHeight - 8 ? r.bottom + 4 : r.top - h - 4) + 'px';
}

function showError(text) {
  const p = $('react-error');
  p.textContent = text;
  p.hidden = !text;
  $('react-input').setAttribute('aria-invalid', String(Boolean(text)));
}

// pick adds emoji to the message; the picker closes once the server took
// it, and shows its reason if it did not (the text box keeps its text).
async function pick(emoji, typed = false) {
  try {
    if (!await send(forId, emoji, true)) return;
    picker.close();
  } catch (ex) {
    showError(refusal(ex));
    if (typed) $('react-input').focus();
  }
}

// The emoji are one Tab stop: the arrows move in the grid (↑/↓ to the
// nearest in the row above or below, and from the last row to the text
// box), Home and End to the first and last; Enter or Space picks. The
// page's own shortcuts stay out of the picker.
function gridKeys(e) {
  e.stopPropagation();
  const b = e.target.closest('.react-emoji');
  if (!b || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const all = [...picker.querySelectorAll('.react-emoji')].filter(x => x.offsetParent !== null);
  const i = all.indexOf(b);
  let to;
  switch (e.key) {
    case 'ArrowLeft': to = all[i - 1]; break;
    case 'ArrowRight': to = all[i + 1]; break;
    case 'ArrowUp': to = nearest(all, b, -1); break;
    case 'ArrowDown': to = nearest(all, b, 1) || $('react-input'); break;
    case 'Home': to = all[0]; break;
    case 'End': to = all.at(-1); break;
    default: return;
  }
  e.preventDefault();
  rove(to);
}

// nearest is the button of the next row up (dir -1) or down (1) whose
// left edge is closest to b's, or undefined at the top or bottom.
function nearest(all, b, dir) {
  const r = b.getBoundingClientRect();
  const rows = all.map(x => [x, x.getBoundingClientRect()]).filter(([, q]) => dir > 0 ? q.top >= r.bottom - 1 : q.bottom <= r.top + 1);
  if (!rows.length) return undefined;
  const y = dir > 0 ? Math.min(...rows.map(([, q]) => q.top)) : Math.max(...rows.map(([, q]) => q.top));
  const row = rows.filter(([, q]) => Math.abs(q.top - y) < 2);
  return row.reduce((a, c) => Math.abs(c[1].left - r.left) < Math.abs(a[1].left - r.left) ? c : a)[0];
}

// rove makes x the emoji grid's Tab stop and focuses it (or the text box).
function rove(x) {
  if (!x) return;
  if (x.classList.contains('react-emoji')) {
    for (const y of picker.querySelectorAll('.react-emoji')) y.tabIndex = y === x ? 0 : -1;
  }
  x.focus();
}
