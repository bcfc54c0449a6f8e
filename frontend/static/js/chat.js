// The chat web app: login and registration, the room list, the message
// view with history and live updates, the composer, search and direct
// messages. Everything is rendered with text nodes (see render.js).

import * as api from './api.js';
import {renderText, mentions, el, icon} from './render.js';
import {Stream} from './stream.js';
import {dialog, field, relTime, dayLabel} from './ui.js';

const $ = (id) => document.getElementById(id);
const {oid, when} = api;
const PAGE = 50;          // messages per history page
const MAX_DOM = 600;      // messages kept in the view before old ones go
const GROUP_MS = 5 * 60 * 1000;

const S = {
  me: null,               // {id, username, admin}
  rooms: new Map(),       // id -> room (+ joined, unread, mentions)
  directs: new Map(),     // user id -> {username, unread, mentions}
  names: new Map(),       // user id -> username
  mine: new Map(),        // room id -> my member {id, role, last_read}
  cur: null,              // {kind: 'room'|'dm', id}
  openSeq: 0,             // counts openings of a conversation (see opened)
  msgs: [],               // the current conversation, oldest first
  noMore: false,
  loading: false,
  olderWait: 0,           // ms to wait after a failed load of older messages
  olderRetryAt: 0,        // no new attempt before this time
  newerThan: '',          // the read marker when the room was opened
  stream: null,
  typingAt: 0,
  typers: new Map(),      // user id -> {name, timer}
  editing: null,          // id of the message being edited
  editDraft: null,        // its edit box: {text, start, end, focus}, kept across re-renders
  readTimer: 0,
};

// ---------- routing and authentication ----------

function go(path, replace) {
  if (location.pathname !== path) history[replace ? 'replaceState' : 'pushState']({}, '', path);
  route();
}

function route() {
  const p = location.pathname;
  if (p === '/login' || p === '/register') {
    if (S.me) return go('/', true);
    showAuth(p === '/register' ? 'register' : 'login');
    return;
  }
  if (!S.me) boot();
}

function showAuth(which, note) {
  delete document.body.dataset.ready;
  document.documentElement.dataset.interactive ||= String(Math.round(performance.now()));
  $('app').hidden = true;
  $('conn').hidden = true;
  $('auth').hidden = false;
  $('login').hidden = which !== 'login';
  $('register').hidden = which !== 'register';
  document.title = which === 'login' ? 'Log in · makechat' : 'Create an account · makechat';
  if (note !== undefined) {
    $('login-note').textContent = note;
    $('login-note').hidden = !note;
  }
  const first = which === 'login' ? $('login-username') : $('reg-username');
  first.focus();
}

// sessionOver is called on any 401: back to the login page, with a reason.
function sessionOver(msg = 'Your session has expired. Please log in again.') {
  if (!S.me) return;
  if (S.stream) S.stream.stop();
  S.me = null;
  S.cur = null;
  S.msgs = [];
  for (const m of [S.rooms, S.directs, S.names, S.mine]) m.clear();
  lastSidebar = '';
  $('messages').replaceChildren();
  history.replaceState({}, '', '/login');
  showAuth('login', msg);
}
api.onUnauthorized(() => sessionOver());

function formError(id, msg) {
  $(id).textContent = msg || '';
  $(id).hidden = !msg;
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  formError('login-error', '');
  const username = $('login-username').value.trim();
  const password = $('login-password').value;
  if (!username || !password) return formError('login-error', 'Enter your username and password.');
  try {
    await api.post('/api/login', {username, password}, {quiet401: true});
    $('login-password').value = '';
    $('login-note').hidden = true;
    const next = new URLSearchParams(location.search).get('next');
    if (next === '/makechat/admin') { location.href = next; return; }
    go('/', true);
  } catch (ex) {
    formError('login-error', ex.message);
    $('login-password').select();
  }
});

$('register').addEventListener('submit', async (e) => {
  e.preventDefault();
  formError('register-error', '');
  const v = (id) => $(id).value;
  if (v('reg-password1') !== v('reg-password2')) return formError('register-error', 'The two passwords differ.');
  try {
    await api.post('/api/register', {username: v('reg-username').trim(), email: v('reg-email').trim(),
      password1: v('reg-password1'), password2: v('reg-password2')}, {quiet401: true});
    go('/', true);
  } catch (ex) {
    formError('register-error', ex.status === 403 && !ex.message.includes('origin')
      ? 'Registration is closed on this server: ask an administrator for an account.' : ex.message);
  }
});

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-route]');
  if (a && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
    e.preventDefault();
    go(a.dataset.route);
  }
});
window.addEventListener('popstate', route);

