// The thread panel (docs/api.md, "Threads"): a thread's root and its
// replies, older ones loading as one scrolls up (or by "Load earlier
// replies"); a box to reply, which may also send the reply to the
// conversation; Follow or Unfollow; and, from the sidebar's Threads
// entry, the list of the threads the user follows, those with the newest
// replies first. The panel sits beside the conversation on a wide screen,
// which stays usable; on a phone it covers the page, and the rest of it
// is inert until Back. The focus goes into it when it opens and back
// where it was when it closes; Esc closes it.
//
// Replies go through the outbox (outbox.js) like other messages: shown at
// once as pending, kept across a reload, sent once; a refusal shows the
// server's reason on the reply's line. The panel follows the stream's
// events itself ('makechat:stream': after the outbox has settled its
// own); S.threads, behind the sidebar's badge, is threadsum.js's. Opening a
// thread one follows marks it read, in every browser of the user.
//
// This module is not part of the first load: cards.js imports it the
// first time a thread or the list of threads is opened. threadparts.js
// draws its messages and the list's items; threadsum.js, which it loads,
// brings threads.css.

import * as api from './api.js';
import {el, icon} from './render.js';
import {dialog, count, grow} from './ui.js';
import {S, $, PAGE, convOf, convName, norm, gist} from './state.js';
import {refocus} from './messages.js';
import {renderSidebar, loadThreads} from './rooms.js';
import {say} from './msgmenu.js';
import {send, pendingIn, retry, discard} from './outbox.js';
import {follows, header, content, stamp, mayDelete, listThreads, NONE} from './threadparts.js';

const {oid} = api;
const EDGE = 200;               // px from the top at which older replies load

