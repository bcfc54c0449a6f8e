// Avatars beside people's names: a user's uploaded picture (its URL
// comes with the member, direct and people lists and /api/me, and live
// with user.updated; messages do not carry it), else initials on a
// colour made from the user's id.
// Decorative, as the name is beside it: a box hidden from screen readers
// with the initials, and the picture (alt "") over them; one that fails
// to load leaves the initials showing. learnAvatar notes a URL and
// updates the avatars of that user already drawn; learnPresence does the
// same for the user's presence (presence.js), which some lists show as a
// dot (app.css).

import {el} from './render.js';

const urls = new Map();   // user id -> avatar URL ('' for none)
const present = new Map(); // user id -> 'online' | 'away' (else offline)

// initials: "bob" B, "mary_ann" MA.
function initials(name) {
  const parts = name.split(/[-_.\s]+/).filter(Boolean);
  return (parts.length > 1 ? parts[0][0] + parts[1][0] : name.slice(0, 1)).toUpperCase();
}

// colourClass gives a user (by id, or by name without one) one of eight
// colours (app.css: .avatar.c0…c7), always the same one.
function colourClass(key) {
  let h = 0;
  for (const c of key) h = (h * 31 + c.codePointAt(0)) >>> 0;
  return 'c' + (h % 8);
}

const picture = (src) => el('img', {src, alt: '', loading: 'lazy', decoding: 'async'});

// avatar draws user id's avatar (with id '', a name's initials: a
// webhook's post must not wear anyone's picture); cls adds a size
// (.small, .large).
export function avatar(id, name, cls = '') {
  const url = id && urls.get(id);
  return el('span', {className: `avatar ${colourClass(id || name)} ${cls}`.trim(), dataset: !id ? {} : present.has(id) ? {user: id, presence: present.get(id)} : {user: id}, 'aria-hidden': 'true'},
    initials(name), url ? picture(url) : null);
}

// learnAvatar notes user id's avatar URL ('' or none: initials).
export function learnAvatar(id, url) {
  url ||= '';
  if (!id || urls.get(id) === url) return;
  urls.set(id, url);
  for (const a of document.querySelectorAll(`.avatar[data-user="${CSS.escape(id)}"]`)) {
    a.querySelector('img')?.remove();
    if (url) a.append(picture(url));
  }
}

// learnPresence notes user id's presence: 'online', 'away' or 'offline'.
export function learnPresence(id, status) {
  if (status === 'online' || status === 'away') present.set(id, status);
  else present.delete(id);
  for (const a of document.querySelectorAll(`.avatar[data-user="${CSS.escape(id)}"]`)) {
    if (present.has(id)) a.dataset.presence = status;
    else delete a.dataset.presence;
  }
}

// presenceOf is user id's presence as last known.
export const presenceOf = (id) => present.get(id) || 'offline';

// forgetAvatars is for the end of a session.
export function forgetAvatars() { urls.clear(); present.clear(); }
