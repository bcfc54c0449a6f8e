// Keyboard shortcuts for the whole chat: "/" or Ctrl/Cmd+Shift+F to
// search, Esc in the search field to clear it, Alt+Up/Down to the
// previous or next conversation, "?" for the list of shortcuts; and
// roving focus in the sidebar's lists (one Tab stop each, arrows between
// the conversations). Ctrl/Cmd+K (the switcher) is rooms.js's; the
// composer's own keys are composer.js's.

import {el} from './render.js';
import {dialog} from './ui.js';
import {S, $, openConv} from './state.js';
import {closeDrawer} from './rooms.js';
import {closeResults} from './search.js';

const MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
const MOD = MAC ? '⌘' : 'Ctrl';

// Each shortcut: its keys ("+" joins keys pressed together, " or "
// separates choices) and what it does.
const SHORTCUTS = [
  ['Anywhere', [
    [MOD + '+K', 'Go to a room or person'],
    ['/ or ' + MOD + '+Shift+F', 'Search messages'],
    ['Alt+↑', 'Previous conversation'],
    ['Alt+↓', 'Next conversation'],
    ['?', 'This list of shortcuts'],
    ['Esc', 'Close a dialog, the search results or the drawer'],
  ]],
  ['In the message box', [
    ['Enter', 'Send'],
    ['Shift+Enter', 'New line'],
    ['↑', 'Edit your last message (in an empty box)'],
    ['Esc', 'Cancel the edit'],
    ['Page Up or Page Down', 'Scroll the messages by a page'],
    ['@', 'Complete a username (Tab or Enter picks)'],
    ['/', 'At the start: run a command (// sends a text that starts with /)'],
  ]],
  ['In the lists of conversations and messages', [
    ['↑ or ↓', 'The one before or after'],
    ['Home or End', 'The first or the last'],
  ]],
];

// keyNodes draws a shortcut's keys: "Ctrl+K" as two kbd elements.
function keyNodes(spec) {
  return spec.split(' or ').flatMap((choice, i) => [i ? ' or ' : '',
    ...choice.split(/\+(?=.)/).flatMap((k, j) => [j ? '+' : '', el('kbd', {}, k)])]);
}

// typing says whether a key goes into a text field.
function typing(t) {
  return t instanceof HTMLElement && (t.isContentEditable || t.matches('input:not([type=checkbox], [type=radio], [type=button], [type=submit]), textarea, select'));
}

function showHelp() {
  const body = el('div', {className: 'shortcuts'}, SHORTCUTS.map(([title, list]) => [
    el('h3', {}, title),
    el('dl', {}, list.map(([combo, what]) => el('div', {},
      el('dt', {}, keyNodes(combo)),
      el('dd', {}, what)))),
  ]).flat());
  dialog({title: 'Keyboard shortcuts', body});
}

function focusSearch() {
  closeDrawer();
  const q = $('search-input');
  q.focus();
  q.select();
}

// step opens the conversation before (-1) or after (1) the open one, in
// the sidebar's order: rooms, then direct messages.
function step(by) {
  const all = [...document.querySelectorAll('#rooms button.conv, #directs button.conv')];
  if (!all.length) return;
  const at = all.findIndex(b => b.getAttribute('aria-current') === 'page');
  const next = all[at === -1 ? (by > 0 ? 0 : all.length - 1) : at + by];
  if (next) openConv(next.dataset.kind, next.dataset.id);
}

document.addEventListener('keydown', (e) => {
  if (!S.me || $('app').hidden || e.defaultPrevented || e.isComposing) return;
  const modal = $('dialog').open;
  const k = e.key;
  const mod = e.ctrlKey || e.metaKey;
  if (mod && e.shiftKey && !e.altKey && k.toLowerCase() === 'f') {
    if (modal) return;
    e.preventDefault();
    focusSearch();
  } else if (e.altKey && !mod && !e.shiftKey && (k === 'ArrowUp' || k === 'ArrowDown')) {
    if (modal) return;
    e.preventDefault();
    step(k === 'ArrowUp' ? -1 : 1);
  } else if ((k === '/' || k === '?') && !mod && !e.altKey && !modal && !typing(e.target)) {
    e.preventDefault();
    swallow = k;
    if (k === '/') focusSearch();
    else showHelp();
  }
});

// A shortcut's character is not typed where it moved the focus. Browsers
// already skip it after a handled keydown; synthetic key events and some
// input methods deliver the character separately.
let swallow = '';
document.addEventListener('keyup', () => { swallow = ''; });
document.addEventListener('beforeinput', (e) => {
  if (swallow && e.data === swallow) e.preventDefault();
  swallow = '';
}, true);

// Esc in the search field clears it and closes the results (search.js's
// closeResults); the composer has the focus again.
$('search-input').addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  e.preventDefault();
  e.target.value = '';
  closeResults();
  if (!$('composer').hidden) $('composer-input').focus();
  else e.target.blur();
});

// ---------- roving focus in the sidebar ----------

// Each list (rooms, direct messages) is one Tab stop: the open
// conversation's button, or the one last moved to, or the first. Up and
// Down (Home, End) move between the buttons; Enter opens, as buttons do.
const lists = [$('rooms'), $('directs')];
const last = new Map(); // list -> the button key moved to last

const keyOf = (b) => b.dataset.kind + ':' + b.dataset.id;

function tabStops(list) {
  const buttons = [...list.querySelectorAll('button.conv')];
  const stop = buttons.find(b => b === document.activeElement) || buttons.find(b => keyOf(b) === last.get(list)) ||
    buttons.find(b => b.getAttribute('aria-current') === 'page') || buttons[0];
  for (const b of buttons) b.tabIndex = b === stop ? 0 : -1;
}

for (const list of lists) {
  new MutationObserver(() => tabStops(list)).observe(list, {childList: true, subtree: true, attributes: true, attributeFilter: ['aria-current']});
  list.addEventListener('focusin', (e) => {
    const b = e.target.closest('button.conv');
    if (!b) return;
    last.set(list, keyOf(b));
    tabStops(list);
  });
  list.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const buttons = [...list.querySelectorAll('button.conv')];
    const at = buttons.indexOf(e.target);
    if (at === -1) return;
    const to = {ArrowUp: at - 1, ArrowDown: at + 1, Home: 0, End: buttons.length - 1}[e.key];
    if (to === undefined) return;
    e.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, to))].focus();
  });
}
