// Rooms and people: the room and direct-message lists in the sidebar (a
// drawer on phones) and its Threads entry, the room header, the members
// of a room as the app keeps them, and the dialogs to browse, create and
// switch between conversations. The member list dialog is members.js's; the page for
// someone in no room is firstrun.js's.

import * as api from './api.js';
import {el, icon} from './render.js';
import {dialog, field, count} from './ui.js';
import {S, $, byName, convName, openConv} from './state.js';
import {botTag, openThreads} from './cards.js';
import {avatar, learnAvatar} from './avatars.js';
import {learnProfile} from './profiles.js';
import {quiet, settingsOf, bellLabel} from './notify.js';
import {presenceText, seenLine} from './presence.js';

const {oid} = api;

// ---------- the lists and the header ----------

// loadRooms reads the room list; keepCounts keeps the unread counts of the
// rooms already joined instead of the server's (see connState in live.js).
export async function loadRooms(prefetched, {keepCounts = false} = {}) {
  const rooms = await (prefetched || api.all('/api/rooms?limit=100'));
  const fresh = new Map();
  for (const r of rooms) {
    const id = oid(r._id);
    const old = S.rooms.get(id);
    const counts = keepCounts && old?.joined && 'unread' in r ? old : {unread: r.unread || 0, mentions: r.mentions || 0};
    fresh.set(id, {id, name: r.name, topic: r.topic || '', is_open: r.is_open, is_visible: r.is_visible, members: r.members.length,
      joined: 'unread' in r, muted: r.muted === true, ...settingsOf(r), unread: counts.unread, mentions: counts.mentions, memberList: old?.memberList});
  }
  // Group conversations are not in the list: they stay as they are.
  for (const r of S.rooms.values()) if (r.group) fresh.set(r.id, r);
  if (S.cur && S.cur.kind === 'room' && fresh.has(S.cur.id)) {
    const r = fresh.get(S.cur.id);
    if (document.visibilityState === 'visible') { r.unread = 0; r.mentions = 0; }
  }
  S.rooms = fresh;
  renderSidebar();
  if (S.cur && S.cur.kind === 'room') renderHeader();
}

// loadDirects reads the direct conversations with their read state (the
// server's, shared by every browser of the user); keepCounts as for
// loadRooms.
export async function loadDirects(prefetched, {keepCounts = false} = {}) {
  const ds = await (prefetched || api.get('/api/directs'));
  for (const d of ds) {
    const id = oid(d.user);
    S.names.set(id, d.username);
    S.bots.set(id, d.is_bot === true);
    learnAvatar(id, d.avatar);
    learnProfile(id, d);
    const known = S.directs.get(id);
    const here = S.cur?.kind === 'dm' && S.cur.id === id && document.visibilityState === 'visible';
    const counts = keepCounts && known ? known : here ? {unread: 0, mentions: 0} : {unread: d.unread || 0, mentions: d.mentions || 0};
    S.directs.set(id, {...known, username: d.username, ...settingsOf(d), unread: counts.unread, mentions: counts.mentions,
      last_read: later(known?.last_read, oid(d.last_read))});
  }
  renderSidebar();
}

// loadGroups reads the group conversations (docs/api.md, "Group
// conversations"): rooms with fixed members and no name, kept with the
// rooms (their messages, members and read markers are a room's) with
// group: the others in them, by whose names they are listed among the
// direct messages. keepCounts as for loadRooms.
export async function loadGroups(prefetched, {keepCounts = false} = {}) {
  for (const g of await (prefetched || api.get('/api/groups'))) {
    const id = oid(g._id);
    const group = g.users.map(u => ({id: oid(u._id), username: u.username})).filter(u => u.id !== S.me.id);
    for (const u of g.users) {
      S.names.set(oid(u._id), u.username);
      learnAvatar(oid(u._id), u.avatar);
    }
    const old = S.rooms.get(id);
    const here = S.cur?.kind === 'room' && S.cur.id === id && document.visibilityState === 'visible';
    const counts = keepCounts && old ? old : here ? {} : g;
    S.rooms.set(id, {id, name: group.map(u => u.username).join(', '), topic: '', group, members: g.members.length, joined: true,
      muted: g.muted === true, ...settingsOf(g), unread: counts.unread || 0, mentions: counts.mentions || 0, memberList: old?.memberList});
  }
  renderSidebar();
  if (S.cur?.kind === 'room' && S.rooms.get(S.cur.id)?.group) renderHeader();
}

