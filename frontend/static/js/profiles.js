// People's display names and statuses, wherever a person is named:
// message headers, the member list, the people picker. A display name
// is shown first, with the @username beside it (the username is who
// one is: mentions and the server name people by it); a status after
// them, muted, until it expires. learnProfile takes what the server
// says of a user (the member, direct and people lists, /api/me,
// user.updated) and redraws the names of that user already drawn.

import {el} from './render.js';
import {S, shownName} from './state.js';
import {when} from './api.js';

const timers = new Map(); // user id -> the timeout that hides its status when it expires

// learnProfile notes user id's display name and status from a user as
// the API shows it ({display_name?, status?: {text, expires?}}).
export function learnProfile(id, u) {
  if (!id) return;
  const status = u.status?.text ? {text: u.status.text, expires: u.status.expires ? when(u.status.expires) : null} : null;
  const p = {name: u.display_name || '', status};
  const old = S.profiles.get(id);
  if (old && !old.guess && same(old, p)) return;
  S.profiles.set(id, p);
  clearTimeout(timers.get(id));
  const left = status?.expires ? status.expires - Date.now() : 0;
  // (A timeout of more than 24.8 days fires at once: such a status is
  // checked again then.)
  if (left > 0) timers.set(id, setTimeout(() => redraw(id), Math.min(left + 50, 2 ** 31 - 1)));
  redraw(id);
}

const same = (a, b) => a.name === b.name && a.status?.text === b.status?.text && (+a.status?.expires || 0) === (+b.status?.expires || 0);

// statusOf is user id's status text, '' for none or once it expired.
export function statusOf(id) {
  const st = S.profiles.get(id)?.status;
  return st && (!st.expires || st.expires > Date.now()) ? st.text : '';
}

// who names user id: its display name or username ('' when not known:
// a former member) in a span of class cls (.author in a message header,
// .name in lists), then the @username beside a display name, then its
// status.
export function who(id, username, cls = 'name') {
  return el('span', {className: 'who', dataset: {profile: id, username: username || '', cls}}, ...parts(id, username, cls));
}

function parts(id, username, cls) {
  const status = statusOf(id);
  const shown = shownName(id, username) || 'former member';
  return [el('span', {className: cls, dir: 'auto'}, shown),
    username && shown !== username ? el('span', {className: 'handle'}, '@' + username) : null,
    status ? el('span', {className: 'status', dir: 'auto', title: status}, status) : null];
}

// redraw renews the names of user id drawn by who.
function redraw(id) {
  for (const w of document.querySelectorAll(`.who[data-profile="${CSS.escape(id)}"]`)) {
    w.replaceChildren(...parts(id, w.dataset.username, w.dataset.cls));
  }
}

// forgetProfiles is for the end of a session.
export function forgetProfiles() {
  for (const t of timers.values()) clearTimeout(t);
  timers.clear();
}
