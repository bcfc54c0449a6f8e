// The message list of the open conversation: drawing it (avatars and one
// header per run of a sender's messages, day lines, the "new" divider),
// keeping the view still while it changes, moving through it by
// keyboard, and editing and deleting messages in it (and their link
// previews). Opening a conversation and loading its history is conv.js's;
// the message menu (long-press, Shift+F10) is msgmenu.js's; reactions
// and their picker are reactions.js's, threads threadsum.js's and
// threads.js's (through cards.js).
//
// The list is one Tab stop: one message has tabindex 0 (the newest, or the
// one last focused); ↑/↓, Home and End move between messages. Links and
// buttons in a message join the tab order while the focus is in it, so
// that Tab goes from a message to its actions and then out of the list.

import * as api from './api.js';
import {renderText, mentions, el, icon} from './render.js';
import {dialog, relTime, clock, fullTime, dayLabel, grow} from './ui.js';
import {S, $, PAGE, norm, author, gist} from './state.js';
import {cardsOf, filesOf, previewOf, reactionsOf, react, threadOf, openThread, textOf, senderTag} from './cards.js';
import {avatar} from './avatars.js';
import {who} from './profiles.js';

export const MAX_DOM = 600; // messages kept in the view before old ones go
const GROUP_MS = 5 * 60 * 1000;

let editing = null;       // id of the message being edited
let editDraft = null;     // its edit box: {text, start, end, focus}, kept across re-renders
let current = '';         // id of the message that is the list's Tab stop
let pinned = false;       // the user chose it (see setTabStop)
let found = '';           // id of the message a search result opened, highlighted for a moment
let foundTimer = 0;

// A failed post's Retry button hands the message back to the outbox,
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

export const msgLi = (id) => id ? $('messages').querySelector(`:scope > .msg[data-id="${CSS.escape(id)}"]`) : null;

// refocus gives the focus to the button of message id whose data-key is
// key (a reaction, an action), as drawn now, or else to the message.
export function refocus(id, key) {
  const li = msgLi(id);
  const x = key && li?.querySelector(`[data-key="${CSS.escape(key)}"]`);
  (x || li)?.focus({preventScroll: true});
}

// mayDelete says whether the user may delete m: their own, or as an
// administrator or the room's owner.
export function mayDelete(m) {
  return (m.sender === S.me.id && !m.hookName) || S.me.admin ||
    (S.cur.kind === 'room' && S.mine.get(S.cur.id)?.role === 'owner');
}