// later is the later of two read markers (ids; '' for none).
export const later = (a = '', b = '') => (a > b ? a : b);

// convButton is a conversation in the sidebar, with one badge at most:
// mentions (every message of a direct or group conversation is one) as a
// count, other unread messages as a bold name, said to screen readers. A
// muted room's plain unread messages are not shown; its mentions are.
// people are the avatars of a direct or group conversation.
function convButton(kind, id, name, unread, ment, extraIcon, muted = false, people = null, presence = '') {
  const current = S.cur && S.cur.kind === kind && S.cur.id === id;
  const bold = unread > 0 && !muted;
  const n = (x) => (x > 999 ? '999+' : String(x));
  return el('li', {},
    el('button', {type: 'button', className: 'conv' + (bold ? ' unread' : ''), dataset: {kind, id},
      'aria-current': current ? 'page' : false, onclick: () => {
        const drawer = $('app').classList.contains('drawer-open');
        openConv(kind, id);
        closeDrawer();
        if (drawer) $('room-title').focus();
      }},
    people ? people.slice(0, 2).map(p => avatar(p, S.names.get(p) || name, 'small')) : icon(extraIcon),
    el('span', {className: 'name', dir: 'auto'}, name), presence ? el('span', {className: 'visually-hidden'}, presence) : null,
    kind === 'dm' && S.bots.get(id) ? botTag() : null,
    bold && !people ? el('span', {className: 'visually-hidden unread-count'}, `${n(unread)} unread`) : null,
    muted ? icon('bell-off', 'Muted') : null,
    ment ? el('span', {className: 'badge mention-badge'}, n(ment), el('span', {className: 'visually-hidden'},
      ` ${people ? 'unread message' : 'mention'}${ment === 1 ? '' : 's'}`)) : null));
}

let lastSidebar = '';
// forgetSidebar makes the next renderSidebar draw the lists anew.
export function forgetSidebar() { lastSidebar = ''; }

export function renderSidebar() {
  // Rebuilding must not take the keyboard focus away from a room button.
  const f = document.activeElement;
  const refocus = f && f.classList.contains('conv') && $('sidebar').contains(f) ? `button.conv[data-kind="${f.dataset.kind}"][data-id="${f.dataset.id}"]` : '';
  const joined = [...S.rooms.values()].filter(r => r.joined);
  const rooms = joined.filter(r => !r.group).sort(byName);
  // Direct and group conversations, by name, in one list.
  const ds = [...[...S.directs.entries()].map(([id, d]) => ({kind: 'dm', id, name: d.username, unread: d.unread, muted: quiet(d), people: [id], bot: S.bots.get(id), presence: presenceText(id)})),
    ...joined.filter(r => r.group).map(r => ({kind: 'room', id: r.id, name: r.name, unread: r.unread, muted: quiet(r), people: r.group.map(u => u.id)}))]
    .sort(byName);
  // Only what changed is redrawn, so a click never lands on a button
  // that is being replaced.
  const sig = JSON.stringify([S.cur, rooms.map(r => [r.id, r.name, r.unread, r.mentions, r.is_open, quiet(r)]), ds]);
  if (sig !== lastSidebar) {
    lastSidebar = sig;
    $('rooms').replaceChildren(...rooms.map(r => convButton('room', r.id, r.name, r.unread, r.mentions, r.is_open ? 'hash' : 'lock', quiet(r))));
    $('directs').replaceChildren(...ds.map(d => convButton(d.kind, d.id, d.name, d.unread, d.unread, '', d.muted, d.people, d.presence)));
    if (refocus) $('sidebar').querySelector(refocus)?.focus();
  }
  threadsBadge();
  const unread = joined.reduce((n, r) => n + (quiet(r) ? r.mentions : r.unread), 0) + ds.reduce((n, d) => n + (d.kind === 'dm' ? d.unread : 0), 0);
  document.title = (unread ? `(${unread}) ` : '') + (S.cur ? convName() + ' · ' : '') + 'makechat';
  // A mute ends by itself: the lists and the bell say so then.
  const ends = Math.min(...[...joined, ...S.directs.values()].map(c => c.muted_until).filter(t => t > Date.now()));
  clearTimeout(muteTimer);
  if (ends < Infinity) muteTimer = setTimeout(() => { renderSidebar(); if (S.cur) renderHeader(); }, Math.min(ends - Date.now() + 50, 2 ** 31 - 1));
}
let muteTimer = 0;

