// The admin pages (/makechat/admin): users, rooms, members, invite
// links, webhooks, bots, slash commands, API tokens and the maintenance
// switch, as plain tables with a filter and a form each; the tab shown
// follows the URL's #, so Back goes to the previous tab. The page is
// static; the API decides who may do what, and a non-administrator is
// shown a refusal. Webhooks, bots and commands have modules of their own
// (admin-hooks.js, admin-bots.js, admin-commands.js); admin-kit.js holds
// what the tabs share.

import * as api from './api.js';
import {el} from './render.js';
import {dialog, field, count} from './ui.js';
import {inviteFields, readInvite, linkView, expiresText} from './invites.js';
import {fmtDate, tag, confirmThen, table, createForm, val, act, attempt, roomPicker, shownOnce} from './admin-kit.js';
import {hooks} from './admin-hooks.js';
import {bots} from './admin-bots.js';
import {commands} from './admin-commands.js';

const $ = (id) => document.getElementById(id);
const {oid, when} = api;
const panel = $('panel');
let me = null;

api.onUnauthorized(() => { location.href = '/login?next=/makechat/admin'; });

// ---------- users ----------

async function users() {
  const list = await api.all('/api/users?limit=100');
  const reload = () => show('users');
  const patchUser = (u, body) => async () => { await api.patch('/api/users/' + oid(u._id), body); reload(); };
  // Revoking one's own rights ends one's access to this page at once.
  const revokeAdmin = (u) => oid(u._id) === oid(me._id)
    ? () => confirmThen('Revoke your own administrator rights?',
      'You stop being an administrator at once: this page and every admin action will refuse you. Another administrator can make you one again.',
      'Revoke my rights', async () => { await api.patch('/api/users/' + oid(u._id), {is_superuser: false}); location.reload(); })
    : () => confirmThen(`Revoke the administrator rights of ${u.username}?`,
      'They keep their account, rooms and messages, but can no longer use this page or manage rooms they do not own.',
      'Revoke admin', patchUser(u, {is_superuser: false}));
  const form = createForm('Create a user', [
    field('Username', {name: 'username', required: true, autocomplete: 'off'}),
    field('Email', {name: 'email', type: 'email', required: true, autocomplete: 'off'}),
    field('Password', {name: 'password', type: 'password', required: true, autocomplete: 'new-password'}),
    field('Administrator', {name: 'is_superuser', type: 'checkbox'}),
  ], 'Create user', async (f) => {
    await api.post('/api/users', {username: val(f, 'username').value.trim(), email: val(f, 'email').value.trim(),
      password: val(f, 'password').value, is_superuser: val(f, 'is_superuser').checked});
    reload();
  });
  return [form, table([
    {title: 'Username', cls: 'name', cell: u => el('span', {dir: 'auto'}, u.username)},
    {title: 'Email', cls: 'name', cell: u => u.email},
    {title: 'Role', cell: u => u.is_superuser ? tag(true, 'admin', '') : 'user'},
    {title: 'State', cell: u => tag(!u.is_disabled, 'active', 'disabled')},
    {title: 'Created', cell: u => fmtDate(u.created)},
    {title: 'Actions', cell: u => el('div', {className: 'row-actions'},
      u.is_disabled ? act('Enable', attempt(patchUser(u, {is_disabled: false})))
        : act('Disable', () => confirmThen(`Disable ${u.username}?`,
          'Their sessions, tokens and webhooks stop working at once and they cannot log in until enabled again. Their messages stay.',
          'Disable user', patchUser(u, {is_disabled: true}))),
      u.is_superuser ? act('Revoke admin', revokeAdmin(u)) : act('Make admin', attempt(patchUser(u, {is_superuser: true}))),
      act('Reset password', () => {
        const pw = field('New password', {type: 'password', autocomplete: 'new-password', required: true});
        // Revoking is the default: a reset is how an account that may
        // be in someone else's hands is taken back.
        const revoke = field('Also revoke their API tokens (their bots stop working)', {type: 'checkbox', checked: true});
        dialog({title: `Reset the password of ${u.username}`, body: el('div', {}, pw, revoke,
          el('p', {className: 'muted'}, 'Their sessions end; they log in again with the new password. Leave their tokens only if the account was not compromised.')),
        ok: 'Set password', onOk: async () => {
          await api.patch('/api/users/' + oid(u._id), {password: pw.querySelector('input').value,
            revoke_tokens: revoke.querySelector('input').checked});
        }});
      }),
      act('Delete', () => confirmThen(`Delete ${u.username}?`,
        'The user, their sessions, tokens and memberships are removed. This cannot be undone.', 'Delete user',
        async () => { await api.del('/api/users/' + oid(u._id)); reload(); }), 'danger'))},
  ], list, u => u.username + ' ' + u.email)];
}

