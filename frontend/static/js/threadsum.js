// Threads in the conversation and the sidebar (docs/api.md, "Threads"):
// under a thread's root, the summary of its replies (how many, which
// opens the thread; the newest repliers' avatars; when the last came);
// under a reply also sent to the conversation, the link to its thread;
// and what the stream's events of threads change there and in S.threads,
// behind the sidebar's Threads badge. A reply counts in its root's
// summary and, if the user follows its thread and is not reading it in
// the panel, in the thread's unread replies. The panel is threads.js's.
//
// This module and threads.css are not part of the first load: cards.js
// imports it the first time a message has a thread to show, live.js the
// first time an event concerns a thread.

import * as api from './api.js';
import {el, icon} from './render.js';
import {count, clock, dayLabel} from './ui.js';
import {S, isCur, convOf, opened, convQuery} from './state.js';
import {avatar} from './avatars.js';
import {redraw} from './messages.js';
import {renderSidebar} from './rooms.js';
import {openThread} from './cards.js';

// The stylesheet comes first, as reactions.js's: a summary drawn
// unstyled would jump when the rules arrive.
await new Promise((done) => document.head.append(el('link', {rel: 'stylesheet',
  href: document.documentElement.dataset.assets + '/threads.css', onload: done, onerror: done})));

const {oid} = api;

// ago says when something was, to follow a word ("last reply 5 min ago",
// "… at 14:05", "… yesterday", "… on Monday, May 4").
export function ago(d, now = new Date()) {
  const s = (now - d) / 1000;
  if (s < 60) return 'just now';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  const day = dayLabel(d);
  return day === 'Today' ? 'at ' + clock(d) : day === 'Yesterday' ? 'yesterday' : 'on ' + day;
}

// A press does not focus these buttons: on a phone the focus would open
// the message's actions under them (app.css) and move them, in a short
// conversation at the bottom, before the release (as reactions.js's
// chips). The keyboard still reaches them.
const still = (e) => e.preventDefault();

// threadOf draws the summary of message m's replies or, for a reply also
// sent to the conversation, the link to its thread; or null.
export function threadOf(m) {
  const root = oid(m.raw?.thread);
  if (root) {
    return el('p', {className: 'thread-ref'}, el('button', {type: 'button', className: 'link-button', dataset: {key: 'thread-ref'},
      onmousedown: still, onclick: (e) => openThread(root, e.currentTarget)}, icon('thread'), 'replied to a thread'));
  }
  const r = m.raw?.replies;
  if (!r?.count) return null;
  const last = api.when(r.last);
  return el('div', {className: 'thread-sum'},
    el('button', {type: 'button', className: 'link-button', dataset: {key: 'thread-sum'},
      onmousedown: still, onclick: (e) => openThread(m.id, e.currentTarget)}, count(r.count, 'reply', 'replies')),
    el('span', {className: 'thread-users', 'aria-hidden': 'true'},
      (r.users || []).slice(0, 3).map(u => avatar(oid(u), S.names.get(oid(u)) || '?', 'small'))),
    el('time', {dateTime: last.toISOString()}, 'last reply ' + ago(last)));
}

// ---------- events ----------

// onEvent takes in an event of a thread: a reply posted or deleted, a
// root deleted, or the user's view of a thread. The thread panel, which
// draws the list of threads from S.threads, hears of each change as a
// 'makechat:threads' event on document.
export async function onEvent(ev) {
  const d = ev.data;
  S.threadsLive++; // a list of threads on its way is older (rooms.js's loadThreads)
  if (ev.event === 'thread.updated') viewed(d);
  else if (ev.event === 'message.created') replied(d);
  else if (!d.thread) S.threads.delete(oid(d._id));
  else await unreplied(d);
  renderSidebar();
  document.dispatchEvent(new Event('makechat:threads'));
}

// replied counts reply d in its root's summary, where the conversation
// shows the root, and in the thread the user follows. A reply counted
// already (the root was loaded after it, and a replay brings it again)
// is not counted twice.
function replied(d) {
  const root = oid(d.thread);
  const shown = isCur(convOf(d)) && S.msgs.find(x => x.id === root && x.raw);
  if (shown && addReply(shown.raw, d)) redraw(root);
  const t = S.threads.get(root);
  if (t && addReply(t.root, d) && t.following && oid(d.sender) !== S.me.id &&
    (S.thread !== root || document.visibilityState !== 'visible')) t.unread++;
}

// addReply adds reply d to the summary of root (a message as the API
// gives it); it says whether the summary changed.
function addReply(root, d) {
  const r = root.replies;
  if (r && api.when(r.last) >= api.when(d.created)) return false;
  root.replies = {count: (r?.count || 0) + 1, last: d.created,
    users: [d.sender, ...(r?.users || []).filter(u => oid(u) !== oid(d.sender))].slice(0, 3)};
  return true;
}

// viewed takes in the user's view of a thread. That of a new follow may
// show the root as it was before the reply that made the user follow it:
// the summary the conversation shows, or else the server's, is taken.
function viewed(d) {
  const id = oid(d.root._id);
  const shown = S.msgs.find(x => x.id === id && x.raw)?.raw.replies;
  const r = d.root.replies;
  if (shown && (!r || api.when(shown.last) > api.when(r.last))) d.root.replies = shown;
  else if (d.unread > (r?.count || 0)) {
    api.get('/api/threads/' + id).then(v => {
      if (S.threads.get(id) !== d) return;
      S.threads.set(id, v);
      renderSidebar();
      document.dispatchEvent(new Event('makechat:threads'));
    }, () => { /* the next event or list corrects it */ });
  }
  S.threads.set(id, d);
}

// unreplied takes a deleted reply out of its root's summary, which its
// event does not carry: the thread is asked for again.
async function unreplied(d) {
  const root = oid(d.thread);
  if (!S.threads.has(root) && !S.msgs.some(x => x.id === root)) return;
  let v;
  try { v = await api.get('/api/threads/' + root); } catch { return; }
  const shown = S.msgs.find(x => x.id === root && x.raw);
  if (shown) {
    if (v.root.replies) shown.raw.replies = v.root.replies;
    else delete shown.raw.replies;
    redraw(root);
  }
  if (S.threads.has(root)) S.threads.set(root, v);
}

// recount reads the newest page of the conversation again for its roots'
// summaries, after the stream was down with no message to resume after:
// without a replay, the replies posted meanwhile are not counted
// (live.js).
export async function recount(seq) {
  let page;
  try { page = await api.get(`/api/messages?${convQuery()}&limit=100`); } catch { return; }
  if (!opened(seq)) return;
  for (const raw of page) {
    const m = S.msgs.find(x => x.id === oid(raw._id) && x.raw);
    if (!m || JSON.stringify(m.raw.replies) === JSON.stringify(raw.replies)) continue;
    m.raw.replies = raw.replies;
    redraw(m.id);
  }
}

// The times of the last replies age.
setInterval(() => {
  for (const t of document.querySelectorAll('#messages .thread-sum time')) t.textContent = 'last reply ' + ago(new Date(t.dateTime));
}, 60000);