// ---------- threads ----------

// loadThreads reads the threads the user follows, for the Threads badge
// (how many have unread replies); again if the stream changed them
// meanwhile.
export async function loadThreads() {
  for (let tries = 1; ; tries++) {
    const live = S.threadsLive;
    const ts = await api.get('/api/threads');
    if (live !== S.threadsLive && tries < 3) continue;
    S.threads = new Map(ts.map(t => [oid(t.root._id), t]));
    renderSidebar();
    document.dispatchEvent(new Event('makechat:threads'));
    return;
  }
}

function threadsBadge() {
  const n = [...S.threads.values()].filter(t => t.following && t.unread > 0).length;
  const b = $('threads-badge');
  if (b.dataset.n === String(n)) return;
  b.dataset.n = n;
  b.replaceChildren(String(n), el('span', {className: 'visually-hidden'}, ` thread${n === 1 ? '' : 's'} with unread replies`));
  b.hidden = !n;
  $('threads-button').classList.toggle('unread', n > 0);
}
$('threads-button').addEventListener('click', () => {
  closeDrawer();
  openThreads($('threads-button'));
});

export function renderHeader() {
  $('room-title').textContent = convName();
  const flags = [];
  const mb = $('members-button');
  if (S.cur.kind === 'room') {
    const r = S.rooms.get(S.cur.id);
    if (r?.group) {
      // A group conversation: named by its people, its members fixed.
      flags.push(el('span', {className: 'flag'}, icon('user', 'Group conversation')));
      mb.textContent = count(r.members, 'person', 'people');
      mb.hidden = false;
    } else if (r) {
      flags.push(el('span', {className: 'flag'}, icon(r.is_open ? 'hash' : 'lock', r.is_open ? 'Open room' : 'Closed room')));
      if (!r.is_visible) flags.push(el('span', {className: 'flag'}, icon('hidden', 'Hidden room')));
      mb.textContent = count(r.members, 'member');
      mb.hidden = false;
    }
  } else {
    mb.hidden = true;
    if (S.bots.get(S.cur.id)) flags.push(botTag());
  }
  $('room-flags').replaceChildren(...flags);
  roomTools(S.cur.kind === 'room' ? S.rooms.get(S.cur.id) : null);
}

// roomTools shows room r's topic (one line; the whole of it in the
// tooltip and to screen readers; in a direct conversation, the other's
// presence), the bell, named by what notifies (in a
// room one belongs to, and in direct and group conversations), and to
// the room's owners and administrators the settings button; a direct
// conversation (r null) has no topic nor settings. What the buttons do is
// roomsettings.js's.
function roomTools(r) {
  const topic = $('room-topic');
  topic.textContent = topic.title = r?.topic || '';
  topic.hidden = !r?.topic;
  // A direct conversation's line says whether the other is there.
  if (!r) seenLine(topic);
  const bell = $('mute-button');
  const c = r ? (r.joined && S.mine.has(r.id) ? r : null) : S.directs.get(S.cur.id);
  bell.hidden = !c;
  const label = c ? bellLabel(c, !r || Boolean(r.group)) : '';
  if (c && bell.title !== label) {
    bell.title = label;
    bell.setAttribute('aria-label', label);
    bell.replaceChildren(icon(quiet(c) ? 'bell-off' : 'bell'));
  }
  $('room-settings').hidden = !r || r.group || !(S.me.admin || S.mine.get(r.id)?.role === 'owner');
}