// ---------- rooms ----------

async function rooms() {
  const list = await api.all('/api/rooms?limit=100');
  const reload = () => show('rooms');
  const patchRoom = (r, body) => async () => { await api.patch('/api/rooms/' + oid(r._id), body); reload(); };
  const form = createForm('Create a room', [
    field('Name', {name: 'name', required: true, maxLength: 120}),
    field('Open (anyone may join)', {name: 'is_open', type: 'checkbox', checked: true}),
    field('Visible (listed to everyone)', {name: 'is_visible', type: 'checkbox', checked: true}),
  ], 'Create room', async (f) => {
    await api.post('/api/rooms', {name: val(f, 'name').value, is_open: val(f, 'is_open').checked, is_visible: val(f, 'is_visible').checked});
    reload();
  });
  return [form, table([
    {title: 'Name', cls: 'name', cell: r => el('span', {dir: 'auto'}, r.name)},
    {title: 'Members', cell: r => String(r.members.length)},
    {title: 'Open', cell: r => tag(r.is_open, 'open', 'closed')},
    {title: 'Visible', cell: r => tag(r.is_visible, 'visible', 'hidden')},
    {title: 'Created', cell: r => fmtDate(r.created)},
    {title: 'Actions', cell: r => el('div', {className: 'row-actions'},
      act('Rename', () => {
        const name = field('New name', {value: r.name, required: true, maxLength: 120});
        dialog({title: `Rename ${r.name}`, body: name, ok: 'Rename', onOk: async () => {
          await api.patch('/api/rooms/' + oid(r._id), {name: name.querySelector('input').value});
          reload();
        }});
      }),
      r.is_open ? act('Close', () => confirmThen(`Close ${r.name}?`,
        'Nobody can join it on their own any more; its owners and administrators can still add members. Its members stay.',
        'Close room', patchRoom(r, {is_open: false})))
        : act('Open', attempt(patchRoom(r, {is_open: true}))),
      r.is_visible ? act('Hide', () => confirmThen(`Hide ${r.name}?`,
        'It is no longer listed to users outside it, and to them it is as if it did not exist. Its members and administrators still see it.',
        'Hide room', patchRoom(r, {is_visible: false})))
        : act('Show', attempt(patchRoom(r, {is_visible: true}))),
      act('Members', () => { state.room = oid(r._id); show('members'); }),
      act('Delete', () => confirmThen(`Delete ${r.name}?`, 'The room, its messages, members and webhooks are removed. This cannot be undone.',
        'Delete room', async () => { await api.del('/api/rooms/' + oid(r._id)); reload(); }), 'danger'))},
  ], list, r => r.name)];
}

async function members() {
  const [pick, room] = await roomPicker(state, () => show('members'));
  if (!room) return [pick];
  const reload = () => show('members');
  const [list, users] = await Promise.all([api.all(`/api/members?room=${room}&limit=100`), api.all('/api/users?limit=100')]);
  const roleSelect = (value, name) => el('select', {name, 'aria-label': 'Role'}, ['owner', 'member', 'guest'].map(r => el('option', {value: r, selected: r === value}, r)));
  const form = createForm('Add a member', [
    el('div', {className: 'field'}, el('label', {htmlFor: 'add-user'}, 'User'),
      el('select', {id: 'add-user', name: 'user'}, users.map(u => el('option', {value: oid(u._id)}, u.username)))),
    el('div', {className: 'field'}, el('label', {htmlFor: 'add-role'}, 'Role'), Object.assign(roleSelect('member', 'role'), {id: 'add-role'})),
  ], 'Add', async (f) => {
    await api.post('/api/members', {room, user: val(f, 'user').value, role: val(f, 'role').value});
    reload();
  });
  return [pick, form, table([
    {title: 'Username', cls: 'name', cell: m => el('span', {dir: 'auto'}, m.username)},
    {title: 'Role', cell: m => {
      const s = roleSelect(m.role);
      s.addEventListener('change', attempt(async () => { await api.patch('/api/members/' + oid(m._id), {role: s.value}); reload(); }));
      return s;
    }},
    {title: 'Since', cell: m => fmtDate(m.created)},
    {title: 'Actions', cell: m => act('Remove', () => confirmThen(`Remove ${m.username}?`, 'They leave the room; they can be added again.',
      'Remove', async () => { await api.del('/api/members/' + oid(m._id)); reload(); }), 'danger')},
  ], list, m => m.username + ' ' + m.role)];
}

