// Presence (docs/api.md, "Presence"): who is online (a dot on their
// avatar), away (a hollow one) or offline (none), from GET /api/presence
// at load and after a reconnect, and the stream's batched presence
// events; and, in a direct conversation's header, whether the other is
// online, or when it was last seen. The dots are drawn by avatars.js,
// where the lists ask for them (app.css: the direct messages, the member
// list, the people picker).

import * as api from './api.js';
import {S} from './state.js';
import {learnPresence, presenceOf} from './avatars.js';
import {clock} from './ui.js';

const seen = new Map();   // user id -> when it was last seen (ms), for those offline
const asked = new Set();  // users whose last-seen time was asked for
let tick = 0;

// loadPresence reads who is online or away; anyone else is offline.
export async function loadPresence() {
  const ps = await api.get('/api/presence');
  const present = new Set(ps.map(p => api.oid(p.user)));
  for (const p of ps) learnPresence(api.oid(p.user), p.status);
  for (const id of [...S.names.keys()]) if (!present.has(id)) learnPresence(id, 'offline');
  asked.clear();
}

// presenceChanged takes a presence event's changes.
export function presenceChanged(d) {
  for (const c of d.changes || []) {
    const id = api.oid(c.user);
    learnPresence(id, c.status);
    if (c.last_seen) seen.set(id, api.when(c.last_seen).getTime());
    else if (c.status === 'offline') seen.delete(id); // hidden: no time
  }
}

// presenceText says a user's presence to screen readers, after its name.
export const presenceText = (id) => ({online: ', online', away: ', away'})[presenceOf(id)] || '';

// seenLine fills el, the header's line under a direct conversation's
// name: "Online", "Away", "Last seen 5 min ago", or nothing.
export function seenLine(el) {
  const id = S.cur.id;
  const status = presenceOf(id);
  if (status === 'offline' && !asked.has(id)) {
    asked.add(id);
    api.get('/api/presence?users=' + id).then((ps) => {
      const p = ps[0];
      if (p?.last_seen) seen.set(id, api.when(p.last_seen).getTime());
      if (p) learnPresence(id, p.status);
      if (S.cur?.kind === 'dm' && S.cur.id === id) seenLine(el);
    }, () => asked.delete(id));
  }
  const t = seen.get(id);
  el.textContent = status === 'online' ? 'Online' : status === 'away' ? 'Away' : t ? 'Last seen ' + ago(t) : '';
  el.title = t && status === 'offline' ? new Date(t).toLocaleString() : '';
  el.hidden = !el.textContent;
  // "5 min ago" grows old: said again every minute.
  clearTimeout(tick);
  if (t && status === 'offline') tick = setTimeout(() => { if (S.cur?.kind === 'dm' && S.cur.id === id) seenLine(el); }, 60000);
}

// ago says how long ago a time was: "just now", "5 min ago", "3 hours
// ago", "yesterday at 14:05", or a date.
function ago(t) {
  const s = (Date.now() - t) / 1000;
  if (s < 60) return 'just now';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  const d = new Date(t);
  if (s < 6 * 3600 || d.toDateString() === new Date().toDateString()) return s < 7200 ? '1 hour ago' : Math.floor(s / 3600) + ' hours ago';
  const y = new Date();
  y.setDate(y.getDate() - 1);
  if (d.toDateString() === y.toDateString()) return 'yesterday at ' + clock(d);
  return 'on ' + d.toLocaleDateString([], {month: 'long', day: 'numeric'});
}
