// The message list of the open conversation: drawing it (one header per
// run of a sender's messages, day lines, the "new" divider), keeping the
// view still while it changes, and editing and deleting messages in it.
// Opening a conversation and loading its history is conv.js's.

import * as api from './api.js';
import {renderText, mentions, el} from './render.js';
import {dialog, relTime, dayLabel, grow} from './ui.js';
import {S, $, PAGE, norm, author} from './state.js';

const MAX_DOM = 600;      // messages kept in the view before old ones go
const GROUP_MS = 5 * 60 * 1000;

let editing = null;       // id of the message being edited
let editDraft = null;     // its edit box: {text, start, end, focus}, kept across re-renders

// A failed post's Retry button hands the message back to composer.js,
// which imports this module; chat.js connects the two with onRetry.
let retry = () => {};
export function onRetry(fn) { retry = fn; }

export function mergeMessages(list) {
  const have = new Set(S.msgs.map(m => m.id));
  for (const raw of list) {
    // Not S.stream.saw: the stream resumes after the last event it
    // received, never after an answer over HTTP, which could skip events
    // of other conversations missed while it was down.
    const m = norm(raw);
    if (!have.has(m.id)) { S.msgs.push(m); have.add(m.id); }
  }
  S.msgs.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function msgNode(m, prev) {
  const mine = m.sender === S.me.id && !m.hookName;
  const cont = prev && prev.sender === m.sender && prev.hookName === m.hookName &&
    m.created - prev.created < GROUP_MS && prev.created.toDateString() === m.created.toDateString();
  const li = el('li', {className: 'msg' + (cont ? ' cont' : '') + (mine ? ' mine' : '') +
    (m.pending ? ' pending' : '') + (m.failed ? ' failed' : '') +
    (!mine && mentions(m.text, S.me.username) ? ' mentions-me' : ''), dataset: {id: m.id}, tabIndex: -1});
  const t = el('time', {dateTime: m.created.toISOString()}, relTime(m.created));
  // A webhook's post may take any name, so it always says it came
  // through a hook: it must never pass for a person.
  li.append(el('div', {className: cont ? 'msg-head visually-hidden' : 'msg-head'},
    el('span', {className: 'author', dir: 'auto'}, author(m)),
    m.hookName ? el('span', {className: 'tag bot', title: 'Posted by an incoming webhook, not by a person'}, 'via hook') : null, ' ', t));
  if (editing === m.id) {
    const d = editDraft;
    const ta = el('textarea', {className: 'edit-input', dir: 'auto', value: d.text, 'aria-label': 'Edit message',
      maxLength: 10000, onkeydown: (e) => editKey(e, m), oninput: () => { d.text = ta.value; grow(ta); }});
    li.append(ta, el('p', {className: 'hint'}, 'Enter to save, Esc to cancel'));
    // The box is in the page once the caller has put the item there.
    queueMicrotask(() => {
      grow(ta);
      if (!d.focus) return;
      ta.focus({preventScroll: true});
      ta.setSelectionRange(d.start, d.end);
    });
  } else {
    li.append(el('div', {className: 'body', dir: 'auto'}, renderText(m.text, S.me.username)));
    if (m.edited) li.append(el('span', {className: 'edited', dataset: {when: m.edited.toISOString()}}, '(edited)'));
  }
  if (m.failed) li.append(el('span', {className: 'error inline'}, m.failed + ' ',
    el('button', {type: 'button', className: 'link-button', onclick: () => retry(m)}, 'Retry')));
  const canDelete = mine || S.me.admin || (S.cur.kind === 'room' && S.mine.get(S.cur.id)?.role === 'owner');
  if (!m.pending && !m.failed && (mine || canDelete) && editing !== m.id) {
    li.append(el('div', {className: 'actions'},
      mine ? el('button', {type: 'button', onclick: () => startEdit(m.id)}, 'Edit') : null,
      canDelete ? el('button', {type: 'button', onclick: () => removeMessage(m)}, 'Delete') : null));
  }
  return li;
}

// nodesFor builds the list items for msgs[from..], with day separators
// and the "new" divider.
export function nodesFor(from, to = S.msgs.length) {
  const out = [];
  for (let i = from; i < to; i++) {
    const m = S.msgs[i];
    const prev = S.msgs[i - 1];
    if (!prev || prev.created.toDateString() !== m.created.toDateString()) {
      out.push(el('li', {className: 'day', role: 'separator'}, el('span', {}, dayLabel(m.created))));
    }
    if (S.newerThan && m.id > S.newerThan && (!prev || prev.id <= S.newerThan) && m.sender !== S.me.id) {
      out.push(el('li', {className: 'new-divider', role: 'separator', 'aria-label': 'New messages'}, el('span', {}, 'New')));
    }
    out.push(msgNode(m, prev));
  }
  return out;
}

// renderAll rebuilds the whole list. Screen readers may read a rebuilt
// log again, so the common changes (a message sent, edited or deleted)
// use redraw and dropMessage instead.
export function renderAll() {
  saveEditBox();
  keepScroll(() => $('messages').replaceChildren(...nodesFor(0)));
  renderHistoryState();
}

function renderHistoryState() {
  $('history-state').textContent = S.noMore ? (S.msgs.length ? 'This is the beginning of the conversation.' : 'No messages yet. Say hello!') : '';
}

// keepScroll runs a change of the list without moving what is at the
// bottom of the view.
function keepScroll(change) {
  const sc = $('scroller');
  const fromBottom = sc.scrollHeight - sc.scrollTop;
  change();
  sc.scrollTop = sc.scrollHeight - fromBottom;
}

// saveEditBox notes the edit box's caret and focus before it is rebuilt
// (its text is noted as it is typed), so that msgNode restores them.
function saveEditBox() {
  const ta = editing && $('messages').querySelector(`.msg[data-id="${editing}"] .edit-input`);
  if (!ta) return;
  Object.assign(editDraft, {start: ta.selectionStart, end: ta.selectionEnd, focus: document.activeElement === ta});
}

// itemsOf returns the list items of a message: its own, and the day
// line or "new" divider just before it.
export function itemsOf(id) {
  const li = [...$('messages').children].find(n => n.dataset.id === id);
  if (!li) return [];
  const items = [li];
  for (let p = li.previousElementSibling; p && !p.classList.contains('msg'); p = p.previousElementSibling) items.unshift(p);
  return items;
}

// redraw replaces the list items of one message in place (its text,
// state or neighbour changed); the rest of the log is left alone.
export function redraw(id) {
  const i = S.msgs.findIndex(m => m.id === id);
  const old = itemsOf(id);
  if (i === -1 || !old.length) return renderAll();
  saveEditBox();
  keepScroll(() => {
    old[0].before(...nodesFor(i, i + 1));
    for (const n of old) n.remove();
  });
}

export const atBottom = () => { const sc = $('scroller'); return sc.scrollHeight - sc.scrollTop - sc.clientHeight < 40; };
export function scrollToBottom() { const sc = $('scroller'); sc.scrollTop = sc.scrollHeight; $('jump').hidden = true; }

export function appendMessage(m) {
  const stick = atBottom();
  const idx = S.msgs.findIndex(x => x.id > m.id);
  if (idx !== -1 || S.msgs.some(x => x.pending)) {
    // Out of order, or pending posts at the end: rebuild in id order.
    mergeMessages([m.raw]);
    renderAll();
  } else {
    S.msgs.push(m);
    $('messages').append(...nodesFor(S.msgs.length - 1));
  }
  if (S.msgs.length > MAX_DOM && stick) {
    S.msgs.splice(0, S.msgs.length - PAGE * 2);
    S.noMore = false;
    renderAll();
  }
  if (stick || m.sender === S.me.id) scrollToBottom();
  else $('jump').hidden = false;
}

// ---------- editing and deleting ----------

export function startEdit(id) {
  const m = S.msgs.find(x => x.id === id);
  if (!m) return;
  const was = editing;
  editing = id;
  editDraft = {text: m.text, start: m.text.length, end: m.text.length, focus: true};
  if (was && was !== id) redraw(was);
  redraw(id);
  // After msgNode has grown the box.
  queueMicrotask(() => $('messages').querySelector('.edit-input')?.scrollIntoView({block: 'nearest'}));
}

export function stopEdit() {
  const id = editing;
  editing = null;
  editDraft = null;
  return id;
}

async function editKey(e, m) {
  if (e.key === 'Escape') {
    e.preventDefault();
    redraw(stopEdit());
    $('composer-input').focus();
  } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    const text = e.target.value;
    if (!text.trim()) return;
    try {
      const upd = await api.patch('/api/messages/' + m.id, {text});
      if (editing === m.id) stopEdit();
      replaceMessage(upd);
      $('composer-input').focus();
    } catch (ex) {
      $('composer-error').textContent = ex.message;
      $('composer-error').hidden = false;
    }
  }
}