const narrow = () => window.matchMedia('(max-width: 719px)').matches;
const byId = (a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
const isStored = (m) => !m.cid; // the outbox's lines (pending or failed) have a client id

let mode = '';              // '' (closed), 'list' or 'thread'
let root = null;            // the thread's root, as state.js's norm keeps it
let items = [];             // its replies shown, oldest first: stored ones, then the outbox's lines
let view = null;            // the user's view of the thread: {root, following, last_read, unread}
let total = 0;              // how many replies it has, as far as known
let noMore = false;         // the oldest reply is loaded
let loading = false;        // older replies are on their way
let seq = 0;                // counts openings: an answer for an earlier one is dropped
let fromList = false;       // the thread was opened from the list: Back returns there
let back = null;            // what gets the focus when the panel closes: {el, id, key}
let editing = '';           // id of the reply being edited
let enterHandled = false;   // the reply box's Enter sent: no line break after it
const drafts = new Map();   // root id -> the reply being written there

// ---------- the panel ----------

const input = el('textarea', {id: 'thread-input', rows: 1, dir: 'auto', maxLength: 10000, placeholder: 'Reply…',
  onkeydown: inputKey, onkeyup: () => { enterHandled = false; }, oninput: () => grow(input),
  onbeforeinput: (e) => {
    if (enterHandled && (e.inputType === 'insertLineBreak' || e.inputType === 'insertParagraph')) e.preventDefault();
  }});
const also = el('input', {type: 'checkbox', id: 'thread-also'});
const panel = el('dialog', {id: 'thread-panel', className: 'thread-panel', 'aria-labelledby': 'thread-title',
  // A close the panel did not make (a phone's Back gesture) closes it.
  onclose: () => { if (mode && !panel.open) close(); }, onkeydown: (e) => { if (e.key === 'Escape' && !e.defaultPrevented) { e.preventDefault(); close(); } }},
  el('header', {className: 'thread-head'},
    el('button', {type: 'button', id: 'thread-back', className: 'thread-back', onclick: goBack}, icon('back'), el('span', {id: 'thread-back-text'}, 'Back')),
    el('div', {className: 'thread-heading'}, el('h2', {id: 'thread-title', tabIndex: -1}, 'Thread'),
      el('p', {id: 'thread-where', className: 'muted', dir: 'auto'})),
    el('button', {type: 'button', id: 'thread-follow', className: 'chip', hidden: true, onclick: toggleFollow}),
    el('button', {type: 'button', id: 'thread-close', className: 'icon-button', 'aria-label': 'Close', title: 'Close (Esc)',
      onclick: () => close()}, icon('close'))),
  el('div', {id: 'thread-scroller', className: 'thread-scroller', tabIndex: 0,
    onscroll: (e) => { if (e.target.scrollTop < EDGE) loadEarlier(); }},
    el('div', {id: 'thread-root', className: 'thread-root'}),
    el('p', {id: 'thread-count', className: 'thread-count'}),
    el('button', {type: 'button', id: 'thread-more', className: 'link-button', hidden: true, onclick: loadEarlier}, 'Load earlier replies'),
    el('p', {id: 'thread-state', className: 'thread-state', role: 'status'}),
    el('div', {className: 'log thread-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Replies'},
      el('ol', {id: 'thread-replies', className: 'messages'})),
    el('ul', {id: 'thread-list', className: 'thread-list', 'aria-label': 'Threads you follow'})),
  el('form', {id: 'thread-composer', className: 'thread-composer', onsubmit: submit},
    el('label', {htmlFor: 'thread-input', className: 'visually-hidden'}, 'Reply'),
    el('div', {className: 'thread-row'}, input,
      el('button', {type: 'submit', className: 'primary send', 'aria-label': 'Send reply', title: 'Send reply'}, icon('send'))),
    el('div', {className: 'check'}, also, el('label', {htmlFor: 'thread-also', id: 'thread-also-label'}, 'Also send to the conversation'))),
  el('p', {id: 'thread-error', className: 'error inline', role: 'alert', hidden: true}),
  el('p', {id: 'thread-note', className: 'visually-hidden', role: 'status'}));
$('app').append(panel);

// show opens the panel, if it is closed; from gets the focus back when
// it closes (or, drawn again meanwhile, its message: messages.js).
function show(from) {
  if (!mode) {
    back = from ? {el: from, id: from.closest?.('#messages > .msg')?.dataset.id || '', key: from.dataset?.key || ''} : null;
    $('app').classList.add('thread-open');
    place();
  }
  saveDraft();
}

// place opens the panel beside the conversation on a wide screen (a
// dialog that is not modal), or over the whole page on a phone (a modal
// one: the rest of the page is inert, as the browser keeps it). A screen
// turned across the width between the two moves it.
function place() {
  if (panel.open && panel.matches(':modal') === narrow()) return;
  const f = document.activeElement;
  if (panel.open) panel.close();
  panel[narrow() ? 'showModal' : 'show']();
  if (panel.contains(f)) f.focus({preventScroll: true});
}
window.matchMedia('(max-width: 719px)').addEventListener('change', () => { if (mode) place(); });

// close closes the panel; notice, if any, says why (the toast).
export function close(notice = '') {
  if (!mode) return;
  saveDraft();
  mode = '';
  S.thread = '';
  seq++;
  root = null;
  items = [];
  editing = '';
  panel.close();
  $('app').classList.remove('thread-open');
  const b = back;
  back = null;
  if (b?.el?.isConnected && b.el.checkVisibility?.({visibilityProperty: true}) !== false) b.el.focus({preventScroll: true});
  else if (b?.id) refocus(b.id, b.key);
  // (What had the focus in the panel keeps it until the browser notices.)
  if (!document.activeElement || document.activeElement === document.body || panel.contains(document.activeElement)) {
    (narrow() ? $('open-drawer') : !$('composer').hidden ? $('composer-input') : $('room-title')).focus({preventScroll: true});
  }
  if (notice) say(notice, 5000);
}

function goBack() {
  if (mode === 'thread' && fromList) openThreads(null, S.thread);
  else close();
}

// focusIn gives the focus to the panel: to the reply box on a wide screen
// (on a phone the keyboard would cover the thread), else the heading; in
// the list, to the thread key if it is there.
function focusIn(key = '') {
  const x = key && $('thread-list').querySelector(`[data-key="${CSS.escape(key)}"]`);
  (x || (mode === 'thread' && !narrow() ? input : $('thread-title'))).focus({preventScroll: true});
}

function setMode(m) {
  mode = m;
  panel.dataset.mode = m;
  panel.dataset.back = m === 'thread' && fromList ? 'list' : '';
  $('thread-back-text').textContent = m === 'thread' && fromList ? 'All threads' : 'Back';
}

const setState = (text) => { $('thread-state').textContent = text; };
function showError(text) {
  $('thread-error').textContent = text;
  $('thread-error').hidden = !text;
}
const note = (text) => { $('thread-note').textContent = text; }; // for screen readers

function saveDraft() {
  if (mode !== 'thread' || !S.thread) return;
  if (input.value.trim()) drafts.set(S.thread, input.value);
  else drafts.delete(S.thread);
}

// ---------- a thread ----------

// openThread shows the thread of id (its root); from gets the focus back
// when the panel closes. From the list (list), Back returns to it.
export async function openThread(id, from, {list = false} = {}) {
  show(from);
  fromList = list;
  const my = ++seq;
  S.thread = id;
  setMode('thread');
  $('thread-title').textContent = 'Thread';
  editing = '';
  const known = S.msgs.find(m => m.id === id && m.raw)?.raw || S.threads.get(id)?.root;
  root = known ? norm(known) : null;
  view = S.threads.get(id) || null;
  total = known?.replies?.count || 0;
  items = pendingIn(id);
  noMore = false;
  input.value = drafts.get(id) || '';
  grow(input);
  also.checked = false;
  showError('');
  setState('Loading…');
  drawHead();
  drawAll();
  focusIn();
  try {
    const [v, page] = await Promise.all([api.get('/api/threads/' + id), api.get(`/api/messages?thread=${id}&limit=${PAGE}`)]);
    if (my !== seq) return;
    root = norm(v.root);
    S.thread = root.id;
    if (v.following || S.threads.has(root.id)) S.threads.set(root.id, v);
    view = v;
    total = v.root.replies?.count || 0;
    noMore = page.length < PAGE;
    merge(page);
    setState('');
    drawHead();
    drawAll();
    toBottom();
    markRead();
  } catch (ex) {
    if (my === seq) setState(ex.status === 404 ? 'This thread is gone: its first message was deleted.' : ex.message);
  }
}

function merge(list) {
  const have = new Set(items.map(m => m.id));
  for (const raw of list) {
    const m = norm(raw);
    if (!have.has(m.id)) { items.push(m); have.add(m.id); }
  }
  items.sort(byId);
}

// drawHead draws where the thread is, the Follow button, the root and
// the label of "Also send to…".
function drawHead() {
  const c = root && convOf(root.raw);
  $('thread-where').textContent = !c ? '' : c.kind === 'room' ? 'in ' + where(root) : 'with ' + convName(c);
  $('thread-also-label').textContent = 'Also send to ' + where(root);
  drawFollow();
  $('thread-root').replaceChildren(...root ? [el('div', {className: 'msg'}, ...header(root, false), ...content(root))] : []);
}

// where names the conversation of the thread of root r: "#general", or
// "the conversation" (a direct one).
const where = (r) => (c => c?.kind === 'room' ? '#' + convName(c) : 'the conversation')(r && convOf(r.raw));

function drawFollow() {
  const b = $('thread-follow');
  b.hidden = !view;
  if (!view) return;
  b.textContent = view.following ? 'Unfollow' : 'Follow';
  b.title = view.following ? 'Stop following: new replies no longer count as unread in Threads' : 'Follow: new replies count as unread in Threads';
}

async function toggleFollow() {
  try {
    view = await api.patch('/api/threads/' + S.thread, {following: !view.following});
    S.threads.set(oid(view.root._id), view);
    renderSidebar();
    drawFollow();
    note(view.following ? 'You follow this thread.' : 'You no longer follow this thread.');
    markRead();
  } catch (ex) {
    showError(ex.message);
  }
}

// markRead moves the read marker of a followed thread to its newest
// reply (the server tells the user's other browsers). One that does not
// follow it keeps no marker: a marker would stop it from following the
// thread by itself later.
function markRead() {
  if (mode !== 'thread' || !view?.following || document.visibilityState !== 'visible') return;
  const last = items.filter(isStored).at(-1)?.id;
  if (!last || oid(view.last_read) >= last) return;
  view.last_read = {$oid: last};
  view.unread = 0;
  const t = S.threads.get(S.thread);
  if (t) { t.last_read = view.last_read; t.unread = 0; }
  renderSidebar();
  api.patch('/api/threads/' + S.thread, {last_read: last}).catch(() => { /* the next one moves it */ });
}
document.addEventListener('visibilitychange', markRead);

// ---------- replies ----------

// replyNode draws reply m, which follows prev: as in the conversation, a
// run of one sender's replies shares one header. The outbox's lines say
// why they wait, or the server's reason for refusing them.
function replyNode(m, prev) {
  const cont = follows(m, prev);
  const li = el('li', {className: 'msg' + (cont ? ' cont' : '') + (m.pending ? ' pending' : '') + (m.failed ? ' failed' : ''),
    dataset: {id: m.id}, tabIndex: -1}, ...header(m, cont));
  if (editing === m.id) {
    const ta = el('textarea', {className: 'edit-input', dir: 'auto', value: m.text, 'aria-label': 'Edit reply', maxLength: 10000,
      onkeydown: (e) => editKey(e, m), oninput: () => grow(ta)});
    li.append(ta, el('p', {className: 'hint'}, 'Enter to save, Esc to cancel'));
    queueMicrotask(() => { grow(ta); ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); });
    return li;
  }
  li.append(...content(m));
  if (m.raw?.in_room) li.append(el('p', {className: 'thread-sent muted'}, 'Also sent to ' + where(root)));
  if (m.failed) {
    li.append(el('p', {className: 'error inline'}, m.failed, ' ',
      el('button', {type: 'button', className: 'link-button', onclick: () => retry(m)}, 'Retry'), ' ',
      el('button', {type: 'button', className: 'link-button', onclick: () => discard(m.cid)}, 'Discard')));
  }
  const mine = m.sender === S.me.id && !m.hookName;
  if (isStored(m) && (mine || mayDelete(m))) {
    li.append(el('div', {className: 'actions'},
      mine ? el('button', {type: 'button', onclick: () => startEdit(m.id)}, 'Edit') : null,
      mayDelete(m) ? el('button', {type: 'button', onclick: () => removeReply(m)}, 'Delete') : null));
  }
  return li;
}

