// Invite links, as their makers see them: the fields of a new invite
// (rooms to join, how many uses, how long it lasts), reading them back,
// and the link, shown once, to copy. Shared by the admin's Invites tab and
// the chat (a room owner's "Invite people by link", the first-run
// checklist); it knows nothing of either page's state.

import * as api from './api.js';
import {el} from './render.js';
import {field, copyField, count} from './ui.js';

const {when} = api;
const DAY = 24 * 3600;

// EXPIRIES are the choices of how long a link lasts, in seconds (0: never).
export const EXPIRIES = [[DAY, '1 day'], [7 * DAY, '7 days'], [30 * DAY, '30 days'], [0, 'never']];

// inviteFields returns the fields of a new invite; rooms ({id, name}) are
// offered as boxes to tick, none ticked meaning an account only.
export function inviteFields(rooms, {legend = 'Rooms to join (optional)'} = {}) {
  const boxes = rooms.length ? el('fieldset', {className: 'rooms-pick'}, el('legend', {}, legend),
    rooms.map(r => field(r.name, {type: 'checkbox', name: 'rooms', value: r.id})))
    : el('p', {className: 'muted'}, 'There are no rooms yet: the link makes an account only.');
  const uses = field('Uses (0: no limit)', {name: 'max_uses', type: 'number', min: 0, max: 1000, step: 1, value: '0', inputMode: 'numeric'});
  const id = 'f-expiry-' + Math.random().toString(36).slice(2, 7);
  const expiry = el('div', {className: 'field'}, el('label', {htmlFor: id}, 'Expires after'),
    el('select', {id, name: 'expires_in'}, EXPIRIES.map(([s, label]) => el('option', {value: String(s), selected: s === 7 * DAY}, label))));
  return [boxes, uses, expiry];
}

// readInvite reads the fields that inviteFields made, inside box.
export function readInvite(box) {
  const uses = box.querySelector('[name=max_uses]').value.trim();
  return {
    rooms: [...box.querySelectorAll('[name=rooms]:checked')].map(c => c.value),
    max_uses: uses === '' ? 0 : Number(uses),
    expires_in: Number(box.querySelector('[name=expires_in]').value),
  };
}

// expiresText says when an invite stops working.
export function expiresText(inv) {
  return inv.expires ? when(inv.expires).toLocaleString([], {dateStyle: 'medium', timeStyle: 'short'}) : 'never';
}

// linkView shows a new invite's link, with what it does; roomNames are
// the names of its rooms.
export function linkView(inv, roomNames) {
  const rooms = roomNames.length ? ` and join ${roomNames.join(', ')}` : '';
  const uses = inv.max_uses ? `${count(inv.max_uses, 'time')} at most` : 'any number of times';
  const until = inv.expires ? `until ${expiresText(inv)}` : 'with no end date';
  return el('div', {className: 'invite-link'},
    el('p', {}, `Anyone with this link can make an account${rooms}. It works ${uses}, ${until}.`),
    copyField('Invite link', location.origin + inv.url),
    el('p', {className: 'muted'}, 'It is shown only this once: copy it now. You can revoke it at any time.'));
}
