// The composer: posting (shown at once as pending, confirmed when the
// server answers, with a Retry when it fails), its keys (Enter sends, Up
// edits one's last message), and @-completion of usernames.

import * as api from './api.js';
import {el} from './render.js';
import {grow} from './ui.js';
import {S, $, isCur, norm} from './state.js';
import {nodesFor, scrollToBottom, redraw, renderAll, mergeMessages, itemsOf, startEdit} from './messages.js';
import {markRead} from './conv.js';
import {typed} from './typing.js';

const input = $('composer-input');

let tempSeq = 0;
async function send(text, temp) {
  const cur = S.cur;
  if (!temp) {
    temp = {id: '~' + String(++tempSeq).padStart(8, '0'), text, sender: S.me.id, created: new Date(), pending: true};
    temp.raw = null;
    S.msgs.push(temp);
    $('messages').append(...nodesFor(S.msgs.length - 1));
    scrollToBottom();
  }
  const body = cur.kind === 'room' ? {room: cur.id, text} : {recipient: cur.id, text};
  try {
    const m = await api.post('/api/messages', body);
    if (!isCur(cur)) return;
    confirmSent(temp, m);
    scrollToBottom();
    markRead();
  } catch (ex) {
    temp.pending = false;
    temp.failed = ex.message;
    if (isCur(cur)) redraw(temp.id);
  }
}

// confirmSent puts the server's message in the place of the pending one.
// Usually nothing came in between and only that item changes; otherwise
// (the stream was quicker, or others' messages arrived) the list is
// rebuilt in id order.
function confirmSent(temp, raw) {
  const m = norm(raw);
  const i = S.msgs.indexOf(temp);
  const inOrder = i !== -1 && (i === 0 || S.msgs[i - 1].id < m.id) && !S.msgs.some(x => x.id === m.id) &&
    S.msgs.slice(i + 1).every(x => x.pending || x.failed);
  if (!inOrder) {
    S.msgs = S.msgs.filter(x => x !== temp);
    mergeMessages([raw]);
    renderAll();
    return;
  }
  S.msgs[i] = m;
  const li = itemsOf(temp.id).at(-1);
  if (li) li.dataset.id = m.id;
  redraw(m.id);
  // The server's time may group the next pending message differently.
  if (S.msgs[i + 1]) redraw(S.msgs[i + 1].id);
}

export function retry(m) {
  m.failed = '';
  m.pending = true;
  redraw(m.id);
  send(m.text, m);
}

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  // Leading and trailing blank space is never meant (a completion's space,
  // an extra line); what is inside is sent as typed.
  const text = input.value.trim();
  if (!text || !S.cur) return;
  input.value = '';
  grow(input);
  hideComplete();
  send(text);
});

// An Enter whose keydown was handled (it sent, picked, or chose) must
// not also insert a line break. Browsers already skip it; this also holds
// for synthetic key events and some input methods, which deliver the
// character separately.
let enterHandled = false;
document.addEventListener('keydown', (e) => { enterHandled = e.key === 'Enter' && e.defaultPrevented; });
document.addEventListener('keyup', () => { enterHandled = false; });
input.addEventListener('beforeinput', (e) => {
  if (enterHandled && (e.inputType === 'insertLineBreak' || e.inputType === 'insertParagraph')) e.preventDefault();
});

input.addEventListener('keydown', (e) => {
  if (completeKey(e)) return;
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('composer').requestSubmit();
  } else if (e.key === 'ArrowUp' && input.value === '') {
    const last = [...S.msgs].reverse().find(m => m.sender === S.me.id && !m.pending && !m.failed && !m.hookName);
    if (last) { e.preventDefault(); startEdit(last.id); }
  }
});

input.addEventListener('input', () => {
  grow(input);
  complete();
  if (S.cur && input.value) typed();
});

// ---------- @ completion ----------

let choices = [];
let choice = 0;
function complete() {
  const before = input.value.slice(0, input.selectionStart);
  const m = /(^|\s)@([A-Za-z0-9_-]*)$/.exec(before);
  if (!m || !S.cur) return hideComplete();
  const q = m[2].toLowerCase();
  const pool = S.cur.kind === 'room' ? (S.rooms.get(S.cur.id)?.memberList || []).map(x => x.username) : [S.names.get(S.cur.id)];
  choices = pool.filter(n => n && n.toLowerCase().startsWith(q) && n !== S.me.username).slice(0, 8);
  if (!choices.length) return hideComplete();
  choice = 0;
  renderComplete();
}
function renderComplete() {
  const ul = $('complete');
  ul.replaceChildren(...choices.map((n, i) => el('li', {role: 'option', id: 'opt-' + i, 'aria-selected': String(i === choice),
    onmousedown: (e) => { e.preventDefault(); choice = i; pick(); }}, '@' + n)));
  ul.hidden = false;
  input.setAttribute('aria-activedescendant', 'opt-' + choice);
}
function hideComplete() {
  $('complete').hidden = true;
  choices = [];
  input.removeAttribute('aria-activedescendant');
}
function pick() {
  const pos = input.selectionStart;
  const before = input.value.slice(0, pos).replace(/@([A-Za-z0-9_-]*)$/, '@' + choices[choice] + ' ');
  input.value = before + input.value.slice(pos);
  input.setSelectionRange(before.length, before.length);
  hideComplete();
}
function completeKey(e) {
  if (!choices.length) return false;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    choice = (choice + (e.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length;
    renderComplete();
  } else if (e.key === 'Enter' || e.key === 'Tab') {
    pick();
  } else if (e.key === 'Escape') {
    hideComplete();
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}