const replyLi = (id) => $('thread-replies').querySelector(`:scope > li[data-id="${CSS.escape(id)}"]`);

// drawAll draws the replies anew (a page of older ones, a deletion); a
// reply that had the focus has it again.
function drawAll() {
  const ol = $('thread-replies');
  const f = document.activeElement;
  const had = ol.contains(f) && !f.matches('.edit-input') ? f.closest('li')?.dataset.id : '';
  ol.replaceChildren(...items.map((m, i) => replyNode(m, items[i - 1])));
  if (had) replyLi(had)?.focus({preventScroll: true});
  drawCount();
}

// redrawOne draws reply m again in its place (its text or state changed).
function redrawOne(m) {
  const i = items.indexOf(m);
  const li = replyLi(m.id);
  if (i === -1 || !li) return drawAll();
  const inside = li.contains(document.activeElement);
  const now = replyNode(m, items[i - 1]);
  li.replaceWith(now);
  if (inside && editing !== m.id) now.focus({preventScroll: true});
}

// add shows a reply that has just come (the stream's, or one's own
// stored): at the end, as usual, or in id order.
function add(raw, line = null) {
  const m = norm(raw);
  const at = line ? items.indexOf(line) : -1;
  if (items.some(x => x.id === m.id)) {
    if (at !== -1) { items.splice(at, 1); replyLi(line.id)?.remove(); }
    return;
  }
  total++;
  const stick = atBottom();
  const prev = items.filter(isStored).at(-1);
  if (at !== -1 && (!prev || prev.id < m.id) && items.slice(at + 1).every(x => !isStored(x))) {
    // One's own line becomes the reply, where it is.
    items[at] = m;
    const li = replyLi(line.id);
    if (li) li.dataset.id = m.id;
    redrawOne(m);
    if (items[at + 1]) redrawOne(items[at + 1]);
  } else if (at === -1 && (!prev || prev.id < m.id) && items.every(isStored)) {
    items.push(m);
    $('thread-replies').append(replyNode(m, items.at(-2)));
  } else {
    if (at !== -1) items.splice(at, 1);
    merge([raw]);
    drawAll();
  }
  drawCount();
  if (stick) toBottom();
  markRead();
}

