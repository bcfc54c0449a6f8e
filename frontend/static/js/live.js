// Live updates: the stream's connection state (the "Reconnecting…"
// banner, and what is read again when it is back) and its events:
// messages, rooms, members, typing, direct read state and presence. A
// thread's replies stay out of the conversation (unless in_room) and its
// counts; threadsum.js, loaded on the first event of a thread, takes those
// events in.

import * as api from './api.js';
import {mentions, el} from './render.js';
import {S, $, convOf, isCur, opened, convQuery, norm, openConv, firstRun} from './state.js';
import {sessionOver} from './session.js';
import {loadRooms, loadDirects, loadGroups, loadMembers, loadThreads, renderSidebar, renderHeader, later} from './rooms.js';
import {mergeMessages, renderAll, atBottom, scrollToBottom, appendMessage, replaceMessage, dropMessage} from './messages.js';
import {markRead} from './conv.js';
import {typing, clearTyper, viewing} from './typing.js';
import {learnAvatar} from './avatars.js';
import {learnProfile} from './profiles.js';
import {notify, settingsOf} from './notify.js';
import {loadPresence, presenceChanged} from './presence.js';

const {oid} = api;

// ---------- the connection ----------

let downSince = 0;
export function connState(state) {
  const c = $('conn');
  if (state === 'live') {
    // Rooms, new direct partners and the open conversation are read
    // again: the replay only covers what followed the last event seen.
    //
    // Unread counts must not take in the same message twice. When the
    // stream saw a message before it went down, it resumes after it with
    // ?since=, and received() counts every missed message as it is
    // replayed. The server's counts include those messages too, and may
    // arrive before, during or after the replay, so for the rooms already
    // counted here the counts are kept and the replay alone adds to them.
    // Without a message seen there is no replay, and the server's counts
    // are taken. (A room joined while down takes the server's count, and
    // its replayed messages may then count twice: rare, and harmless.)
    if (downSince) {
      const keepCounts = Boolean(S.stream.lastId);
      loadRooms(undefined, {keepCounts}).catch(() => {});
      loadDirects(undefined, {keepCounts}).catch(() => {});
      loadGroups(undefined, {keepCounts}).catch(() => {});
      loadThreads().catch(() => {});
      presence();
      catchUp();
    }
    // What the page shows, for the server's pushes (a new stream knows
    // nothing of it).
    viewing();
    downSince = 0;
    c.hidden = true;
    c.className = 'conn';
    document.body.dataset.conn = 'live';
    return;
  }
  document.body.dataset.conn = state;
  if (state === 'down') {
    downSince = downSince || Date.now();
    c.textContent = 'Reconnecting…';
    c.className = 'conn down';
    c.hidden = false;
  }
}

// catchUp fetches what the current conversation got while the stream was
// down; the stream's own replay (?since=) brings the same messages, and
// duplicates are dropped by id, so whichever comes first wins. A view
// opened further back (S.gap) gets them as it scrolls down instead.
async function catchUp() {
  const seq = S.openSeq;
  const last = [...S.msgs].reverse().find(m => !m.pending && !m.failed);
  if (!S.cur || S.gap) return;
  if (!S.stream.lastId) threads(m => m.recount(seq));
  try {
    // An empty conversation asks for its newest page: there is nothing
    // to ask "after", and a stream that saw no message replays nothing.
    const msgs = await api.get(`/api/messages?${convQuery()}&limit=100` + (last ? `&after=${last.id}` : ''));
    if (!opened(seq) || !msgs.length) return;
    const stick = atBottom();
    mergeMessages(msgs);
    renderAll();
    if (stick) scrollToBottom();
  } catch { /* the replay covers it */ }
}

export async function streamCheck() {
  try {
    await api.get('/api/ping', {quiet401: true});
  } catch (ex) {
    if (ex.status === 401) { sessionOver(); return false; }
    if (ex.status === 503) $('conn').textContent = 'The server is under maintenance. Reconnecting…';
    else if (ex.status === 0) $('conn').textContent = 'The server cannot be reached. Reconnecting…';
  }
  return true;
}
window.addEventListener('online', () => S.stream && S.stream.retryNow());
// A page left for another goes offline, even if the browser keeps it
// (the back-forward cache would keep its stream open), and comes back
// with what it missed.
window.addEventListener('pagehide', () => S.stream?.stop());
window.addEventListener('pageshow', (e) => { if (e.persisted && S.me) S.stream?.start(); });

// ---------- events ----------

// threads hands threadsum.js (loaded on first use) what concerns threads.
const threads = (use) => import('./threadsum.js').then(use, () => { /* offline: the next event tries again */ });