export async function loadMembers(room) {
  try {
    const ms = await api.all(`/api/members?room=${room}&limit=100`);
    for (const m of ms) {
      S.names.set(oid(m.profile), m.username);
      S.bots.set(oid(m.profile), m.is_bot === true); // the server says so: no need to ask
      learnAvatar(oid(m.profile), m.avatar);
      learnProfile(oid(m.profile), m);
      if (oid(m.profile) === S.me.id) {
        S.mine.set(room, {id: oid(m._id), role: m.role, last_read: oid(m.last_read)});
        // Its notification settings, perhaps changed in another browser.
        const r = S.rooms.get(room);
        if (r) Object.assign(r, settingsOf(m), {muted: m.muted === true});
      }
    }
    const r = S.rooms.get(room);
    if (r) r.memberList = ms;
    // The settings button is for the room's owners: shown once known.
    if (S.cur?.kind === 'room' && S.cur.id === room) renderHeader();
  } catch {
    // Admins may read rooms they are not members of; names then come later.
  }
}

// ---------- dialogs: browse, create, switcher; starting a direct message ----------

export async function browseRooms() {
  await loadRooms();
  const open = [...S.rooms.values()].filter(r => !r.joined && (r.is_open || S.me.admin)).sort(byName);
  const body = open.length ? el('ul', {className: 'pick browse'}, open.map(r => el('li', {},
    el('div', {className: 'what'}, el('span', {className: 'name', dir: 'auto'}, r.name),
      r.topic ? el('span', {className: 'topic muted', dir: 'auto', title: r.topic}, r.topic) : null),
    el('span', {className: 'muted'}, count(r.members, 'member')),
    el('button', {type: 'button', onclick: async (e) => {
      try {
        await api.post('/api/members', {room: r.id});
        r.joined = true;
        $('dialog').close();
        await loadRooms();
        openConv('room', r.id);
      } catch (ex) { e.target.replaceWith(el('span', {className: 'error'}, ex.message)); }
    }, 'aria-label': 'Join ' + r.name}, 'Join'))))
    : el('p', {}, 'There are no other open rooms.');
  dialog({title: 'Browse rooms', body});
}
$('browse').addEventListener('click', browseRooms);

// createRoom opens the dialog that makes a room (for those who may:
// can_create_rooms), and opens the room made.
export function createRoom() {
  const name = field('Name', {required: true, maxLength: 120, dir: 'auto'});
  const isOpen = field('Open: anyone may join', {type: 'checkbox', checked: true});
  const isVisible = field('Visible: listed to everyone', {type: 'checkbox', checked: true});
  dialog({title: 'Create a room', body: el('div', {}, name, isOpen, isVisible), ok: 'Create', onOk: async () => {
    const r = await api.post('/api/rooms', {name: name.querySelector('input').value,
      is_open: isOpen.querySelector('input').checked, is_visible: isVisible.querySelector('input').checked});
    await loadRooms();
    closeDrawer();
    openConv('room', oid(r._id));
  }});
}
$('new-room').addEventListener('click', createRoom);

// startDirect opens the direct conversation with a person, listing it in
// the sidebar even before the first message.
export function startDirect(id, username) {
  S.names.set(id, username);
  if (!S.directs.has(id)) S.directs.set(id, {username, unread: 0, mentions: 0});
  closeDrawer();
  renderSidebar();
  openConv('dm', id);
}

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
  } else if (e.key === 'Escape' && $('app').classList.contains('drawer-open') && !$('dialog').open) {
    // (An Esc in a dialog opened from the drawer closes only the dialog.)
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
export function closeDrawer() {
  if (!$('app').classList.contains('drawer-open')) return;
  $('app').classList.remove('drawer-open');
  $('open-drawer').setAttribute('aria-expanded', 'false');
  $('room').inert = false;
  $('scrim').hidden = true;
}
$('close-drawer').addEventListener('click', () => { closeDrawer(); $('open-drawer').focus(); });
$('scrim').addEventListener('click', () => { closeDrawer(); $('open-drawer').focus(); });