// drop takes a reply out (deleted, or a line discarded); the focus, if
// it was on it, goes to the next one (or the one before), and it returns
// that. A stored reply's neighbours may need a header: all are drawn anew.
function drop(id) {
  const i = items.findIndex(x => x.id === id);
  if (i === -1) return null;
  const li = replyLi(id);
  const near = li && (li.nextElementSibling || li.previousElementSibling)?.dataset.id;
  const inside = li?.contains(document.activeElement);
  if (isStored(items[i])) total = Math.max(0, total - 1);
  items.splice(i, 1);
  if (editing === id) editing = '';
  drawAll();
  const to = (near && replyLi(near)) || input;
  if (inside) to.focus({preventScroll: true});
  return to;
}

function drawCount() {
  const n = noMore ? items.filter(isStored).length : Math.max(total, items.filter(isStored).length);
  $('thread-count').textContent = n ? count(n, 'reply', 'replies') : noMore ? 'No replies yet' : '';
  $('thread-more').hidden = noMore || mode !== 'thread' || !items.some(isStored);
}

const atBottom = () => { const sc = $('thread-scroller'); return sc.scrollHeight - sc.scrollTop - sc.clientHeight < 40; };
const toBottom = () => { const sc = $('thread-scroller'); sc.scrollTop = sc.scrollHeight; };