export function replaceMessage(raw) {
  const m = norm(raw);
  const i = S.msgs.findIndex(x => x.id === m.id);
  if (i === -1) return;
  S.msgs[i] = m;
  redraw(m.id);
}

function removeMessage(m) {
  dialog({title: 'Delete this message?', body: el('p', {className: 'quote', dir: 'auto'}, m.text.slice(0, 300)),
    ok: 'Delete', cancel: 'Keep it', onOk: async () => {
      await api.del('/api/messages/' + m.id);
      dropMessage(m.id);
    }});
}

// dropMessage removes a message's items; the next message is drawn
// again, as it may now need its own header, day line or "new" divider.
export function dropMessage(id) {
  const i = S.msgs.findIndex(x => x.id === id);
  if (i === -1) return;
  S.msgs.splice(i, 1);
  if (editing === id) stopEdit();
  const old = itemsOf(id);
  if (!old.length) return renderAll();
  keepScroll(() => { for (const n of old) n.remove(); });
  if (S.msgs[i]) redraw(S.msgs[i].id);
  renderHistoryState();
}

// Absolute times show on hover or focus; they are made then, which keeps
// the date formatting out of the first render.
for (const type of ['mouseover', 'focusin']) {
  $('messages').addEventListener(type, (e) => {
    const li = e.target.closest('.msg');
    if (!li) return;
    for (const t of li.querySelectorAll('time:not([title])')) t.title = new Date(t.dateTime).toLocaleString();
    for (const x of li.querySelectorAll('.edited:not([title])')) x.title = 'Edited ' + new Date(x.dataset.when).toLocaleString();
  });
}

// Relative times age.
setInterval(() => {
  for (const t of document.querySelectorAll('#messages time')) t.textContent = relTime(new Date(t.dateTime));
}, 60000);
