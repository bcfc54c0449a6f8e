// The page for someone in no room yet. Whoever may create rooms (an
// administrator on a new server) gets a first-run checklist — create a
// room, invite people, turn on notifications — each step ticked when it
// is done; everyone else is pointed to rooms they may join, or to an
// administrator.

import * as api from './api.js';
import {el, icon} from './render.js';
import {dialog} from './ui.js';
import {S, $, byName, ready} from './state.js';
import {browseRooms, createRoom} from './rooms.js';
import {askNotifications, BLOCKED, pushNote} from './notify.js';

let invited = false; // an invite exists: GET /api/invites said so, or one was made here

// showEmpty shows the page in place of a conversation.
export function showEmpty() {
  S.cur = null;
  $('room-title').textContent = 'Welcome';
  $('room-flags').replaceChildren();
  for (const id of ['members-button', 'room-topic', 'mute-button', 'room-settings']) $(id).hidden = true;
  $('messages').replaceChildren();
  $('composer').hidden = true;
  $('history-state').textContent = '';
  $('empty').hidden = false;
  render();
  ready();
  if (S.me.canInvite) {
    api.get('/api/invites').then((list) => { invited = invited || list.length > 0; refreshEmpty(); }, () => {});
  }
}

// refreshEmpty brings the page up to date (rooms came or went, a step
// was done) without redrawing what has the focus.
export function refreshEmpty() {
  if (!S.me || S.cur || $('empty').hidden) return;
  const list = $('empty').querySelector('.checklist');
  if (!list) {
    // Redrawn only if what it offers changed.
    if (Boolean($('empty').querySelector('button')) !== joinable()) render();
    return;
  }
  for (const s of steps()) {
    const li = list.querySelector(`[data-step="${s.key}"]`);
    if (li) patchStep(li, s);
  }
  $('firstrun-browse').hidden = !joinable();
  sayProgress();
}

// The sidebar's button may be the one that turned them on.
document.addEventListener('notify-permission', () => refreshEmpty());

const joinable = () => [...S.rooms.values()].some(r => !r.joined && (r.is_open || S.me.admin));

function render() {
  const e = $('empty');
  if (!S.me.canCreateRooms) {
    e.replaceChildren(el('p', {}, 'You are not in any room yet.'),
      joinable() ? el('button', {type: 'button', className: 'primary', onclick: browseRooms}, 'Browse rooms')
        : el('p', {className: 'muted'}, 'Ask an administrator for an invite to a room.'));
    return;
  }
  e.replaceChildren(el('section', {className: 'firstrun', 'aria-labelledby': 'firstrun-title'},
    el('h2', {id: 'firstrun-title', tabIndex: -1}, 'Get your team started'),
    el('p', {id: 'firstrun-progress', className: 'muted'}),
    el('ol', {className: 'checklist'}, steps().map(stepItem)),
    el('p', {id: 'firstrun-browse', className: 'muted', hidden: !joinable()}, 'Or join a room that is already there: ',
      el('button', {type: 'button', className: 'link-button', onclick: browseRooms}, 'Browse rooms'))));
  sayProgress();
}

function sayProgress() {
  const all = steps();
  const done = all.filter(s => s.done).length;
  $('firstrun-progress').textContent = done === all.length ? 'All done. Welcome aboard!' : `${done} of ${all.length} done`;
}

// steps are the checklist's steps, as things stand now.
function steps() {
  const out = [{key: 'room', done: [...S.rooms.values()].some(r => !r.group), title: 'Create a room',
    text: 'Rooms are where your team talks: one per team, project or topic.', label: 'Create a room', run: createRoom}];
  if (S.me.canInvite) {
    out.push({key: 'invite', done: invited, title: 'Invite people',
      text: 'Make a link that lets people make an account and join your rooms.', label: 'Invite people', run: inviteDialog});
  }
  if ('Notification' in window) {
    const denied = Notification.permission === 'denied';
    out.push({key: 'notify', done: Notification.permission === 'granted', title: 'Turn on notifications',
      text: denied ? BLOCKED : pushNote || 'Hear of new messages, even with makechat closed.',
      label: 'Turn on notifications', disabled: denied, run: async () => {
        await askNotifications();
        if (Notification.permission !== 'default') $('firstrun-title').focus();
      }});
  }
  return out;
}

function stepItem(s) {
  const li = el('li', {dataset: {step: s.key}}, el('span', {className: 'tick'}),
    el('div', {className: 'what'}, el('strong', {}, s.title), el('span', {className: 'muted'})),
    el('button', {type: 'button', onclick: s.run}, s.label));
  patchStep(li, s);
  return li;
}

// patchStep shows a step as done or not in place, so that a button that
// has the focus (or gets it back from a dialog) stays.
function patchStep(li, s) {
  li.className = s.done ? 'done' : '';
  li.querySelector('.tick').replaceChildren(icon(s.done ? 'check' : 'circle', s.done ? 'Done:' : 'To do:'));
  li.querySelector('.what .muted').textContent = s.text;
  const b = li.querySelector('button');
  b.className = s.done ? '' : 'primary';
  b.disabled = Boolean(s.disabled);
  b.hidden = s.done && s.key === 'notify';
}

// inviteDialog makes an invite link; an administrator's may join no room
// at all (an account only). invites.js loads on first use.
async function inviteDialog() {
  const {inviteFields, readInvite, linkView} = await import('./invites.js');
  const rooms = [...S.rooms.values()].filter(r => !r.group).sort(byName).map(r => ({id: r.id, name: r.name}));
  const box = el('div', {}, el('p', {className: 'muted'},
    'The link lets people make an account, even with open registration off, and joins them to the rooms you tick.'),
  ...inviteFields(rooms));
  const h = dialog({title: 'Invite people', body: box, ok: 'Create link', cancel: 'Cancel', onOk: async () => {
    const want = readInvite(box);
    const inv = await api.post('/api/invites', want);
    invited = true;
    refreshEmpty();
    h.swap('Invite people', linkView(inv, want.rooms.map(id => S.rooms.get(id)?.name).filter(Boolean)));
    return false;
  }});
}