// loadEarlier loads the page of replies before the oldest shown, without
// moving what is in view.
async function loadEarlier() {
  const first = items.find(isStored);
  if (loading || noMore || mode !== 'thread' || !first) return;
  loading = true;
  const my = seq;
  const onButton = document.activeElement === $('thread-more');
  setState('Loading earlier replies…');
  try {
    const page = await api.get(`/api/messages?thread=${S.thread}&limit=${PAGE}&before=${first.id}`);
    if (my !== seq) return;
    const sc = $('thread-scroller');
    const fromBottom = sc.scrollHeight - sc.scrollTop;
    noMore = page.length < PAGE;
    merge(page);
    drawAll();
    sc.scrollTop = sc.scrollHeight - fromBottom;
    setState('');
    if (onButton && $('thread-more').hidden) replyLi(first.id)?.focus({preventScroll: true});
  } catch (ex) {
    if (my === seq) setState(ex.message);
  } finally {
    loading = false;
  }
}

// ---------- replying, editing, deleting ----------

function submit(e) {
  e.preventDefault();
  const text = input.value.trim();
  if (!text || !root || mode !== 'thread') return;
  showError('');
  send(convOf(root.raw), text, [], {thread: root.id, inRoom: also.checked});
  input.value = '';
  grow(input);
  also.checked = false;
  drafts.delete(root.id);
}

function inputKey(e) {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    enterHandled = true;
    $('thread-composer').requestSubmit();
  } else if (e.key === 'ArrowUp' && input.value === '') {
    const last = items.filter(m => isStored(m) && m.sender === S.me.id && !m.hookName).at(-1);
    if (last) { e.preventDefault(); startEdit(last.id); }
  }
}

function startEdit(id) {
  const was = editing;
  editing = id;
  const old = was && was !== id && items.find(x => x.id === was);
  if (old) redrawOne(old);
  const m = items.find(x => x.id === id);
  if (m) redrawOne(m);
}

async function editKey(e, m) {
  if (e.key === 'Escape') {
    e.preventDefault();
    e.stopPropagation(); // the edit ends, not the panel
    editing = '';
    redrawOne(m);
    replyLi(m.id)?.focus();
  } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    const text = e.target.value;
    if (!text.trim()) return;
    try {
      changed(await api.patch('/api/messages/' + m.id, {text}), true);
    } catch (ex) {
      showError(ex.message);
    }
  }
}

