// Opening a conversation: its first page of history, older pages as one
// scrolls up (without the view jumping), and the read marker, moved to
// the newest message once it has been seen.

import * as api from './api.js';
import {S, $, PAGE, opened, convQuery, ready} from './state.js';
import {renderHeader, renderSidebar, loadMembers} from './rooms.js';
import {mergeMessages, renderAll, scrollToBottom, atBottom, stopEdit} from './messages.js';
import {forgetTypers} from './typing.js';
import {closeResults} from './search.js';

let loading = false;      // an older page is on its way
let olderWait = 0;        // ms to wait after a failed load of older messages
let olderRetryAt = 0;     // no new attempt before this time
let readTimer = 0;

// openConv shows a conversation; the composer takes the focus on a wide
// screen when the user chose it (not when the page opens one by itself
// while the user is elsewhere).
export async function openConv(kind, id, chosen = true) {
  const seq = ++S.openSeq;
  S.cur = {kind, id};
  localStorage.setItem('makechat.last', kind + ':' + id);
  S.msgs = [];
  S.noMore = false;
  stopEdit();
  forgetTypers();
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

async function loadOlder() {
  if (loading || S.noMore || !S.cur || !S.msgs.length || Date.now() < olderRetryAt) return;
  loading = true;
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
    olderWait = 0;
  } catch (ex) {
    if (!opened(seq)) return;
    // Wait longer after each failure before the next scroll may retry,
    // rather than asking again on every frame.
    failed = true;
    olderWait = Math.min(30000, (olderWait || 500) * 2);
    olderRetryAt = Date.now() + olderWait;
    $('history-state').textContent = ex.message;
  } finally {
    loading = false;
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
export function markRead() {
  clearTimeout(readTimer);
  readTimer = setTimeout(async () => {
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