// msgNode draws one message. A run of one sender's messages within five
// minutes shares the first one's header; the others show their time in
// the margin on hover or focus. After a day line or the "new" divider
// (line), a message always has its own header.
function msgNode(m, prev, line) {
  const mine = m.sender === S.me.id && !m.hookName;
  const cont = !line && prev && prev.sender === m.sender && prev.hookName === m.hookName &&
    m.created - prev.created < GROUP_MS && prev.created.toDateString() === m.created.toDateString();
  const li = el('li', {className: 'msg' + (cont ? ' cont' : '') + (mine ? ' mine' : '') +
    (m.pending ? ' pending' : '') + (m.failed ? ' failed' : '') + (m.id === found ? ' found' : '') +
    (!mine && mentions(m.text, S.me.username) ? ' mentions-me' : ''), dataset: {id: m.id}, tabIndex: m.id === current ? 0 : -1});
  const name = author(m);
  const iso = m.created.toISOString();
  li.append(cont ? el('time', {className: 'side-time', dateTime: iso, 'aria-hidden': 'true'}, clock(m.created))
    : avatar(m.hookName ? '' : m.sender, m.hookName ? name : S.names.get(m.sender) || name));
  // A bot's post says so, and a webhook's, which may take any name, says
  // it came through a hook: neither may pass for a person (cards.js).
  // A person's display name (with the @username) and status; a
  // webhook's post, the name it posted under.
  li.append(el('div', {className: cont ? 'msg-head visually-hidden' : 'msg-head'},
    m.hookName ? el('span', {className: 'author', dir: 'auto'}, name) : who(m.sender, S.names.get(m.sender), 'author'), senderTag(m),
    ' ', el('time', {dateTime: iso}, relTime(m.created))));
  const stored = !m.pending && !m.failed;
  if (stored && m.raw?.thread) li.append(threadOf(m, keepView));
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
    // A message with cards shows them, and of its text only what the
    // cards do not say; one with files shows them (and no empty text);
    // one whose link the server previewed, the preview, which its sender
    // may remove.
    const text = textOf(m);
    li.append(...[text && el('div', {className: 'body', dir: 'auto'}, renderText(text, S.me.username)), cardsOf(m),
      filesOf(m, keepView), previewOf(m, mayRemovePreview(m) && (() => removePreview(m)), keepView)].filter(Boolean));
    if (m.edited) li.append(el('span', {className: 'edited', dataset: {when: m.edited.toISOString()}}, '(edited)'));
  }
  const reactions = stored && reactionsOf(m, keepView);
  if (reactions) li.append(reactions);
  const replies = stored && !m.raw?.thread && threadOf(m, keepView);
  if (replies) li.append(replies);
  if (m.failed) li.append(el('span', {className: 'error inline'}, m.failed + ' ',
    el('button', {type: 'button', className: 'link-button', onclick: () => retry(m)}, 'Retry')));
  // Anyone who reads a stored message may react to it and reply to it.
  if (stored && editing !== m.id) {
    li.append(el('div', {className: 'actions'},
      el('button', {type: 'button', className: 'icon-button', 'aria-label': 'Add reaction', title: 'Add reaction',
        dataset: {key: 'react'}, onclick: (e) => react(m.id, e.currentTarget)}, icon('react')),
      el('button', {type: 'button', className: 'icon-button', 'aria-label': 'Reply in thread', title: 'Reply in thread',
        dataset: {key: 'thread'}, onclick: (e) => openThread(api.oid(m.raw?.thread) || m.id, e.currentTarget)}, icon('thread')),
      mine ? el('button', {type: 'button', onclick: () => startEdit(m.id)}, 'Edit') : null,
      mayDelete(m) ? el('button', {type: 'button', onclick: () => removeMessage(m)}, 'Delete') : null));
  }
  // A failed message's Retry stays in the tab order: it wants attention.
  if (!m.failed) for (const x of li.querySelectorAll('a, button')) x.tabIndex = -1;
  return li;
}

// nodesFor builds the list items for msgs[from..], with day separators
// and the "new" divider: before the first message after the read marker
// the room was opened with that is not one's own.
export function nodesFor(from, to = S.msgs.length) {
  const out = [];
  const firstNew = S.newerThan && S.msgs.find(m => m.id > S.newerThan && (m.sender !== S.me.id || m.hookName));
  for (let i = from; i < to; i++) {
    const m = S.msgs[i];
    const prev = S.msgs[i - 1];
    let line = false;
    if (!prev || prev.created.toDateString() !== m.created.toDateString()) {
      out.push(el('li', {className: 'day'}, el('span', {}, dayLabel(m.created))));
      line = true;
    }
    if (m === firstNew) {
      out.push(el('li', {className: 'new-divider', 'aria-label': 'New messages'}, el('span', {}, 'New')));
      line = true;
    }
    out.push(msgNode(m, prev, line));
  }
  return out;
}

// renderAll rebuilds the whole list. Screen readers may read a rebuilt
// log again, so the common changes (a message sent, edited or deleted)
// use redraw and dropMessage instead.
export function renderAll() {
  saveEditBox();
  keepView(() => $('messages').replaceChildren(...nodesFor(0)));
  renderHistoryState();
}

function renderHistoryState() {
  $('history-state').textContent = S.noMore ? (S.msgs.length ? 'This is the beginning of the conversation.' : 'No messages yet. Say hello!') : '';
}