// changed draws a reply as the server has it now; done ends its edit.
function changed(raw, done = false) {
  const m = norm(raw);
  const i = items.findIndex(x => x.id === m.id);
  if (i === -1) return;
  if (done && editing === m.id) editing = '';
  // An edit being made keeps its box: the change shows once it is saved.
  if (editing === m.id) return;
  items[i] = m;
  redrawOne(m);
  if (done) replyLi(m.id)?.focus();
}

function removeReply(m) {
  const d = dialog({title: 'Delete this reply?', body: el('p', {className: 'quote', dir: 'auto'}, gist(m).slice(0, 300)),
    ok: 'Delete', cancel: 'Keep it', onOk: async () => {
      await api.del('/api/messages/' + m.id);
      d.close(drop(m.id) || input);
      return false;
    }});
}

// ---------- the list of threads ----------

// openThreads shows the threads the user follows; key names the one to
// focus (the thread Back came from).
export async function openThreads(from, key = '') {
  show(from);
  fromList = false;
  seq++;
  S.thread = '';
  root = null;
  items = [];
  setMode('list');
  $('thread-title').textContent = 'Threads';
  $('thread-where').textContent = 'that you follow';
  showError('');
  drawList();
  focusIn(key);
  const my = seq;
  try {
    await loadThreads();
    if (my === seq) drawList();
  } catch (ex) {
    if (my === seq) setState(ex.message);
  }
}

function drawList() {
  if (mode !== 'list') return;
  const ul = $('thread-list');
  const f = document.activeElement;
  const had = ul.contains(f) ? f.dataset.key : '';
  const n = listThreads(ul, (id) => openThread(id, null, {list: true}));
  setState(n ? '' : NONE);
  if (had) ul.querySelector(`[data-key="${CSS.escape(had)}"]`)?.focus();
}

// ---------- live ----------

document.addEventListener('makechat:threads', drawList); // S.threads changed (threadsum.js)

document.addEventListener('makechat:stream', (e) => {
  const ev = e.detail;
  const d = ev?.data;
  if (mode !== 'thread' || !d) return;
  const id = oid(d._id);
  const mine = oid(d.thread) === S.thread;
  switch (ev.event) {
    case 'message.created': if (mine) add(d); break;
    case 'message.updated':
      if (id === S.thread) { root = norm(d); drawHead(); } else if (mine) changed(d);
      break;
    case 'message.deleted':
      if (id === S.thread) close('The thread was deleted with its first message.');
      else if (mine) drop(id);
      break;
    case 'thread.updated':
      if (oid(d.root._id) === S.thread) { view = d; drawFollow(); }
      break;
    case 'room.deleted':
      if (root && oid(root.raw.room) === id) close('The room of that thread was deleted.');
      break;
  }
});

// The outbox's lines: one's own reply queued, refused, retried,
// discarded or, with raw, stored.
document.addEventListener('makechat:outbox', (e) => {
  const {view: line, raw} = e.detail;
  if (mode !== 'thread' || line.thread !== S.thread) return;
  const i = items.indexOf(line);
  if (raw) return add(raw, line);
  if (!pendingIn(S.thread).includes(line)) {
    if (i !== -1) drop(line.id);
    if (!panel.contains(document.activeElement)) input.focus();
  } else if (i === -1) {
    items.push(line);
    $('thread-replies').append(replyNode(line, items.at(-2)));
    toBottom();
  } else {
    redrawOne(line);
  }
});

// Back after the stream was down: the replies posted meanwhile (the
// stream's replay brings them too; the first to come wins).
document.addEventListener('makechat:conn', async (e) => {
  if (e.detail !== 'live' || mode !== 'thread') return;
  const my = seq;
  const last = items.filter(isStored).at(-1);
  try {
    const page = await api.get(`/api/messages?thread=${S.thread}&limit=100` + (last ? `&after=${last.id}` : ''));
    if (my === seq) for (const raw of page) add(raw);
  } catch { /* the replay covers it */ }
});

// Times age.
setInterval(() => {
  for (const t of panel.querySelectorAll('.msg-head time')) t.textContent = stamp(new Date(t.dateTime));
}, 60000);
