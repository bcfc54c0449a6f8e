// The outbox: every message the composer sends waits here until the
// server has stored it, so that none is lost and none is stored twice.
//
// A message gets a client id (docs/api.md, "Resending safely"), is kept in
// localStorage (per user, so a reload keeps it) and is shown at once in
// the list as pending. The outbox posts in order, one at a time. After a
// network error, a 5xx, a 408 or a 429 it waits (Retry-After, or a
// growing delay) and tries again, at once when the stream is back or the
// browser comes online; the same client id makes the repeat harmless when
// the first answer was lost. Another refusal (left the room, too long)
// marks the message failed, with the server's reason, a Retry and a
// Discard. A message's files (attach.js) are uploaded before it is
// queued: the outbox keeps them, as the server described them, and posts
// their ids with the text, so that a message with files waits for the
// connection like any other. So does a reply in a thread, whose pending
// line the thread panel (threads.js) draws: 'makechat:outbox' events on
// document tell it of the line's changes (detail: {view, raw}).
//
// How the message list (messages.js, conv.js, live.js) takes part:
//   - A message on its way is in S.msgs as {id: '~…', cid, text, sender,
//     created, raw: {files} or null, pending: true} or with failed: the
//     server's reason. Its id sorts after every stored message's, so it
//     stays at the end.
//   - pendingFor(conv) lists those of a conversation; showPending() adds
//     them to the open one (chat.js calls it after each opening).
//   - settle(raw) puts a stored message in the place of its pending line.
//     The outbox calls it with its POST's answer and, through stream.js's
//     'makechat:stream' event, with a message.created carrying one of its
//     client ids, before live.js sees that event: live.js then finds the
//     message already in S.msgs and adds no second line.
//   - retry(m) is the failed line's Retry (messages.js's onRetry).
//   - The body's data-outbox says why pending lines wait: 'sending',
//     'offline' or 'busy' (app.css words it under each pending line).

import * as api from './api.js';
import {el} from './render.js';
import {S, $, isCur, norm} from './state.js';
import {nodesFor, redraw, renderAll, mergeMessages, itemsOf, dropMessage, scrollToBottom, atBottom} from './messages.js';

const MAX_WAIT = 30000;     // ms between attempts, at most
const POST_TIMEOUT = 30000; // a post with no answer by then is tried again

let user = '';              // whose outbox is loaded
let queue = [];             // {cid, kind, to, text, files, at, failed, thread, inRoom}, oldest first
let known = new Set();      // client ids this tab has loaded or made (see save)
const views = new Map();    // client id -> its pending line's message
let viewSeq = 0;
let busy = false;           // a post is on its way
let timer = 0;
let wait = 0;               // the last wait after a failure, ms
let notBefore = 0;          // a 429's Retry-After: no attempt before
let trouble = '';           // why the last attempt failed: '', 'offline', 'busy'
let streamDown = false;

const storeKey = () => 'makechat.outbox.' + user;

// newId makes a client id: 128 random bits, base64url.
function newId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function read() {
  try {
    const list = JSON.parse(localStorage.getItem(storeKey()) || '[]');
    return Array.isArray(list) ? list.filter(e => e && typeof e.cid === 'string' && typeof e.text === 'string')
      .map(e => ({...e, files: Array.isArray(e.files) ? e.files.filter(f => f && typeof f === 'object') : []})) : [];
  } catch {
    return [];
  }
}

// save writes the queue. Another tab of the same user saves under the
// same key: what it queued that this tab has never seen is kept.
function save() {
  const others = read().filter(e => !known.has(e.cid));
  const all = [...others, ...queue.map(({cid, kind, to, text, files, at, failed, thread, inRoom}) => ({cid, kind, to, text, files, at, failed, thread, inRoom}))]
    .sort((a, b) => a.at - b.at);
  try {
    if (all.length) localStorage.setItem(storeKey(), JSON.stringify(all));
    else localStorage.removeItem(storeKey());
  } catch { /* storage full or refused: the queue still lives in this tab */ }
}

// ensure loads the outbox of whoever is logged in now.
function ensure() {
  const id = S.me ? S.me.id : '';
  if (id === user) return;
  user = id;
  clearTimeout(timer);
  views.clear();
  wait = 0;
  trouble = '';
  queue = id ? read().sort((a, b) => a.at - b.at) : [];
  known = new Set(queue.map(e => e.cid));
}