// ---------- invites ----------

async function invites() {
  const [list, roomList, users] = await Promise.all([api.get('/api/invites'), api.all('/api/rooms?limit=100'), api.all('/api/users?limit=100')]);
  const reload = () => show('invites');
  const roomName = new Map(roomList.map(r => [oid(r._id), r.name]));
  const userName = new Map(users.map(u => [oid(u._id), u.username]));
  const names = (inv) => inv.rooms.map(id => roomName.get(oid(id))).filter(Boolean);
  const rooms = roomList.map(r => ({id: oid(r._id), name: r.name})).sort((a, b) => a.name.localeCompare(b.name));
  const form = createForm('Create an invite link', inviteFields(rooms, {legend: 'Rooms to join (none: an account only)'}), 'Create invite', async (f) => {
    const want = readInvite(f);
    const inv = await api.post('/api/invites', want);
    await reload();
    // The link is shown this once; the focus comes back to the new form.
    panel.querySelector('form.create button[type=submit]')?.focus();
    dialog({title: 'Invite link created', body: linkView(inv, want.rooms.map(id => roomName.get(id)).filter(Boolean))});
  });
  const status = (inv) => {
    if (inv.max_uses && inv.uses >= inv.max_uses) return tag(false, '', 'used up');
    if (inv.expires && when(inv.expires) < new Date()) return tag(false, '', 'expired');
    return tag(true, 'active', '');
  };
  return [el('p', {className: 'muted'}, 'An invite link lets whoever opens it make an account, even with open registration off, and joins it to the invite\'s rooms. Links are shown once, when made.'),
    form, table([
      {title: 'Rooms', cls: 'name', cell: inv => el('span', {dir: 'auto'}, names(inv).join(', ') || 'none (an account only)')},
      {title: 'Uses', cell: inv => `${inv.uses} / ${inv.max_uses || 'no limit'}`},
      {title: 'Expires', cell: inv => expiresText(inv)},
      {title: 'Made by', cell: inv => userName.get(oid(inv.created_by)) || 'a deleted user'},
      {title: 'State', cell: status},
      {title: 'Created', cell: inv => fmtDate(inv.created)},
      {title: 'Actions', cell: inv => act('Revoke', () => confirmThen('Revoke this invite?',
        `Its link stops working at once. The ${count(inv.uses, 'account')} already made with it stay.`, 'Revoke invite',
        async () => { await api.del('/api/invites/' + oid(inv._id)); reload(); }), 'danger')},
    ], list, inv => names(inv).join(' ') + ' ' + (userName.get(oid(inv.created_by)) || ''))];
}

async function tokens() {
  const list = await api.get('/api/tokens');
  const reload = () => show('tokens');
  const form = createForm('Create an API token', [field('Name', {name: 'name', required: true, maxLength: 120})], 'Create token', async (f) => {
    const t = await api.post('/api/tokens', {name: val(f, 'name').value});
    await reload();
    panel.querySelector('form.create button[type=submit]')?.focus();
    dialog({title: 'Token created', body: el('div', {},
      el('p', {}, 'Send it as the X-Auth-Token header.'), shownOnce('Token', t.value, 'Copy token'))});
  });
  return [el('p', {className: 'muted'}, 'These are your own tokens (for bots and scripts acting as you). The API lets each user see only their own tokens.'),
    form, table([
      {title: 'Name', cls: 'name', cell: t => t.name},
      {title: 'Created', cell: t => fmtDate(t.created)},
      {title: 'Last used', cell: t => fmtDate(t.last_used)},
      {title: 'Actions', cell: t => act('Revoke', () => confirmThen(`Revoke ${t.name}?`, 'Programs using it are refused at once.', 'Revoke',
        async () => { await api.del('/api/tokens/' + oid(t._id)); reload(); }), 'danger')},
    ], list, t => t.name)];
}

