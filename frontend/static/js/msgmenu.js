// The message menu: copy a message's text, add a reaction to it, reply
// in its thread, edit or delete one's own, remove the link preview of
// one's own, and its full date and time. A long press on a message opens
// it (a finger held still for half a second: phones have no hover for the
// actions), as do Enter, Shift+F10 and the context-menu key on a focused
// message; F2 edits one's own message. In the menu ↑/↓, Home and End move, Esc or Tab
// close it and give the focus back to the message. The toast beside it
// (say) tells what happened: a copy, a reaction refused, who reacted.

import {oid} from './api.js';
import {el} from './render.js';
import {fullTime} from './ui.js';
import {S, $, author} from './state.js';
import {msgLi, focusMessage, startEdit, removeMessage, mayDelete, mayRemovePreview, removePreview} from './messages.js';
import {react, openThread} from './cards.js';

const HOLD_MS = 500;
const SLOP = 10;          // px a finger may move while it holds

const menu = el('div', {id: 'msg-menu', className: 'msg-menu', role: 'menu', hidden: true});
const toast = el('p', {className: 'toast', role: 'status'});
$('room').append(menu, toast);
let forId = '';           // the message the menu is for
let hold = null;          // a press that may become a long one: {timer, x, y}
let heldAt = 0;           // when a long press opened the menu
let toastTimer = 0;
let keyDown = false;      // the key that opened the menu is still down: it must not also choose

const narrow = () => window.matchMedia('(max-width: 719px)').matches;

function openMenu(li, at) {
  const m = S.msgs.find(x => x.id === li.dataset.id);
  if (!m || li.querySelector('.edit-input')) return;
  const stored = !m.pending && !m.failed;
  const when = fullTime(m.created);
  const item = (label, run) => el('button', {type: 'button', role: 'menuitem', tabIndex: -1,
    onclick: () => { if (!keyDown) { close(); run(); } }}, label);
  forId = m.id;
  menu.setAttribute('aria-label', `Message from ${author(m)}, ${when}`);
  menu.replaceChildren(...[
    el('p', {className: 'menu-label', 'aria-hidden': 'true'}, author(m), ' · ', el('time', {dateTime: m.created.toISOString()}, when)),
    item('Copy text', () => copy(m.text)),
    stored && item('Add reaction', () => react(m.id, li)),
    stored && item('Reply in thread', () => openThread(oid(m.raw?.thread) || m.id, li)),
    stored && m.sender === S.me.id && !m.hookName && item('Edit', () => startEdit(m.id)),
    mayRemovePreview(m) && item('Remove preview', () => removePreview(m)),
    stored && mayDelete(m) && item('Delete', () => removeMessage(m)),
  ].filter(Boolean));
  menu.hidden = false;
  place(li, at);
  menu.querySelector('[role=menuitem]').focus({preventScroll: true});
  document.addEventListener('pointerdown', outside, true);
}

// place puts the menu by the pointer or the message on a wide screen; on
// a narrow one it is a sheet at the bottom (app.css).
function place(li, at) {
  menu.style.left = menu.style.top = '';
  if (narrow()) return;
  const r = li.getBoundingClientRect();
  const x = at ? at.x : r.left + 48;
  const y = at ? at.y : r.top + 24;
  menu.style.left = Math.max(8, Math.min(x, innerWidth - menu.offsetWidth - 8)) + 'px';
  menu.style.top = Math.max(8, y + menu.offsetHeight + 8 > innerHeight ? y - menu.offsetHeight : y) + 'px';
}

function close(refocus = true) {
  if (menu.hidden) return;
  menu.hidden = true;
  document.removeEventListener('pointerdown', outside, true);
  const li = msgLi(forId);
  if (refocus && li) focusMessage(li);
}

function outside(e) {
  if (!menu.contains(e.target)) close(false);
}

async function copy(text) {
  let said = 'Copied.';
  try { await navigator.clipboard.writeText(text); } catch { said = 'The browser did not allow copying.'; }
  say(said);
}

// say shows a short line in the toast for ms milliseconds.
export function say(text, ms = 2500) {
  toast.textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.textContent = ''; }, ms);
}

document.addEventListener('keyup', () => { keyDown = false; }, true);
// A new touch or click is a new gesture: it may choose.
document.addEventListener('pointerdown', () => { keyDown = false; heldAt = 0; }, true);
menu.addEventListener('keydown', (e) => {
  const items = [...menu.querySelectorAll('[role=menuitem]')];
  const i = items.indexOf(document.activeElement);
  const to = {ArrowDown: items[(i + 1) % items.length], ArrowUp: items.at(i - 1), Home: items[0], End: items.at(-1)}[e.key];
  if (to) {
    e.preventDefault();
    to.focus();
  } else if (e.key === 'Escape' || e.key === 'Tab') {
    e.preventDefault();
    e.stopPropagation();
    close();
  }
});

// ---------- opening it ----------

const list = $('messages');
list.addEventListener('keydown', (e) => {
  if (!e.target.matches('#messages > .msg') || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey) || (e.key === 'Enter' && !e.shiftKey)) {
    e.preventDefault();
    keyDown = true;
    openMenu(e.target);
  } else if (e.key === 'F2' && !e.shiftKey) {
    const m = S.msgs.find(x => x.id === e.target.dataset.id);
    if (m && m.sender === S.me.id && !m.hookName && !m.pending && !m.failed) {
      e.preventDefault();
      startEdit(m.id);
    }
  }
});

// A long press: not with a mouse on a wide screen, where a press held
// still is how one starts selecting text.
list.addEventListener('pointerdown', (e) => {
  const li = e.target.closest('#messages > .msg');
  cancelHold();
  if (!li || !e.isPrimary || e.button !== 0 || e.target.closest('button, textarea') || (e.pointerType === 'mouse' && !narrow())) return;
  const at = {x: e.clientX, y: e.clientY};
  hold = {...at, timer: setTimeout(() => {
    hold = null;
    heldAt = Date.now();
    openMenu(li, at);
  }, HOLD_MS)};
});
function cancelHold() {
  if (hold) clearTimeout(hold.timer);
  hold = null;
}
list.addEventListener('pointermove', (e) => {
  if (hold && Math.hypot(e.clientX - hold.x, e.clientY - hold.y) > SLOP) cancelHold();
});
for (const type of ['pointerup', 'pointercancel']) list.addEventListener(type, cancelHold);
// The finger's lifting must not also click what it was on: a link, or
// the menu's item that now lies under it.
list.addEventListener('touchend', (e) => {
  if (Date.now() - heldAt < 1000) e.preventDefault();
});
document.addEventListener('click', (e) => {
  if (Date.now() - heldAt > 1000) return;
  heldAt = 0;
  e.preventDefault();
  e.stopPropagation();
}, true);
// A touch browser's own long-press menu (Android's) and the keyboard's
// give way to this one; a mouse's right click keeps the browser's.
list.addEventListener('contextmenu', (e) => {
  const li = e.target.closest('#messages > .msg');
  if (!li || e.pointerType === 'mouse' || (e.pointerType === undefined && e.button === 2)) return;
  e.preventDefault();
  if (menu.hidden) openMenu(li, e.pointerType ? {x: e.clientX, y: e.clientY} : null);
});
