// Opening a conversation: at its first unread message (the "New" divider
// in view, and a bar "N new messages"), at a message asked for (a search
// result), or else at the newest; older pages as one scrolls up and, when
// it was opened further back, newer ones as one scrolls down, without the
// view jumping; and the read marker, moved once the newest messages have
// been seen.

import * as api from './api.js';
import {S, $, PAGE, opened, convQuery, ready} from './state.js';
import {renderHeader, renderSidebar, loadMembers} from './rooms.js';
import {mergeMessages, renderAll, scrollToBottom, atBottom, stopEdit, msgLi, setTabStop, highlight, MAX_DOM} from './messages.js';
import {forgetTypers, viewing} from './typing.js';
import {closeResults} from './search.js';
import {count} from './ui.js';

const EDGE = 300;         // px from an end of the list at which the next page loads
let loading = false;      // a page is on its way
let wait = 0;             // ms to wait after a failed load of a page
let retryAt = 0;          // no new attempt before this time
let readTimer = 0;

// openConv shows a conversation; the composer takes the focus on a wide
// screen when the user chose it (not when the page opens one by itself
// while the user is elsewhere). at names a message to open at.
export async function openConv(kind, id, chosen = true, at = '') {
  const seq = ++S.openSeq;
  S.cur = {kind, id};
  localStorage.setItem('makechat.last', kind + ':' + id);
  S.msgs = [];
  S.noMore = false;
  S.gap = false;
  stopEdit();
  forgetTypers();
  closeResults();
  showBar(0);
  $('empty').hidden = true;
  $('messages').replaceChildren();
  $('composer').hidden = false;
  $('composer-error').hidden = true;
  $('history-state').textContent = 'Loading…';
  renderHeader();
  renderSidebar();
  viewing();
  const conv = kind === 'room' ? S.rooms.get(id) : S.directs.get(id);
  const unread = conv ? conv.unread : 0;
  S.newerThan = '';
  let page;
  try {
    // The read marker comes with the member list: with unread messages,
    // the history waits for it.
    const members = kind === 'room' ? loadMembers(id) : null;
    if (unread && !at && members && !S.mine.has(id)) await members;
    if (!opened(seq)) return;
    const marker = readMarker(kind, id);
    [page] = await Promise.all([firstPage(at || (unread ? marker : '')), members]);
  } catch (ex) {
    if (opened(seq)) $('history-state').textContent = ex.message;
    return;
  }
  if (!opened(seq)) return;
  S.newerThan = readMarker(kind, id);
  // Keep what the stream brought meanwhile, unless newer messages are
  // still to be loaded before it.
  const end = page.msgs.length ? api.oid(page.msgs.at(-1)._id) : '';
  if (page.gap) S.msgs = S.msgs.filter(m => m.pending || m.failed || m.id <= end);
  mergeMessages(page.msgs);
  S.noMore = page.noMore;
  S.gap = page.gap;
  const first = S.newerThan && S.msgs.find(m => m.id > S.newerThan && (m.sender !== S.me.id || m.hookName));
  setTabStop(at || (first ? first.id : ''), Boolean(at || first));
  renderAll();
  place(at, unread);
  if (conv) { conv.unread = 0; conv.mentions = 0; }
  renderSidebar();
  markRead();
  const idle = document.activeElement === document.body || document.activeElement === null;
  if (at && msgLi(at)) msgLi(at).focus({preventScroll: true});
  else if (window.matchMedia('(min-width: 720px)').matches && (chosen || idle)) $('composer-input').focus();
  ready();
}

// readMarker is the read marker of a room or a direct conversation. A
// member who joined a room when it was empty has none (all zeros), nor
// has one who never read a direct conversation: there is no place to open
// at, and no divider to draw.
function readMarker(kind, conv) {
  const id = (kind === 'room' ? S.mine.get(conv) : S.directs.get(conv))?.last_read || '';
  return /^0*$/.test(id) ? '' : id;
}

// firstPage loads the newest page or, with an anchor (a message, or the
// read marker), the page after it and the one before that (which holds
// the anchor itself): the view starts there, and S.gap says that newer
// messages remain to be loaded.
async function firstPage(anchor) {
  const q = `/api/messages?${convQuery()}&limit=${PAGE}`;
  if (anchor) {
    const newer = await api.get(q + '&after=' + anchor);
    if (newer.length) {
      const older = await api.get(q + '&before=' + api.oid(newer[0]._id));
      return {msgs: [...older, ...newer], noMore: older.length < PAGE, gap: newer.length === PAGE};
    }
  }
  const msgs = await api.get(q);
  return {msgs, noMore: msgs.length < PAGE, gap: false};
}

// place scrolls a new view: a found message in the middle, highlighted;
// the "New" divider near the top, with the bar; else the bottom.
function place(at, unread) {
  const sc = $('scroller');
  const found = at && msgLi(at);
  const line = $('messages').querySelector('.new-divider');
  if (found) {
    const r = found.getBoundingClientRect();
    const v = sc.getBoundingClientRect();
    sc.scrollTop += r.top - v.top - (v.height - r.height) / 2;
    highlight(at);
  } else if (line) {
    // Below the bar, with a line of what came before.
    sc.scrollTop += line.getBoundingClientRect().top - sc.getBoundingClientRect().top - 80;
    const loaded = S.msgs.filter(m => m.id > S.newerThan && (m.sender !== S.me.id || m.hookName) && !m.pending).length;
    if (S.gap || !atBottom()) showBar(Math.max(unread, loaded));
  } else {
    scrollToBottom();
  }
  $('jump').hidden = !S.gap;
}

// ---------- the "N new messages" bar ----------

