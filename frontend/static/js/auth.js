// Routing and logging in: the /login and /register pages, links between
// them, invite links (/invite/<secret>, accept.js), and boot, which starts
// the app once the server knows the user: the stream, the room list, and
// the conversation to open.

import * as api from './api.js';
import {Stream} from './stream.js';
import {S, $, byName, openConv, firstRun} from './state.js';
import {showAuth, sessionOver} from './session.js';
import {loadRooms, loadDirects, loadGroups, loadThreads} from './rooms.js';
import {onEvent, connState, streamCheck, presence} from './live.js';
import {armOffer} from './notify.js';
import {showMe} from './account.js';

const {oid} = api;
const INVITE = /^\/invite\/([^/]+)$/;

function go(path, replace) {
  if (location.pathname !== path) history[replace ? 'replaceState' : 'pushState']({}, '', path);
  route();
}

export function route() {
  const p = location.pathname;
  if (p === '/login' || p === '/register') {
    if (S.me) return go('/', true);
    showAuth(p === '/register' ? 'register' : 'login');
    return;
  }
  const invite = INVITE.exec(p);
  if (invite && !S.me) {
    // Once the account is made, the chat opens in the invite's first room.
    // (accept.js loads only for an invite link.)
    import('./accept.js').then(({showInvite}) => showInvite(invite[1], (room) => {
      history.replaceState({}, '', '/');
      boot(room);
    }), (ex) => showAuth('login', ex.message));
    return;
  }
  if (!S.me) boot();
}

function formError(id, msg) {
  $(id).textContent = msg || '';
  $(id).hidden = !msg;
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  formError('login-error', '');
  const username = $('login-username').value.trim();
  const password = $('login-password').value;
  if (!username || !password) return formError('login-error', 'Enter your username and password.');
  try {
    await api.post('/api/login', {username, password}, {quiet401: true});
    $('login-password').value = '';
    $('login-note').hidden = true;
    const next = new URLSearchParams(location.search).get('next');
    if (next === '/makechat/admin') { location.href = next; return; }
    go('/', true);
  } catch (ex) {
    formError('login-error', ex.message);
    $('login-password').select();
  }
});

$('register').addEventListener('submit', async (e) => {
  e.preventDefault();
  formError('register-error', '');
  const v = (id) => $(id).value;
  if (v('reg-password1') !== v('reg-password2')) return formError('register-error', 'The two passwords differ.');
  try {
    await api.post('/api/register', {username: v('reg-username').trim(), email: v('reg-email').trim(),
      password1: v('reg-password1'), password2: v('reg-password2')}, {quiet401: true});
    go('/', true);
  } catch (ex) {
    formError('register-error', ex.status === 403 && !ex.message.includes('origin')
      ? 'Registration is closed on this server: ask an administrator for an account.' : ex.message);
  }
});

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-route]');
  if (a && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
    e.preventDefault();
    go(a.dataset.route);
  }
});
window.addEventListener('popstate', route);

// boot starts the app; land names a room to open first (an invite's).
async function boot(land) {
  // The first three questions go out together; if the session is over,
  // the ping says so and the other two are dropped.
  const quiet = {quiet401: true};
  let roomsP = api.all('/api/rooms?limit=100', quiet);
  let directsP = api.get('/api/directs', quiet);
  let groupsP = api.get('/api/groups', quiet);
  for (const q of [roomsP, directsP, groupsP]) q.catch(() => {});
  let p;
  try {
    p = await api.get('/api/me', quiet);
  } catch (ex) {
    if (ex.status === 401) {
      history.replaceState({}, '', '/login');
      showAuth('login', '');
      return;
    }
    showAuth('login', ex.message);
    return;
  }
  S.me = {id: oid(p._id), username: p.username, admin: p.is_superuser,
    canCreateRooms: p.can_create_rooms === true, canInvite: p.can_invite === true};
  S.names.set(S.me.id, p.username);
  $('auth').hidden = true;
  $('app').hidden = false;
  showMe(p);
  $('new-room').hidden = !S.me.canCreateRooms;
  armOffer();
  S.stream = new Stream({onEvent, onState: connState, check: streamCheck});
  S.stream.start();
  // A failure other than the end of the session (a 503 during a
  // restart, say) is shown and retried, with growing waits, rather than
  // leaving an empty page.
  for (let wait = 1000; ; wait = Math.min(wait * 2, 30000)) {
    try {
      await Promise.all([loadRooms(roomsP), loadDirects(directsP), loadGroups(groupsP)]);
      break;
    } catch (ex) {
      if (ex.status === 401) { sessionOver(); return; }
      roomsP = directsP = groupsP = undefined;
      const c = $('conn');
      c.textContent = `Could not load your rooms (${ex.message}); trying again…`;
      c.className = 'conn down';
      c.hidden = false;
      await new Promise(resolve => setTimeout(resolve, wait));
    }
  }
  if (document.body.dataset.conn === 'live') $('conn').hidden = true;
  loadThreads().catch(() => {}); // the badge; the stream's reconnection asks again
  presence();
  if (S.cur) return; // the user was quicker
  const landing = land && [...S.rooms.values()].find(r => r.joined && r.name === land);
  // A notification clicked with no tab open (sw.js) names its
  // conversation: ?open=r<room id> or d<user id>.
  const open = /^([rd])([0-9a-f]{24})$/.exec(new URLSearchParams(location.search).get('open') || '');
  if (open) history.replaceState({}, '', '/');
  const last = open ? (open[1] === 'r' ? 'room:' : 'dm:') + open[2] : localStorage.getItem('makechat.last');
  const [kind, id] = (last || '').split(':');
  if (landing) openConv('room', landing.id, true);
  else if (kind === 'room' && S.rooms.get(id)?.joined) openConv('room', id, false);
  else if (kind === 'dm' && S.directs.has(id)) openConv('dm', id, false);
  else {
    const first = [...S.rooms.values()].filter(r => r.joined && !r.group).sort(byName)[0];
    if (first) openConv('room', first.id, false);
    else firstRun().then(m => m.showEmpty());
  }
}