async function boot() {
  // The first three questions go out together; if the session is over,
  // the ping says so and the other two are dropped.
  const quiet = {quiet401: true};
  let roomsP = api.all('/api/rooms?limit=100', quiet);
  let directsP = api.get('/api/directs', quiet);
  roomsP.catch(() => {});
  directsP.catch(() => {});
  let p;
  try {
    p = await api.get('/api/me', quiet);
  } catch (ex) {
    if (ex.status === 401) {
      history.replaceState({}, '', '/login');
      showAuth('login', '');
      return;
    }
    showAuth('login', ex.message);
    return;
  }
  S.me = {id: oid(p._id), username: p.username, admin: p.is_superuser};
  S.names.set(S.me.id, p.username);
  $('auth').hidden = true;
  $('app').hidden = false;
  $('me-name').textContent = p.username;
  $('admin-link').hidden = !p.is_superuser;
  $('new-room').hidden = !p.is_superuser;
  updateNotifyButton();
  S.stream = new Stream({onEvent, onState: connState, check: streamCheck});
  S.stream.start();
  // A failure other than the end of the session (a 503 during a
  // restart, say) is shown and retried, with growing waits, rather than
  // leaving an empty page.
  for (let wait = 1000; ; wait = Math.min(wait * 2, 30000)) {
    try {
      await Promise.all([loadRooms(roomsP), loadDirects(directsP)]);
      break;
    } catch (ex) {
      if (ex.status === 401) { sessionOver(); return; }
      roomsP = directsP = undefined;
      const c = $('conn');
      c.textContent = `Could not load your rooms (${ex.message}); trying again…`;
      c.className = 'conn down';
      c.hidden = false;
      await new Promise(resolve => setTimeout(resolve, wait));
    }
  }
  if (document.body.dataset.conn === 'live') $('conn').hidden = true;
  if (S.cur) return; // the user was quicker
  const last = localStorage.getItem('makechat.last');
  const [kind, id] = (last || '').split(':');
  if (kind === 'room' && S.rooms.get(id)?.joined) openConv('room', id, false);
  else if (kind === 'dm' && S.directs.has(id)) openConv('dm', id, false);
  else {
    const first = [...S.rooms.values()].filter(r => r.joined).sort(byName)[0];
    if (first) openConv('room', first.id, false);
    else showEmpty();
  }
}

// ---------- the connection ----------

let downSince = 0;
function connState(state) {
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
      loadRooms(undefined, {keepCounts: Boolean(S.stream.lastId)}).catch(() => {});
      loadDirects().catch(() => {});
      catchUp();
    }
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
// duplicates are dropped by id, so whichever comes first wins.
async function catchUp() {
  const seq = S.openSeq;
  const last = [...S.msgs].reverse().find(m => !m.pending && !m.failed);
  if (!S.cur || !last) return;
  try {
    const msgs = await api.get(`/api/messages?${convQuery()}&limit=100&after=${last.id}`);
    if (!opened(seq) || !msgs.length) return;
    const stick = atBottom();
    mergeMessages(msgs);
    renderAll();
    if (stick) scrollToBottom();
  } catch { /* the replay covers it */ }
}