export function onEvent(ev) {
  const d = ev.data || {};
  switch (ev.event) {
    case 'message.created': if (d.thread) threads(m => m.onEvent(ev)); return received(d);
    case 'message.updated':
      if (S.cur && isCur(convOf(d))) replaceMessage(d);
      if (S.threads.has(oid(d._id))) S.threads.get(oid(d._id)).root = d;
      return;
    case 'message.deleted': {
      // A root goes with its replies, of which some may be shown.
      const id = oid(d._id);
      if (S.cur && isCur(convOf(d))) for (const m of S.msgs.filter(x => x.id === id || oid(x.raw?.thread) === id)) dropMessage(m.id);
      if (d.thread || S.threads.has(id)) threads(m => m.onEvent(ev));
      return;
    }
    case 'thread.updated': return threads(m => m.onEvent(ev));
    case 'room.created': case 'room.updated': case 'room.deleted': return roomChanged(ev.event, d);
    case 'member.added': case 'member.removed': case 'member.updated': return memberChanged(ev.event, d);
    case 'typing': return typing(d);
    case 'direct.updated': return directUpdated(d);
    case 'presence':
      presenceChanged(d);
      return presenceShown();
    case 'user.updated':
      learnAvatar(oid(d._id), d.avatar);
      return learnProfile(oid(d._id), d);
  }
}

function received(d) {
  const c = convOf(d);
  const m = norm(d);
  const aside = Boolean(d.thread) && !d.in_room;
  if (c.kind === 'dm' && !S.directs.has(c.id)) {
    S.directs.set(c.id, {username: S.names.get(c.id) || '…', unread: 0, mentions: 0});
    if (!S.names.has(c.id)) loadDirects().catch(() => {});
  }
  const conv = c.kind === 'room' ? S.rooms.get(c.id) : S.directs.get(c.id);
  const fromMe = m.sender === S.me.id && !m.hookName;
  clearTyper(m.sender);
  if (isCur(c) && !aside) {
    if (!S.msgs.some(x => x.id === m.id)) appendMessage(m);
    if (document.visibilityState === 'visible') markRead();
  }
  if (!fromMe && conv && !aside && (!isCur(c) || document.visibilityState !== 'visible')) {
    conv.unread++;
    if (c.kind === 'dm' || mentions(m.text, S.me.username)) conv.mentions++;
    renderSidebar();
  }
  if (!fromMe && document.visibilityState !== 'visible' && (!aside || mentions(m.text, S.me.username))) notify(c, m);
}

// presence reads who is online (at load, and after a reconnect: the
// events of the meantime are lost).
export function presence() {
  loadPresence().then(presenceShown, () => {});
}

// presenceShown redraws what says presence in words: the sidebar (to
// screen readers) and a direct conversation's header.
function presenceShown() {
  renderSidebar();
  if (S.cur?.kind === 'dm') renderHeader();
}

// directUpdated takes the user's read state with a partner, moved in
// this browser or another: the server's counts, but none for the
// conversation being looked at here; and the user's notification
// settings there.
function directUpdated(d) {
  const id = oid(d.user);
  const c = S.directs.get(id);
  if (!c) { loadDirects().catch(() => {}); return; }
  c.last_read = later(c.last_read, oid(d.last_read));
  Object.assign(c, settingsOf(d));
  const here = isCur({kind: 'dm', id}) && document.visibilityState === 'visible';
  c.unread = here ? 0 : d.unread || 0;
  c.mentions = here ? 0 : d.mentions || 0;
  renderSidebar();
}

function roomChanged(name, d) {
  const id = oid(d._id);
  // A group conversation is made (its members are fixed): listed with
  // the names of its people.
  if (d.group) { if (name === 'room.created') loadGroups().catch(() => {}); return; }
  if (name === 'room.deleted') {
    S.rooms.delete(id);
    if (S.cur && S.cur.kind === 'room' && S.cur.id === id) {
      firstRun().then((m) => {
        m.showEmpty();
        $('empty').prepend(el('p', {className: 'note'}, 'The room you were in was deleted.'));
      });
    }
  } else {
    const old = S.rooms.get(id);
    S.rooms.set(id, {unread: 0, mentions: 0, ...old, id, name: d.name, topic: d.topic || '', is_open: d.is_open, is_visible: d.is_visible,
      members: d.members.length, joined: old ? old.joined : false});
    if (S.cur && S.cur.kind === 'room' && S.cur.id === id) renderHeader();
  }
  renderSidebar();
  if (!$('empty').hidden) firstRun().then(m => m.refreshEmpty());
}

function memberChanged(name, d) {
  const room = oid(d.room);
  const mine = oid(d.profile) === S.me.id;
  if (d.username) S.names.set(oid(d.profile), d.username);
  if (mine && name === 'member.removed') {
    const r = S.rooms.get(room);
    if (r) r.joined = false;
    S.mine.delete(room);
    if (S.cur && S.cur.kind === 'room' && S.cur.id === room) firstRun().then(m => m.showEmpty());
    renderSidebar();
    return;
  }
  if (mine && name === 'member.added') {
    // Someone added me to a room while I had none open: show it.
    Promise.all([loadRooms(), loadGroups()]).then(() => { if (!S.cur && S.rooms.get(room)?.joined) openConv('room', room, false); }).catch(() => {});
    return;
  }
  if (S.cur && S.cur.kind === 'room' && S.cur.id === room) loadMembers(room).then(() => loadRooms()).catch(() => {});
}