async function maintenance() {
  const {maintenance: on} = await api.get('/api/maintenance');
  const button = el('button', {type: 'button', className: on ? 'primary' : 'danger', id: 'maintenance-toggle'},
    on ? 'Switch maintenance off' : 'Switch maintenance on');
  button.addEventListener('click', () => confirmThen(on ? 'End maintenance?' : 'Start maintenance?',
    on ? 'Users can log in and chat again at once.'
      : 'Every page answers with the maintenance page and every API call with 503, for everyone but administrators who are already logged in (like you). Open streams of users are refused when they reconnect.',
    on ? 'End maintenance' : 'Start maintenance',
    async () => { await api.put('/api/maintenance', {maintenance: !on}); show('maintenance'); }));
  return [el('section', {className: 'switch', 'aria-labelledby': 'm-title'},
    el('h2', {id: 'm-title'}, 'Maintenance mode'),
    el('p', {}, 'Maintenance mode is ', el('span', {id: 'maintenance-state', className: on ? 'status-on' : 'status-off'}, on ? 'ON' : 'off'), '.'),
    el('p', {className: 'muted'}, 'While it is on, users see a "back in a few minutes" page and the API answers 503 with Retry-After; logins are refused. Administrators with an existing session or token still get through, to check an upgraded server. It is kept across restarts (the data directory\'s maintenance file, as with "makechat maintenance on|off").'),
    button)];
}

// ---------- tabs ----------

const state = {tab: 'users', room: ''};
// The tabs in their own modules get what they need to move about.
const nav = {state, show: (tab) => show(tab)};
const sections = {users, rooms, members, invites, hooks: () => hooks(nav), bots: () => bots(nav),
  commands: () => commands(nav), tokens, maintenance};

// show shows a tab; a new one is a new history entry (replace: not).
async function show(tab, replace = false) {
  state.tab = tab;
  if (location.hash !== '#' + tab) history[replace ? 'replaceState' : 'pushState']({}, '', '/makechat/admin#' + tab);
  for (const b of document.querySelectorAll('[role=tab]')) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  panel.setAttribute('aria-labelledby', 'tab-' + tab);
  try {
    panel.replaceChildren(...await sections[tab]());
  } catch (ex) {
    panel.replaceChildren(el('p', {className: 'error', role: 'alert'}, ex.message));
  }
}

document.querySelector('[role=tablist]').addEventListener('click', (e) => {
  const b = e.target.closest('[role=tab]');
  if (b) show(b.dataset.tab);
});
document.querySelector('[role=tablist]').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
  const tabs = [...document.querySelectorAll('[role=tab]')];
  const i = tabs.indexOf(document.activeElement);
  const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
  next.focus();
  show(next.dataset.tab);
});

// Back and Forward, and a # typed in the address bar, show their tab.
window.addEventListener('popstate', () => {
  const tab = location.hash.slice(1);
  if (me && sections[tab] && tab !== state.tab) show(tab, true);
});

async function start() {
  try {
    me = await api.get('/api/me', {quiet401: true});
  } catch (ex) {
    if (ex.status === 401) { location.href = '/login?next=/makechat/admin'; return; }
    $('refusal-text').textContent = ex.message;
    $('refusal').hidden = false;
    return;
  }
  if (!me.is_superuser) {
    $('refusal').hidden = false;
    return;
  }
  $('admin-me').textContent = 'Logged in as ' + me.username;
  $('admin').hidden = false;
  const tab = location.hash.slice(1);
  show(sections[tab] ? tab : 'users', true);
}
// The theme chosen in the chat applies here too.
const theme = localStorage.getItem('makechat.theme');
if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
start();