// keepView runs a change of the list without moving what the user sees:
// at the bottom it stays at the bottom; otherwise the first message in
// view stays where it is (older or newer pages, redraws above or below).
// A message that had the focus, or one of whose buttons had it, has it
// again (the edit box restores its own).
function keepView(change) {
  const sc = $('scroller');
  const f = document.activeElement;
  const inMsg = f?.closest('#messages > .msg');
  const focused = inMsg && !f.matches('.edit-input') ? {id: inMsg.dataset.id, key: f.dataset.key || ''} : null;
  const bottom = atBottom();
  const top = sc.getBoundingClientRect().top;
  const anchor = bottom ? null : [...$('messages').children].find(n => n.dataset.id && n.getBoundingClientRect().bottom > top);
  const was = anchor ? anchor.getBoundingClientRect().top : 0;
  const fromBottom = sc.scrollHeight - sc.scrollTop;
  change();
  if (focused && document.activeElement === document.body) refocus(focused.id, focused.key);
  const now = anchor && msgLi(anchor.dataset.id);
  if (bottom) sc.scrollTop = sc.scrollHeight;
  else if (now) sc.scrollTop += now.getBoundingClientRect().top - was;
  else sc.scrollTop = sc.scrollHeight - fromBottom;
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
  keepView(() => {
    old[0].before(...nodesFor(i, i + 1));
    for (const n of old) n.remove();
  });
}

export const atBottom = () => { const sc = $('scroller'); return sc.scrollHeight - sc.scrollTop - sc.clientHeight < 40; };
export function scrollToBottom() { const sc = $('scroller'); sc.scrollTop = sc.scrollHeight; $('jump').hidden = !S.gap; }

export function appendMessage(m) {
  // The newest messages are not loaded (the view was opened further
  // back): this one comes with them, as one scrolls down or jumps.
  if (S.gap) { $('jump').hidden = false; return; }
  const stick = atBottom();
  const idx = S.msgs.findIndex(x => x.id > m.id);
  if (idx !== -1 || S.msgs.some(x => x.pending)) {
    // Out of order, or pending posts at the end: rebuild in id order.
    mergeMessages([m.raw]);
    renderAll();
  } else {
    S.msgs.push(m);
    $('messages').append(...nodesFor(S.msgs.length - 1));
    if (S.msgs.length === 1) renderHistoryState(); // no longer "No messages yet"
  }
  if (S.msgs.length > MAX_DOM && stick) {
    S.msgs.splice(0, S.msgs.length - PAGE * 2);
    S.noMore = false;
    renderAll();
  }
  if (stick || m.sender === S.me.id) scrollToBottom();
  else $('jump').hidden = false;
}

// ---------- the keyboard: one Tab stop, arrows between messages ----------

// setTabStop makes the message id the list's Tab stop, now and when the
// list is drawn again. A stop the user chose (by focusing a message, or
// the first unread or a found message) stays; otherwise the stop follows
// the newest message.
export function setTabStop(id, chosen = true) {
  pinned = chosen && Boolean(id);
  if (current === id) return;
  const old = msgLi(current);
  if (old) old.tabIndex = -1;
  current = id;
  const li = msgLi(id);
  if (li) li.tabIndex = 0;
}

// keepTabStop gives the list its Tab stop after each change.
function keepTabStop() {
  const all = $('messages').querySelectorAll(':scope > .msg');
  const li = (pinned && msgLi(current)) || all[all.length - 1];
  if (li && li.tabIndex !== 0) setTabStop(li.dataset.id, pinned);
}
new MutationObserver(keepTabStop).observe($('messages'), {childList: true});

export function focusMessage(li) {
  li.focus({preventScroll: true});
  li.scrollIntoView({block: 'nearest'});
}