// showBar shows the bar with n unread messages, or hides it (n = 0).
function showBar(n) {
  $('unread-bar').hidden = !n;
  if (n) $('unread-count').textContent = n > 999 ? '999+ new messages' : count(n, 'new message');
}
$('unread-jump').addEventListener('click', () => { toLatest(); $('composer-input').focus(); });
$('unread-read').addEventListener('click', markAllRead);
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || e.defaultPrevented || $('unread-bar').hidden || document.querySelector('dialog[open]') ||
    $('app').classList.contains('drawer-open') || e.target.closest?.('.edit-input, [role=menu]')) return;
  e.preventDefault();
  markAllRead();
});

// markAllRead dismisses the bar and moves the read marker to the newest
// message, loaded or not, without moving the view.
async function markAllRead() {
  showBar(0);
  const cur = S.cur;
  try {
    const last = S.gap ? (await api.get(`/api/messages?${convQuery()}&limit=1`))[0] : null;
    if (S.cur === cur) saveMarker(last ? api.oid(last._id) : '');
  } catch { /* the marker moves when the bottom is seen */ }
}

// ---------- loading pages ----------

// toLatest shows the newest messages: at once if they are loaded, else
// after loading the newest page in place of what is shown.
export async function toLatest() {
  showBar(0);
  if (!S.gap) { scrollToBottom(); return; }
  const seq = S.openSeq;
  // From now on messages arriving live are shown (appendMessage), and
  // the page below replaces the older ones around them.
  S.gap = false;
  try {
    const msgs = await api.get(`/api/messages?${convQuery()}&limit=${PAGE}`);
    if (!opened(seq)) return;
    const last = msgs.length ? api.oid(msgs.at(-1)._id) : '';
    S.msgs = S.msgs.filter(m => m.pending || m.failed || m.id > last);
    mergeMessages(msgs);
    S.noMore = msgs.length < PAGE;
    renderAll();
    scrollToBottom();
    markRead();
  } catch (ex) {
    if (!opened(seq)) return;
    S.gap = true;
    $('jump').hidden = false;
    $('history-state').textContent = ex.message;
  }
}

// loadPage loads the page before the oldest message shown, or after the
// newest (newer) when the view was opened further back.
async function loadPage(newer) {
  if (loading || !S.cur || Date.now() < retryAt || (newer ? !S.gap : S.noMore)) return;
  const stored = S.msgs.filter(m => !m.pending && !m.failed);
  const from = newer ? stored.at(-1) : stored[0];
  if (!from) return;
  loading = true;
  let failed = false;
  const seq = S.openSeq;
  if (!newer) $('history-state').textContent = 'Loading older messages…';
  try {
    const msgs = await api.get(`/api/messages?${convQuery()}&limit=${PAGE}&${newer ? 'after' : 'before'}=${from.id}`);
    if (!opened(seq) || (newer && !S.gap)) return;
    if (newer) S.gap = msgs.length === PAGE;
    else S.noMore = msgs.length < PAGE;
    mergeMessages(msgs);
    // Going down a long way, the oldest go: the page stays light.
    if (newer && S.msgs.length > MAX_DOM) {
      S.msgs.splice(0, S.msgs.length - MAX_DOM);
      S.noMore = false;
    }
    renderAll();
    wait = 0;
  } catch (ex) {
    if (!opened(seq)) return;
    // Wait longer after each failure before the next scroll may retry,
    // rather than asking again on every frame.
    failed = true;
    wait = Math.min(30000, (wait || 500) * 2);
    retryAt = Date.now() + wait;
    $('history-state').textContent = ex.message;
  } finally {
    loading = false;
  }
  // A short page may not fill the view: keep going.
  if (!failed) requestAnimationFrame(edges);
}

// edges loads the next page when the view is near an end of the list,
// and notes the newest messages seen.
function edges() {
  const sc = $('scroller');
  if (!S.cur || sc.hidden) return;
  if (sc.scrollTop < EDGE) loadPage(false);
  if (S.gap && sc.scrollHeight - sc.scrollTop - sc.clientHeight < EDGE) loadPage(true);
  if (atBottom()) {
    if (!S.gap) { $('jump').hidden = true; showBar(0); }
    markRead();
  }
}
$('scroller').addEventListener('scroll', edges, {passive: true});
$('jump').addEventListener('click', () => { toLatest(); $('composer-input').focus(); });
// Sending from a view opened further back goes to the newest first (in
// the capture phase: before the composer adds the pending line).
$('composer').addEventListener('submit', () => { if (S.gap) toLatest(); }, true);

// ---------- the read marker ----------

// markRead moves the room's read marker to the newest message loaded,
// soon, if the bottom of the list is in view.
export function markRead() {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (!S.cur || document.visibilityState !== 'visible' || !atBottom()) return;
    saveMarker('');
  }, 500);
}

// saveMarker moves the read marker of the open conversation to id (or to
// the newest message loaded); never back. A room's is its member's; a
// direct conversation's is the user's with that partner, which the
// server passes on to the user's other browsers (direct.updated).
async function saveMarker(id) {
  if (!S.cur) return;
  const dm = S.cur.kind === 'dm';
  const me = dm ? S.directs.get(S.cur.id) : S.mine.get(S.cur.id);
  const last = id || [...S.msgs].reverse().find(m => !m.pending && !m.failed)?.id;
  if (!me || !last || (me.last_read && me.last_read >= last)) return;
  me.last_read = last;
  try {
    await api.patch(dm ? '/api/directs/' + S.cur.id : '/api/members/' + me.id, {last_read: last});
  } catch { /* retried on the next one */ }
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && S.cur) {
    const c = S.cur.kind === 'room' ? S.rooms.get(S.cur.id) : S.directs.get(S.cur.id);
    if (c) { c.unread = 0; c.mentions = 0; renderSidebar(); }
    markRead();
  }
});