function viewOf(e) {
  let v = views.get(e.cid);
  if (!v) {
    v = {id: '~' + String(++viewSeq).padStart(8, '0'), cid: e.cid, text: e.text, sender: user,
      created: new Date(e.at), edited: null, hookName: '', raw: e.files?.length ? {files: e.files} : null,
      pending: !e.failed, failed: e.failed || '', thread: e.thread || ''};
    views.set(e.cid, v);
  }
  return v;
}

// pendingFor lists the messages of a conversation still on their way;
// pendingIn, the replies of a thread.
export function pendingFor(conv) {
  ensure();
  return queue.filter(e => e.kind === conv.kind && e.to === conv.id && !e.thread).map(viewOf);
}
export function pendingIn(thread) {
  ensure();
  return queue.filter(e => e.thread === thread).map(viewOf);
}

function tell(v, raw = null) {
  if (v?.thread) document.dispatchEvent(new CustomEvent('makechat:outbox', {detail: {view: v, raw}}));
}

// showPending adds the open conversation's pending lines that the list
// does not show yet (after an opening, which starts from history).
export function showPending() {
  if (!S.cur) return;
  const add = pendingFor(S.cur).filter(v => !S.msgs.includes(v));
  if (!add.length) return;
  const stick = atBottom();
  const from = S.msgs.length;
  S.msgs.push(...add);
  if (from && S.msgs[from - 1].id > add[0].id) {
    S.msgs.sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    renderAll();
  } else {
    $('messages').append(...nodesFor(from));
  }
  if (stick) scrollToBottom();
}

// send queues a message to conv, with the files (uploaded already, as
// the server described them), and shows it at once; or a reply in thread.
export function send(conv, text, files = [], {thread = '', inRoom = false} = {}) {
  ensure();
  const e = {cid: newId(), kind: conv.kind, to: conv.id, text, files, at: Date.now(), failed: '', thread, inRoom};
  queue.push(e);
  known.add(e.cid);
  save();
  if (thread) {
    tell(viewOf(e));
  } else if (isCur(conv)) {
    S.msgs.push(viewOf(e));
    $('messages').append(...nodesFor(S.msgs.length - 1));
    scrollToBottom();
  }
  status();
  pump();
}

// settle takes a stored message of ours (a post's answer, or the
// stream's message.created): its pending line becomes the message, and it
// leaves the queue. It says whether the message was one of the outbox's.
export function settle(raw) {
  if (!raw || !raw.client_id || api.oid(raw.sender) !== user) return false;
  const cid = raw.client_id;
  const e = queue.find(x => x.cid === cid);
  const v = views.get(cid);
  if (e) {
    queue.splice(queue.indexOf(e), 1);
    save();
  }
  if (v) {
    views.delete(cid);
    place(v, raw);
    tell(v, raw);
  }
  status();
  return Boolean(e || v);
}

// place puts the stored message where its pending line is. Usually
// nothing came in between and only that item changes; otherwise the list
// is rebuilt in id order.
function place(v, raw) {
  const i = S.msgs.indexOf(v);
  if (i === -1) return;
  const m = norm(raw);
  const stick = atBottom();
  const inOrder = (i === 0 || S.msgs[i - 1].id < m.id) && !S.msgs.some(x => x.id === m.id) &&
    S.msgs.slice(i + 1).every(x => x.cid);
  if (inOrder) {
    S.msgs[i] = m;
    const li = itemsOf(v.id).at(-1);
    if (li) li.dataset.id = m.id;
    redraw(m.id);
    // The server's time may group the next pending line differently.
    if (S.msgs[i + 1]) redraw(S.msgs[i + 1].id);
  } else {
    S.msgs.splice(i, 1);
    mergeMessages([raw]);
    renderAll();
  }
  if (stick) scrollToBottom();
}

// retry sends a failed message again, in its place in the queue.
export function retry(m) {
  const e = queue.find(x => x.cid === m.cid);
  if (!e) return;
  e.failed = m.failed = '';
  m.pending = true;
  save();
  if (S.msgs.includes(m)) redraw(m.id);
  tell(m);
  status();
  kick();
}

export function discard(cid) {
  const e = queue.find(x => x.cid === cid);
  if (e) queue.splice(queue.indexOf(e), 1);
  save();
  const v = views.get(cid);
  views.delete(cid);
  if (v && S.msgs.includes(v)) dropMessage(v.id);
  tell(v);
  status();
  if (!v?.thread) $('composer-input').focus();
}

// ---------- sending ----------