$('messages').addEventListener('focusin', (e) => {
  const li = e.target.closest('#messages > .msg');
  if (!li) return;
  setTabStop(li.dataset.id);
  for (const x of li.querySelectorAll('a, button')) x.tabIndex = 0;
});
$('messages').addEventListener('focusout', (e) => {
  const li = e.target.closest('#messages > .msg');
  if (!li || li.contains(e.relatedTarget) || li.classList.contains('failed')) return;
  for (const x of li.querySelectorAll('a, button')) x.tabIndex = -1;
});
$('messages').addEventListener('keydown', (e) => {
  if (!e.target.matches('#messages > .msg') || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const all = [...$('messages').querySelectorAll(':scope > .msg')];
  const i = all.indexOf(e.target);
  const moves = {ArrowUp: all[i - 1], ArrowDown: all[i + 1], Home: all[0], End: all.at(-1)};
  if (!(e.key in moves)) return;
  e.preventDefault();
  const to = moves[e.key];
  if (to && to !== e.target) focusMessage(to);
  // At an end of what is loaded: scrolling there loads the next page.
  else if (e.key === 'ArrowUp' || e.key === 'Home') $('scroller').scrollTop = 0;
  else $('scroller').scrollTop = $('scroller').scrollHeight;
});

// highlight marks a message a search result opened, for a few seconds.
export function highlight(id) {
  clearTimeout(foundTimer);
  found = id;
  msgLi(id)?.classList.add('found');
  foundTimer = setTimeout(() => {
    msgLi(found)?.classList.remove('found');
    found = '';
  }, 4000);
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

// mayRemovePreview says whether the user may take m's link preview off:
// its sender alone, once it is stored.
export const mayRemovePreview = (m) => Boolean(m.raw?.preview) && m.sender === S.me.id && !m.hookName && !m.pending && !m.failed;

// removePreview takes m's link preview off, here at once and, through
// the server's message.updated, in every browser. A focus that was in
// the message (on the preview's remove button) stays on the message.
export async function removePreview(m) {
  const li = msgLi(m.id);
  const inside = li && li !== document.activeElement && li.contains(document.activeElement);
  try {
    replaceMessage(await api.del(`/api/messages/${m.id}/preview`));
    if (inside) msgLi(m.id)?.focus({preventScroll: true});
  } catch (ex) {
    $('composer-error').textContent = ex.message;
    $('composer-error').hidden = false;
  }
}

export function replaceMessage(raw) {
  const m = norm(raw);
  const i = S.msgs.findIndex(x => x.id === m.id);
  if (i === -1) return;
  S.msgs[i] = m;
  redraw(m.id);
}

// removeMessage asks, then deletes; the focus goes to the next message
// (or the one before), as the one it was on is gone.
export function removeMessage(m) {
  const d = dialog({title: 'Delete this message?', body: el('p', {className: 'quote', dir: 'auto'}, gist(m).slice(0, 300)),
    ok: 'Delete', cancel: 'Keep it', onOk: async () => {
      await api.del('/api/messages/' + m.id);
      const all = [...$('messages').querySelectorAll(':scope > .msg')];
      const k = all.findIndex(n => n.dataset.id === m.id);
      const near = k === -1 ? null : all[k + 1] || all[k - 1];
      dropMessage(m.id);
      d.close(near || $('composer-input'));
      return false;
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
  keepView(() => { for (const n of old) n.remove(); });
  if (S.msgs[i]) redraw(S.msgs[i].id);
  renderHistoryState();
}

// Full times show on hover or focus; they are made then, which keeps the
// date formatting out of the first render.
for (const type of ['mouseover', 'focusin']) {
  $('messages').addEventListener(type, (e) => {
    const li = e.target.closest('.msg');
    if (!li) return;
    for (const t of li.querySelectorAll('time:not([title])')) t.title = fullTime(new Date(t.dateTime));
    for (const x of li.querySelectorAll('.edited:not([title])')) x.title = 'Edited ' + fullTime(new Date(x.dataset.when));
  });
}

// Relative times age.
setInterval(() => {
  for (const t of document.querySelectorAll('#messages .msg-head time')) t.textContent = relTime(new Date(t.dateTime));
}, 60000);
