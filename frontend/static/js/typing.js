// "alice is typing…": the line above the composer, from the stream's
// typing events, and the events this browser sends while its user types.

import {oid} from './api.js';
import {S, $, isCur} from './state.js';

const typers = new Map(); // user id -> {name, timer}
let typedAt = 0;          // when this user's last typing event went out

// typed tells the others in the conversation, at most every 3 s.
export function typed() {
  if (Date.now() - typedAt > 3000) {
    typedAt = Date.now();
    S.stream.send('typing', S.cur.kind === 'room' ? {room: S.cur.id} : {recipient: S.cur.id});
  }
}

export function typing(d) {
  const user = oid(d.user);
  const c = d.room ? {kind: 'room', id: oid(d.room)} : {kind: 'dm', id: user};
  if (!isCur(c) || user === S.me.id) return;
  const t = typers.get(user);
  if (t) clearTimeout(t.timer);
  typers.set(user, {name: d.username, timer: setTimeout(() => clearTyper(user), 6000)});
  renderTyping();
}

// clearTyper is called when the user's message arrives, or 6 s after
// their last typing event.
export function clearTyper(user) {
  const t = typers.get(user);
  if (!t) return;
  clearTimeout(t.timer);
  typers.delete(user);
  renderTyping();
}

// forgetTypers empties the line, as another conversation opens.
export function forgetTypers() {
  typers.clear();
  renderTyping();
}

function renderTyping() {
  const names = [...typers.values()].map(t => t.name);
  $('typing').textContent = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…`
    : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : 'Several people are typing…';
}