async function post(e) {
  const body = e.thread ? {thread: e.thread, text: e.text, client_id: e.cid, in_room: e.inRoom === true}
    : {[e.kind === 'room' ? 'room' : 'recipient']: e.to, text: e.text, client_id: e.cid};
  if (e.files?.length) body.files = e.files.map(f => api.oid(f._id));
  try {
    const res = await fetch('/api/messages', {method: 'POST', credentials: 'same-origin', signal: AbortSignal.timeout(POST_TIMEOUT),
      headers: {'Content-Type': 'application/json', Accept: 'application/json'}, body: JSON.stringify(body)});
    const data = await res.json().catch(() => null);
    // A stored message whose answer broke off is asked for again.
    if (res.ok && !data) return {status: 0};
    const after = Number(res.headers.get('Retry-After'));
    return {status: res.status, data, retryAfter: after > 0 ? Math.min(after, 600) : 0};
  } catch {
    return {status: 0};
  }
}

// pump sends the oldest message that has not failed, then the next.
async function pump() {
  clearTimeout(timer);
  if (busy || !S.me || S.me.id !== user) return;
  if (Date.now() < notBefore) {
    timer = setTimeout(pump, notBefore - Date.now());
    return;
  }
  const e = queue.find(x => !x.failed);
  if (!e) {
    trouble = '';
    status();
    return;
  }
  busy = true;
  const r = await post(e);
  busy = false;
  if (!S.me || S.me.id !== user) return; // logged out meanwhile
  const s = r.status;
  if (s >= 200 && s < 300) {
    wait = 0;
    trouble = '';
    if (!settle(r.data) && queue.includes(e)) {
      queue.splice(queue.indexOf(e), 1);
      save();
    }
    pump();
  } else if (s === 0 || s === 401 || s === 408 || s === 429 || s >= 500) {
    // A 401 ends the session (api.js sees it on the ping); the queue is
    // kept for the next login.
    if (s === 401) api.get('/api/ping').catch(() => {});
    trouble = s === 0 || s === 401 ? 'offline' : 'busy';
    wait = Math.min(MAX_WAIT, wait ? wait * 2 : 1000);
    let delay = wait / 2 + Math.random() * wait / 2;
    if (r.retryAfter) delay = r.retryAfter * 1000;
    if (s === 429) notBefore = Date.now() + delay;
    timer = setTimeout(pump, delay);
    status();
  } else {
    const reason = (r.data && r.data.description) || `The server refused this message (${s}).`;
    e.failed = reason;
    save();
    const v = views.get(e.cid);
    if (v) {
      v.pending = false;
      v.failed = reason;
      if (S.msgs.includes(v)) redraw(v.id);
      tell(v);
    }
    pump();
  }
}

// kick tries again now: the connection is back.
function kick() {
  if (Date.now() < notBefore) return;
  wait = 0;
  trouble = '';
  status();
  pump();
}

// status shows why pending lines wait (data-outbox, worded by app.css)
// and, in the connection strip, how many messages wait to be sent.
function status() {
  const waiting = queue.filter(e => !e.failed).length;
  const why = !waiting ? '' : trouble || (streamDown ? 'offline' : 'sending');
  if (why) document.body.dataset.outbox = why;
  else delete document.body.dataset.outbox;
  const note = $('outbox-note');
  const text = waiting && (streamDown || trouble) ? (waiting === 1 ? '1 message waiting to be sent' : `${waiting} messages waiting to be sent`) : '';
  if (note.textContent !== text) note.textContent = text;
  note.hidden = !text;
}

document.addEventListener('makechat:stream', (e) => {
  const ev = e.detail;
  if (ev && ev.event === 'message.created') settle(ev.data);
});
document.addEventListener('makechat:conn', (e) => {
  ensure();
  streamDown = e.detail === 'down';
  status();
  if (e.detail === 'live') kick();
});
window.addEventListener('online', kick);

// A failed line's Discard. messages.js draws the failed line (the reason
// and Retry); the outbox adds the button to it as it appears.
function addDiscard() {
  for (const li of $('messages').querySelectorAll('.msg.failed')) {
    const where = li.querySelector('.error');
    const v = [...views.values()].find(x => x.id === li.dataset.id);
    if (!v || !where || where.querySelector('.discard')) continue;
    where.append(' ', el('button', {type: 'button', className: 'link-button discard', onclick: () => discard(v.cid)}, 'Discard'));
  }
}
new MutationObserver(addDiscard).observe($('messages'), {childList: true});
