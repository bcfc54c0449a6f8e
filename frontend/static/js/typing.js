// "alice is typing…": the line above the composer, from the stream's
// typing events, and the events this browser sends while its user types;
// and what else it tells the stream of its user: the conversation it
// shows, and whether it is looked at ("viewing": no push notification of
// it then), and that its user is there ("active", for presence).

import {oid} from './api.js';
import {S, $, isCur} from './state.js';

// viewing says which conversation this page shows and whether it is
// visible: when that changes, and after a reconnect.
export function viewing() {
  if (!S.cur || !S.stream) return;
  S.stream.send('viewing', {[S.cur.kind === 'room' ? 'room' : 'recipient']: S.cur.id, visible: document.visibilityState === 'visible'});
}
document.addEventListener('visibilitychange', viewing);

// Input says that the user is there, at most once a minute.
let activeAt = 0;
for (const type of ['keydown', 'pointerdown', 'wheel']) {
  addEventListener(type, () => {
    if (S.stream && Date.now() - activeAt >= 60000 && S.stream.send('active')) activeAt = Date.now();
  }, {capture: true, passive: true});
}

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
