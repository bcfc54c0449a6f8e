// The account menu at the foot of the sidebar: the user's name and
// avatar on a menu button (menu.js) whose items open the account (the
// avatar, password and sessions), the API tokens and the notification
// settings (notifysettings.js, loaded on first use), mark everything
// read, choose the theme, lead to the admin (administrators only) and
// log out (session.js's).

import * as api from './api.js';
import {el} from './render.js';
import {dialog, field} from './ui.js';
import {avatar, learnAvatar} from './avatars.js';
import {learnProfile} from './profiles.js';
import {$} from './state.js';
import {menuButton} from './menu.js';
import {loadRooms, loadDirects} from './rooms.js';

const {oid, when} = api;

menuButton($('me-button'), $('me-menu'));
$('notify').addEventListener('click', async () => (await import('./notifysettings.js')).notifySettings());

// "Mark all as read": every room, group and direct conversation (the
// other browsers of the user hear of the direct ones), then the counts
// as the server has them now.
$('read-all').addEventListener('click', async () => {
  $('side-note').textContent = '';
  try {
    await api.post('/api/read-all');
    await Promise.all([loadRooms(), loadDirects()]);
    $('side-note').textContent = 'Everything is marked as read.';
  } catch (ex) { $('side-note').textContent = ex.message; }
});

let me = null; // the account, as /api/me answered

// showMe puts the user (/api/me's answer) on the menu button.
export function showMe(account) {
  me = account;
  learnAvatar(oid(me._id), me.avatar);
  learnProfile(oid(me._id), me);
  $('me-name').textContent = me.username;
  $('me-avatar').replaceWith(Object.assign(avatar(oid(me._id), me.username), {id: 'me-avatar'}));
  $('me-button').setAttribute('aria-label', `${me.username}: account menu`);
  $('admin-link').hidden = !me.is_superuser;
}

$('tokens').addEventListener('click', async () => {
  const list = el('ul', {className: 'pick'});
  const shown = el('div');
  const fill = async () => {
    const ts = await api.get('/api/tokens');
    list.replaceChildren(...(ts.length ? ts.map(t => el('li', {},
      el('span', {className: 'name'}, t.name),
      el('span', {className: 'muted'}, t.last_used ? 'used ' + when(t.last_used).toLocaleDateString() : 'never used'),
      el('button', {type: 'button', className: 'danger', onclick: async () => { await api.del('/api/tokens/' + oid(t._id)); fill(); }}, 'Revoke')))
      : [el('li', {className: 'muted'}, 'No tokens yet.')]));
  };
  const name = field('New token name', {maxLength: 120});
  const make = el('button', {type: 'button', onclick: async () => {
    try {
      const t = await api.post('/api/tokens', {name: name.querySelector('input').value});
      shown.replaceChildren(el('p', {}, 'Copy it now: it is shown only this once. Send it as the X-Auth-Token header.'),
        el('p', {className: 'secret'}, t.value));
      name.querySelector('input').value = '';
      fill();
    } catch (ex) { shown.replaceChildren(el('p', {className: 'error'}, ex.message)); }
  }}, 'Create token');
  await fill();
  dialog({title: 'Your API tokens', body: el('div', {}, el('p', {className: 'muted'}, 'Tokens let bots and scripts act as you.'), list, name, make, shown)});
});

// The account: who one is, one's display name, status and whether others
// see one's presence (myprofile.js) and avatar (myavatar.js), both loaded
// when the dialog first opens, one's own password, and the sessions one
// is logged in with, each of which can be ended from here.
$('account').addEventListener('click', async () => {
  const [{avatarSection}, {profileSection, presenceSection}] = await Promise.all([import('./myavatar.js'), import('./myprofile.js')]);
  const sessions = el('ul', {className: 'pick', 'aria-label': 'Your sessions'});
  const fill = async () => {
    const ss = await api.get('/api/sessions');
    sessions.replaceChildren(...ss.map(s => el('li', {},
      el('span', {className: 'name'}, browserName(s.user_agent) + (s.current ? ' (this browser)' : '')),
      el('span', {className: 'muted'}, `${s.address || 'unknown address'}, since ${when(s.created).toLocaleString()}`),
      s.current ? null : el('button', {type: 'button', className: 'danger',
        onclick: async () => { await api.del('/api/sessions/' + oid(s._id)); fill(); }}, 'Log out'))));
  };
  const cur = field('Current password', {type: 'password', autocomplete: 'current-password'});
  const next = field('New password (at least 8 characters)', {type: 'password', autocomplete: 'new-password', minLength: 8});
  const again = field('New password again', {type: 'password', autocomplete: 'new-password'});
  const note = el('p', {role: 'status'});
  const input = (f) => f.querySelector('input');
  const change = el('button', {type: 'button', onclick: async () => {
    note.className = 'error';
    if (input(next).value !== input(again).value) { note.textContent = 'The two new passwords differ.'; return; }
    try {
      await api.post('/api/me/password', {current_password: input(cur).value, new_password: input(next).value});
      [cur, next, again].forEach(f => { input(f).value = ''; });
      note.className = 'muted';
      note.textContent = 'Password changed. Your other sessions have been logged out.';
      fill();
    } catch (ex) { note.textContent = ex.message; }
  }}, 'Change password');
  await fill();
  dialog({title: 'Your account', body: el('div', {},
    el('dl', {className: 'profile'}, el('dt', {}, 'Username'), el('dd', {}, me.username),
      el('dt', {}, 'Email'), el('dd', {}, me.email || '—'),
      el('dt', {}, 'Role'), el('dd', {}, me.is_superuser ? 'administrator' : 'user')),
    el('h3', {}, 'Profile'), profileSection(me, (saved) => { me = {...me, display_name: saved.display_name, status: saved.status}; }),
    el('h3', {}, 'Avatar'), avatarSection(me, (avatarURL) => { me = {...me, avatar: avatarURL}; }),
    el('h3', {}, 'Presence'), presenceSection(me, (saved) => { me = {...me, hide_presence: saved.hide_presence}; }),
    el('h3', {}, 'Password'), cur, next, again, change, note,
    el('h3', {}, 'Where you are logged in'), sessions)});
});

// browserName makes a User-Agent readable: "Firefox on Linux".
function browserName(ua) {
  if (!ua) return 'Unknown browser';
  const b = [['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari'], ['curl/', 'curl']]
    .find(([k]) => ua.includes(k));
  const os = [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'], ['Mac OS', 'macOS'], ['CrOS', 'ChromeOS'], ['Linux', 'Linux']]
    .find(([k]) => ua.includes(k));
  if (!b) return ua.slice(0, 60);
  return b[1] + (os ? ' on ' + os[1] : '');
}

// The theme follows the system unless the user picks one in the menu;
// the choice is kept in this browser.
function applyTheme(t) {
  if (t === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
  for (const b of $('theme').querySelectorAll('[data-theme]')) b.setAttribute('aria-checked', String(b.dataset.theme === t));
}
const saved = localStorage.getItem('makechat.theme');
applyTheme(saved === 'light' || saved === 'dark' ? saved : 'system');
$('theme').addEventListener('click', (e) => {
  const b = e.target.closest('[data-theme]');
  if (!b) return;
  localStorage.setItem('makechat.theme', b.dataset.theme);
  applyTheme(b.dataset.theme);
});