async function streamCheck() {
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

// ---------- rooms and people ----------

const byName = (a, b) => a.name.localeCompare(b.name);

// loadRooms reads the room list; keepCounts keeps the unread counts of the
// rooms already joined instead of the server's (see connState).
async function loadRooms(prefetched, {keepCounts = false} = {}) {
  const rooms = await (prefetched || api.all('/api/rooms?limit=100'));
  const fresh = new Map();
  for (const r of rooms) {
    const id = oid(r._id);
    const old = S.rooms.get(id);
    const counts = keepCounts && old?.joined && 'unread' in r ? old : {unread: r.unread || 0, mentions: r.mentions || 0};
    fresh.set(id, {id, name: r.name, is_open: r.is_open, is_visible: r.is_visible, members: r.members.length,
      joined: 'unread' in r, unread: counts.unread, mentions: counts.mentions, memberList: old?.memberList});
  }
  if (S.cur && S.cur.kind === 'room' && fresh.has(S.cur.id)) {
    const r = fresh.get(S.cur.id);
    if (document.visibilityState === 'visible') { r.unread = 0; r.mentions = 0; }
  }
  S.rooms = fresh;
  renderSidebar();
  if (S.cur && S.cur.kind === 'room') renderHeader();
}

async function loadDirects(prefetched) {
  const ds = await (prefetched || api.get('/api/directs'));
  for (const d of ds) {
    const id = oid(d.user);
    S.names.set(id, d.username);
    const known = S.directs.get(id);
    if (!known) S.directs.set(id, {username: d.username, unread: 0, mentions: 0});
    else known.username = d.username; // a partner first seen in an event is named "…"
  }
  renderSidebar();
}

function badge(n, cls, label) {
  return n ? el('span', {className: 'badge ' + cls, title: label}, n > 999 ? '999+' : String(n),
    el('span', {className: 'visually-hidden'}, ' ' + label)) : null;
}

function convButton(kind, id, name, unread, ment, extraIcon) {
  const current = S.cur && S.cur.kind === kind && S.cur.id === id;
  return el('li', {},
    el('button', {type: 'button', className: 'conv' + (unread ? ' unread' : ''), dataset: {kind, id},
      'aria-current': current ? 'page' : false, onclick: () => {
        const drawer = $('app').classList.contains('drawer-open');
        openConv(kind, id);
        closeDrawer();
        if (drawer) $('room-title').focus();
      }},
    icon(extraIcon), el('span', {className: 'name', dir: 'auto'}, name),
    badge(ment, 'mention-badge', ment === 1 ? 'mention' : 'mentions'),
    badge(unread, 'count', 'unread')));
}

let lastSidebar = '';
function renderSidebar() {
  // Rebuilding must not take the keyboard focus away from a room button.
  const f = document.activeElement;
  const refocus = f && f.classList.contains('conv') && $('sidebar').contains(f) ? `button.conv[data-kind="${f.dataset.kind}"][data-id="${f.dataset.id}"]` : '';
  const rooms = [...S.rooms.values()].filter(r => r.joined).sort(byName);
  const ds = [...S.directs.entries()].sort((a, b) => a[1].username.localeCompare(b[1].username));
  // Only what changed is redrawn, so a click never lands on a button
  // that is being replaced.
  const sig = JSON.stringify([S.cur, rooms.map(r => [r.id, r.name, r.unread, r.mentions, r.is_open]), ds]);
  if (sig !== lastSidebar) {
    lastSidebar = sig;
    $('rooms').replaceChildren(...rooms.map(r => convButton('room', r.id, r.name, r.unread, r.mentions, r.is_open ? 'hash' : 'lock')));
    $('directs').replaceChildren(...ds.map(([id, d]) => convButton('dm', id, d.username, d.unread, d.mentions, 'user')));
    if (refocus) $('sidebar').querySelector(refocus)?.focus();
  }
  const unread = rooms.reduce((n, r) => n + r.unread, 0) + ds.reduce((n, [, d]) => n + d.unread, 0);
  document.title = (unread ? `(${unread}) ` : '') + (S.cur ? convName() + ' · ' : '') + 'makechat';
}

function convName(c = S.cur) {
  if (!c) return '';
  return c.kind === 'room' ? (S.rooms.get(c.id)?.name || 'Room') : '@' + (S.names.get(c.id) || 'someone');
}

function renderHeader() {
  $('room-title').textContent = convName();
  const flags = [];
  const mb = $('members-button');
  if (S.cur.kind === 'room') {
    const r = S.rooms.get(S.cur.id);
    if (r) {
      flags.push(el('span', {className: 'flag'}, icon(r.is_open ? 'hash' : 'lock', r.is_open ? 'Open room' : 'Closed room')));
      if (!r.is_visible) flags.push(el('span', {className: 'flag'}, icon('hidden', 'Hidden room')));
      mb.textContent = r.members === 1 ? '1 member' : `${r.members} members`;
      mb.hidden = false;
    }
  } else {
    mb.hidden = true;
  }
  $('room-flags').replaceChildren(...flags);
}

function showEmpty() {
  S.cur = null;
  $('room-title').textContent = 'Welcome';
  $('room-flags').replaceChildren();
  $('members-button').hidden = true;
  $('messages').replaceChildren();
  $('composer').hidden = true;
  $('history-state').textContent = '';
  const e = $('empty');
  e.replaceChildren(el('p', {}, 'You are not in any room yet.'),
    el('button', {type: 'button', className: 'primary', onclick: browseRooms}, 'Browse rooms'));
  e.hidden = false;
  ready();
}

// ---------- the message view ----------

const convOf = (m) => m.room ? {kind: 'room', id: oid(m.room)}
  : {kind: 'dm', id: oid(m.sender) === S.me.id ? oid(m.recipient) : oid(m.sender)};
const isCur = (c) => S.cur && S.cur.kind === c.kind && S.cur.id === c.id;
// opened tells whether the opening numbered seq is still the one shown.
// An answer to a load is merged into S.msgs only then: if the user went
// elsewhere and came back to the same conversation meanwhile, the view was
// rebuilt from a fresh page, and an older answer would leave a gap in it.
const opened = (seq) => S.cur !== null && seq === S.openSeq;
const convQuery = () => S.cur.kind === 'room' ? 'room=' + S.cur.id : 'with=' + S.cur.id;

// openConv shows a conversation; the composer takes the focus on a wide
// screen when the user chose it (not when the page opens one by itself
// while the user is elsewhere).
async function openConv(kind, id, chosen = true) {
  const seq = ++S.openSeq;
  S.cur = {kind, id};
  localStorage.setItem('makechat.last', kind + ':' + id);
  S.msgs = [];
  S.noMore = false;
  S.editing = null;
  S.editDraft = null;
  S.typers.clear();
  renderTyping();
  closeResults();
  $('empty').hidden = true;
  $('messages').replaceChildren();
  $('composer').hidden = false;
  $('composer-error').hidden = true;
  $('history-state').textContent = 'Loading…';
  renderHeader();
  renderSidebar();
  const conv = kind === 'room' ? S.rooms.get(id) : S.directs.get(id);
  S.newerThan = '';
  let msgs;
  try {
    [msgs] = await Promise.all([api.get(`/api/messages?${convQuery()}&limit=${PAGE}`), kind === 'room' ? loadMembers(id) : null]);
  } catch (ex) {
    if (opened(seq)) $('history-state').textContent = ex.message;
    return;
  }
  if (!opened(seq)) return;
  if (kind === 'room') S.newerThan = S.mine.get(id)?.last_read || '';
  // Keep what the stream brought meanwhile.
  mergeMessages(msgs);
  S.noMore = msgs.length < PAGE;
  renderAll();
  scrollToBottom();
  if (conv) { conv.unread = 0; conv.mentions = 0; }
  renderSidebar();
  markRead();
  const idle = document.activeElement === document.body || document.activeElement === null;
  if (window.matchMedia('(min-width: 720px)').matches && (chosen || idle)) $('composer-input').focus();
  ready();
}

// ready marks the app as usable (tests and the load measurement wait for it).
function ready() {
  if (document.body.dataset.ready) return;
  document.documentElement.dataset.interactive ||= String(Math.round(performance.now()));
  document.body.dataset.ready = String(Math.round(performance.now()));
}

async function loadMembers(room) {
  try {
    const ms = await api.all(`/api/members?room=${room}&limit=100`);
    for (const m of ms) {
      S.names.set(oid(m.profile), m.username);
      if (oid(m.profile) === S.me.id) {
        S.mine.set(room, {id: oid(m._id), role: m.role, last_read: oid(m.last_read)});
      }
    }
    const r = S.rooms.get(room);
    if (r) r.memberList = ms;
  } catch {
    // Admins may read rooms they are not members of; names then come later.
  }
}

function mergeMessages(list) {
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

function norm(m) {
  return {id: oid(m._id), text: m.text, sender: oid(m.sender), created: when(m.created),
    edited: m.edited ? when(m.edited) : null, hookName: m.hook ? m.username : '', raw: m};
}

function author(m) {
  if (m.hookName) return m.hookName;
  return S.names.get(m.sender) || 'former member';
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
  if (S.editing === m.id) {
    const d = S.editDraft;
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
  if (!m.pending && !m.failed && (mine || canDelete) && S.editing !== m.id) {
    li.append(el('div', {className: 'actions'},
      mine ? el('button', {type: 'button', onclick: () => startEdit(m.id)}, 'Edit') : null,
      canDelete ? el('button', {type: 'button', onclick: () => removeMessage(m)}, 'Delete') : null));
  }
  return li;
}

// nodesFor builds the list items for msgs[from..], with day separators
// and the "new" divider.
function nodesFor(from, to = S.msgs.length) {
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
function renderAll() {
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
  const ta = S.editing && $('messages').querySelector(`.msg[data-id="${S.editing}"] .edit-input`);
  if (!ta) return;
  Object.assign(S.editDraft, {start: ta.selectionStart, end: ta.selectionEnd, focus: document.activeElement === ta});
}

// itemsOf returns the list items of a message: its own, and the day
// line or "new" divider just before it.
function itemsOf(id) {
  const li = [...$('messages').children].find(n => n.dataset.id === id);
  if (!li) return [];
  const items = [li];
  for (let p = li.previousElementSibling; p && !p.classList.contains('msg'); p = p.previousElementSibling) items.unshift(p);
  return items;
}

// redraw replaces the list items of one message in place (its text,
// state or neighbour changed); the rest of the log is left alone.
function redraw(id) {
  const i = S.msgs.findIndex(m => m.id === id);
  const old = itemsOf(id);
  if (i === -1 || !old.length) return renderAll();
  saveEditBox();
  keepScroll(() => {
    old[0].before(...nodesFor(i, i + 1));
    for (const n of old) n.remove();
  });
}

const atBottom = () => { const sc = $('scroller'); return sc.scrollHeight - sc.scrollTop - sc.clientHeight < 40; };
function scrollToBottom() { const sc = $('scroller'); sc.scrollTop = sc.scrollHeight; $('jump').hidden = true; }

function appendMessage(m) {
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

async function loadOlder() {
  if (S.loading || S.noMore || !S.cur || !S.msgs.length || Date.now() < S.olderRetryAt) return;
  S.loading = true;
  let failed = false;
  const seq = S.openSeq;
  $('history-state').textContent = 'Loading older messages…';
  try {
    const first = S.msgs.find(m => !m.pending);
    const msgs = await api.get(`/api/messages?${convQuery()}&limit=${PAGE}&before=${first.id}`);
    if (!opened(seq)) return;
    S.noMore = msgs.length < PAGE;
    mergeMessages(msgs);
    renderAll();
    S.olderWait = 0;
  } catch (ex) {
    if (!opened(seq)) return;
    // Wait longer after each failure before the next scroll may retry,
    // rather than asking again on every frame.
    failed = true;
    S.olderWait = Math.min(30000, (S.olderWait || 500) * 2);
    S.olderRetryAt = Date.now() + S.olderWait;
    $('history-state').textContent = ex.message;
  } finally {
    S.loading = false;
  }
  // A short first page may not fill the view: keep going.
  if (!failed && !S.noMore && $('scroller').scrollTop < 300) requestAnimationFrame(loadOlder);
}

$('scroller').addEventListener('scroll', () => {
  if ($('scroller').scrollTop < 300) loadOlder();
  if (atBottom()) { $('jump').hidden = true; markRead(); }
}, {passive: true});
$('jump').addEventListener('click', () => { scrollToBottom(); $('composer-input').focus(); });

// markRead moves the room's read marker to the newest message, soon.
function markRead() {
  clearTimeout(S.readTimer);
  S.readTimer = setTimeout(async () => {
    if (!S.cur || S.cur.kind !== 'room' || document.visibilityState !== 'visible' || !atBottom()) return;
    const me = S.mine.get(S.cur.id);
    const last = [...S.msgs].reverse().find(m => !m.pending && !m.failed);
    if (!me || !last || (me.last_read && me.last_read >= last.id)) return;
    me.last_read = last.id;
    try { await api.patch('/api/members/' + me.id, {last_read: last.id}); } catch { /* retried on the next one */ }
  }, 500);
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && S.cur) {
    const c = S.cur.kind === 'room' ? S.rooms.get(S.cur.id) : S.directs.get(S.cur.id);
    if (c) { c.unread = 0; c.mentions = 0; renderSidebar(); }
    markRead();
  }
});

// ---------- posting, editing, deleting ----------

const input = $('composer-input');

function grow(ta) {
  ta.style.height = 'auto';
  ta.style.height = Math.min(ta.scrollHeight + 2, 200) + 'px';
}

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

function retry(m) {
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
  if (S.cur && input.value && Date.now() - S.typingAt > 3000) {
    S.typingAt = Date.now();
    S.stream.send('typing', S.cur.kind === 'room' ? {room: S.cur.id} : {recipient: S.cur.id});
  }
});

function startEdit(id) {
  const m = S.msgs.find(x => x.id === id);
  if (!m) return;
  const was = S.editing;
  S.editing = id;
  S.editDraft = {text: m.text, start: m.text.length, end: m.text.length, focus: true};
  if (was && was !== id) redraw(was);
  redraw(id);
  // After msgNode has grown the box.
  queueMicrotask(() => $('messages').querySelector('.edit-input')?.scrollIntoView({block: 'nearest'}));
}

function stopEdit() {
  const id = S.editing;
  S.editing = null;
  S.editDraft = null;
  return id;
}

async function editKey(e, m) {
  if (e.key === 'Escape') {
    e.preventDefault();
    redraw(stopEdit());
    input.focus();
  } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    const text = e.target.value;
    if (!text.trim()) return;
    try {
      const upd = await api.patch('/api/messages/' + m.id, {text});
      if (S.editing === m.id) stopEdit();
      replaceMessage(upd);
      input.focus();
    } catch (ex) {
      $('composer-error').textContent = ex.message;
      $('composer-error').hidden = false;
    }
  }
}

function replaceMessage(raw) {
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
function dropMessage(id) {
  const i = S.msgs.findIndex(x => x.id === id);
  if (i === -1) return;
  S.msgs.splice(i, 1);
  if (S.editing === id) stopEdit();
  const old = itemsOf(id);
  if (!old.length) return renderAll();
  keepScroll(() => { for (const n of old) n.remove(); });
  if (S.msgs[i]) redraw(S.msgs[i].id);
  renderHistoryState();
}

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

// ---------- live events ----------

function onEvent(ev) {
  const d = ev.data || {};
  switch (ev.event) {
    case 'message.created': return received(d);
    case 'message.updated': if (S.cur && isCur(convOf(d))) replaceMessage(d); return;
    case 'message.deleted': if (S.cur && isCur(convOf(d))) dropMessage(oid(d._id)); return;
    case 'room.created': case 'room.updated': case 'room.deleted': return roomChanged(ev.event, d);
    case 'member.added': case 'member.removed': case 'member.updated': return memberChanged(ev.event, d);
    case 'typing': return typing(d);
  }
}

function received(d) {
  const c = convOf(d);
  const m = norm(d);
  if (c.kind === 'dm' && !S.directs.has(c.id)) {
    S.directs.set(c.id, {username: S.names.get(c.id) || '…', unread: 0, mentions: 0});
    if (!S.names.has(c.id)) loadDirects().catch(() => {});
  }
  const conv = c.kind === 'room' ? S.rooms.get(c.id) : S.directs.get(c.id);
  const fromMe = m.sender === S.me.id && !m.hookName;
  clearTyper(m.sender);
  if (isCur(c)) {
    if (!S.msgs.some(x => x.id === m.id)) appendMessage(m);
    if (document.visibilityState === 'visible') markRead();
  }
  if (!fromMe && conv && (!isCur(c) || document.visibilityState !== 'visible')) {
    conv.unread++;
    if (c.kind === 'dm' || mentions(m.text, S.me.username)) conv.mentions++;
    renderSidebar();
  }
  if (!fromMe && document.visibilityState !== 'visible') notify(c, m);
}

function roomChanged(name, d) {
  const id = oid(d._id);
  if (name === 'room.deleted') {
    S.rooms.delete(id);
    if (S.cur && S.cur.kind === 'room' && S.cur.id === id) {
      showEmpty();
      $('empty').prepend(el('p', {className: 'note'}, 'The room you were in was deleted.'));
    }
  } else {
    const old = S.rooms.get(id);
    S.rooms.set(id, {id, name: d.name, is_open: d.is_open, is_visible: d.is_visible, members: d.members.length,
      joined: old ? old.joined : false, unread: old ? old.unread : 0, mentions: old ? old.mentions : 0, memberList: old?.memberList});
    if (S.cur && S.cur.kind === 'room' && S.cur.id === id) renderHeader();
  }
  renderSidebar();
}

function memberChanged(name, d) {
  const room = oid(d.room);
  const mine = oid(d.profile) === S.me.id;
  if (d.username) S.names.set(oid(d.profile), d.username);
  if (mine && name === 'member.removed') {
    const r = S.rooms.get(room);
    if (r) r.joined = false;
    S.mine.delete(room);
    if (S.cur && S.cur.kind === 'room' && S.cur.id === room) showEmpty();
    renderSidebar();
    return;
  }
  if (mine && name === 'member.added') { loadRooms().catch(() => {}); return; }
  if (S.cur && S.cur.kind === 'room' && S.cur.id === room) loadMembers(room).then(() => loadRooms()).catch(() => {});
}

function typing(d) {
  const user = oid(d.user);
  const c = d.room ? {kind: 'room', id: oid(d.room)} : {kind: 'dm', id: user};
  if (!isCur(c) || user === S.me.id) return;
  const t = S.typers.get(user);
  if (t) clearTimeout(t.timer);
  S.typers.set(user, {name: d.username, timer: setTimeout(() => clearTyper(user), 6000)});
  renderTyping();
}

function clearTyper(user) {
  const t = S.typers.get(user);
  if (!t) return;
  clearTimeout(t.timer);
  S.typers.delete(user);
  renderTyping();
}

function renderTyping() {
  const names = [...S.typers.values()].map(t => t.name);
  $('typing').textContent = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…`
    : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : 'Several people are typing…';
}

// ---------- desktop notifications ----------

function updateNotifyButton() {
  const b = $('notify');
  if (!('Notification' in window)) { b.hidden = true; return; }
  b.textContent = {granted: 'Notifications on', denied: 'Notifications blocked'}[Notification.permission] || 'Enable notifications';
  b.disabled = Notification.permission !== 'default';
}
$('notify').addEventListener('click', async () => {
  await Notification.requestPermission();
  updateNotifyButton();
});

function notify(c, m) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(c.kind === 'room' ? `${author(m)} in ${convName(c)}` : author(m),
    {body: m.text.slice(0, 200), tag: c.kind + c.id});
  n.onclick = () => { window.focus(); openConv(c.kind, c.id); n.close(); };
}

// ---------- the user's menu: tokens, account and theme ----------

$('tokens').addEventListener('click', async () => {
  const list = el('ul', {className: 'pick'});
  const shown = el('div');
  const fill = async () => {
    const ts = await api.get('/api/tokens');
    list.replaceChildren(...(ts.length ? ts.map(t => el('li', {},
      el('span', {className: 'name'}, t.name),
      el('span', {className: 'muted'}, t.last_used ? 'used ' + when(t.last_used).toLocaleDateString() : 'never used'),
      el('button', {type: 'button', className: 'danger', onclick: async () => { await api.del('/api/tokens/' + oid(t._id)); fill(); }}, 'Revoke')))
      : [el('li', {className: 'muted'}, 'No tokens yet.')]));
  };
  const name = field('New token name', {maxLength: 120});
  const make = el('button', {type: 'button', onclick: async () => {
    try {
      const t = await api.post('/api/tokens', {name: name.querySelector('input').value});
      shown.replaceChildren(el('p', {}, 'Copy it now: it is shown only this once. Send it as the X-Auth-Token header.'),
        el('p', {className: 'secret'}, t.value));
      name.querySelector('input').value = '';
      fill();
    } catch (ex) { shown.replaceChildren(el('p', {className: 'error'}, ex.message)); }
  }}, 'Create token');
  await fill();
  dialog({title: 'Your API tokens', body: el('div', {}, el('p', {className: 'muted'}, 'Tokens let bots and scripts act as you.'), list, name, make, shown)});
});

// The account: one's own password, and the sessions one is logged in
// with, each of which can be ended from here.
$('account').addEventListener('click', async () => {
  const sessions = el('ul', {className: 'pick', 'aria-label': 'Your sessions'});
  const fill = async () => {
    const ss = await api.get('/api/sessions');
    sessions.replaceChildren(...ss.map(s => el('li', {},
      el('span', {className: 'name'}, browserName(s.user_agent) + (s.current ? ' (this browser)' : '')),
      el('span', {className: 'muted'}, `${s.address || 'unknown address'}, since ${when(s.created).toLocaleString()}`),
      s.current ? null : el('button', {type: 'button', className: 'danger',
        onclick: async () => { await api.del('/api/sessions/' + oid(s._id)); fill(); }}, 'Log out'))));
  };
  const cur = field('Current password', {type: 'password', autocomplete: 'current-password'});
  const next = field('New password (at least 8 characters)', {type: 'password', autocomplete: 'new-password', minLength: 8});
  const again = field('New password again', {type: 'password', autocomplete: 'new-password'});
  const note = el('p', {role: 'status'});
  const input = (f) => f.querySelector('input');
  const change = el('button', {type: 'button', onclick: async () => {
    note.className = 'error';
    if (input(next).value !== input(again).value) { note.textContent = 'The two new passwords differ.'; return; }
    try {
      await api.post('/api/me/password', {current_password: input(cur).value, new_password: input(next).value});
      [cur, next, again].forEach(f => { input(f).value = ''; });
      note.className = 'muted';
      note.textContent = 'Password changed. Your other sessions have been logged out.';
      fill();
    } catch (ex) { note.textContent = ex.message; }
  }}, 'Change password');
  await fill();
  dialog({title: 'Your account', body: el('div', {},
    el('h3', {}, 'Password'), cur, next, again, change, note,
    el('h3', {}, 'Where you are logged in'), sessions)});
});

// browserName makes a User-Agent readable: "Firefox on Linux".
function browserName(ua) {
  if (!ua) return 'Unknown browser';
  const b = [['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari'], ['curl/', 'curl']]
    .find(([k]) => ua.includes(k));
  const os = [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'], ['Mac OS', 'macOS'], ['CrOS', 'ChromeOS'], ['Linux', 'Linux']]
    .find(([k]) => ua.includes(k));
  if (!b) return ua.slice(0, 60);
  return b[1] + (os ? ' on ' + os[1] : '');
}

// The theme follows the system unless the user picks one; the choice is
// kept in this browser.
const THEMES = ['system', 'light', 'dark'];
function applyTheme(t) {
  if (t === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
  $('theme').textContent = 'Theme: ' + t;
}
applyTheme(localStorage.getItem('makechat.theme') || 'system');
$('theme').addEventListener('click', () => {
  const cur = localStorage.getItem('makechat.theme') || 'system';
  const next = THEMES[(THEMES.indexOf(cur) + 1) % THEMES.length];
  localStorage.setItem('makechat.theme', next);
  applyTheme(next);
});

// ---------- search ----------

$('search').addEventListener('submit', async (e) => {
  e.preventDefault();
  const q = $('search-input').value.trim();
  if (!q) return closeResults();
  const list = $('results-list');
  $('results').hidden = false;
  $('scroller').hidden = true;
  $('results-title').textContent = `Results for “${q}”`;
  list.replaceChildren(el('li', {className: 'note'}, 'Searching…'));
  try {
    const found = await api.get('/api/messages?limit=50&q=' + encodeURIComponent(q));
    if (!found.length) { list.replaceChildren(el('li', {className: 'note'}, 'Nothing found.')); return; }
    list.replaceChildren(...found.map(raw => {
      const m = norm(raw);
      const c = convOf(raw);
      return el('li', {className: 'msg result'},
        el('div', {className: 'msg-head'}, el('span', {className: 'author', dir: 'auto'}, author(m)), ' in ',
          el('button', {type: 'button', className: 'link-button', onclick: () => openConv(c.kind, c.id)}, convName(c)), ' ',
          el('time', {dateTime: m.created.toISOString(), title: m.created.toLocaleString()}, relTime(m.created))),
        el('div', {className: 'body', dir: 'auto'}, renderText(m.text, S.me.username)));
    }));
  } catch (ex) {
    list.replaceChildren(el('li', {className: 'error'}, ex.message));
  }
});
function closeResults() {
  $('results').hidden = true;
  $('scroller').hidden = false;
}
$('results-close').addEventListener('click', () => { closeResults(); $('search-input').value = ''; input.focus(); });

// ---------- dialogs: browse, create, members, switcher ----------

async function browseRooms() {
  await loadRooms();
  const open = [...S.rooms.values()].filter(r => !r.joined && (r.is_open || S.me.admin)).sort(byName);
  const body = open.length ? el('ul', {className: 'pick'}, open.map(r => el('li', {},
    el('span', {className: 'name', dir: 'auto'}, r.name), el('span', {className: 'muted'}, `${r.members} members`),
    el('button', {type: 'button', onclick: async (e) => {
      try {
        await api.post('/api/members', {room: r.id});
        r.joined = true;
        $('dialog').close();
        await loadRooms();
        openConv('room', r.id);
      } catch (ex) { e.target.replaceWith(el('span', {className: 'error'}, ex.message)); }
    }}, 'Join'))))
    : el('p', {}, 'There are no other open rooms.');
  dialog({title: 'Browse rooms', body});
}
$('browse').addEventListener('click', browseRooms);

$('new-room').addEventListener('click', () => {
  const name = field('Name', {required: true, maxLength: 120, dir: 'auto'});
  const isOpen = field('Open: anyone may join', {type: 'checkbox', checked: true});
  const isVisible = field('Visible: listed to everyone', {type: 'checkbox', checked: true});
  dialog({title: 'Create a room', body: el('div', {}, name, isOpen, isVisible), ok: 'Create', onOk: async () => {
    const r = await api.post('/api/rooms', {name: name.querySelector('input').value,
      is_open: isOpen.querySelector('input').checked, is_visible: isVisible.querySelector('input').checked});
    await loadRooms();
    openConv('room', oid(r._id));
  }});
});

$('members-button').addEventListener('click', async () => {
  if (!S.cur || S.cur.kind !== 'room') return;
  const room = S.cur.id;
  await loadMembers(room);
  const ms = S.rooms.get(room)?.memberList || [];
  const mine = S.mine.get(room);
  const body = el('div', {},
    el('ul', {className: 'pick'}, ms.map(m => el('li', {},
      el('span', {className: 'name', dir: 'auto'}, m.username), el('span', {className: 'muted'}, m.role),
      oid(m.profile) !== S.me.id ? el('button', {type: 'button', onclick: () => {
        const id = oid(m.profile);
        if (!S.directs.has(id)) S.directs.set(id, {username: m.username, unread: 0, mentions: 0});
        $('dialog').close();
        renderSidebar();
        openConv('dm', id);
      }}, 'Message') : null))),
    mine ? el('button', {type: 'button', className: 'danger', onclick: async (e) => {
      try {
        await api.del('/api/members/' + mine.id);
        $('dialog').close();
      } catch (ex) { e.target.after(el('p', {className: 'error'}, ex.message)); }
    }}, 'Leave this room') : null);
  dialog({title: `Members of ${convName()}`, body});
});

function switcher() {
  const q = el('input', {type: 'search', placeholder: 'Room or person', 'aria-label': 'Find a room or person', autocomplete: 'off'});
  const list = el('ul', {className: 'pick', role: 'listbox'});
  const items = [...[...S.rooms.values()].filter(r => r.joined).map(r => ({kind: 'room', id: r.id, name: r.name})),
    ...[...S.directs.entries()].map(([id, d]) => ({kind: 'dm', id, name: '@' + d.username}))];
  const fill = () => {
    const f = q.value.toLowerCase();
    list.replaceChildren(...items.filter(i => i.name.toLowerCase().includes(f)).slice(0, 12).map(i =>
      el('li', {}, el('button', {type: 'button', className: 'conv', onclick: () => { $('dialog').close(); openConv(i.kind, i.id); }},
        el('span', {className: 'name', dir: 'auto'}, i.name)))));
  };
  q.addEventListener('input', fill);
  q.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); list.querySelector('button')?.click(); }
  });
  fill();
  dialog({title: 'Go to…', body: el('div', {}, q, list)});
}

document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k' && S.me) {
    e.preventDefault();
    switcher();
  } else if (e.key === 'Escape' && $('app').classList.contains('drawer-open')) {
    closeDrawer();
    $('open-drawer').focus();
  }
});

// ---------- the drawer (phones) ----------

// While the drawer is open, the rest of the page is inert: the focus
// stays in the drawer, and goes back to the menu button when it closes.
$('open-drawer').addEventListener('click', () => {
  $('app').classList.add('drawer-open');
  $('open-drawer').setAttribute('aria-expanded', 'true');
  $('room').inert = true;
  $('scrim').hidden = false;
  $('sidebar').querySelector('button.conv, button')?.focus();
});
function closeDrawer() {
  if (!$('app').classList.contains('drawer-open')) return;
  $('app').classList.remove('drawer-open');
  $('open-drawer').setAttribute('aria-expanded', 'false');
  $('room').inert = false;
  $('scrim').hidden = true;
}
$('close-drawer').addEventListener('click', () => { closeDrawer(); $('open-drawer').focus(); });
$('scrim').addEventListener('click', () => { closeDrawer(); $('open-drawer').focus(); });

$('logout').addEventListener('click', async () => {
  try { await api.post('/api/logout'); } catch { /* the cookie goes anyway */ }
  sessionOver('You have logged out.');
});

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

route();
