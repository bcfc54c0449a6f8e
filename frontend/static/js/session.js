// The login page's face and the end of a session: showAuth shows the
// login or registration form, or the card an invite link opens (accept.js
// fills it); sessionOver, called on any 401 and on logging out, forgets
// everything and goes back to the login page.

import * as api from './api.js';
import {S, $} from './state.js';
import {forgetSidebar} from './rooms.js';
import {forgetAvatars} from './avatars.js';
import {forgetProfiles} from './profiles.js';

const TITLES = {login: 'Log in · makechat', register: 'Create an account · makechat', accept: 'Join makechat'};

export function showAuth(which, note) {
  delete document.body.dataset.ready;
  document.documentElement.dataset.interactive ||= String(Math.round(performance.now()));
  $('app').hidden = true;
  $('conn').hidden = true;
  $('auth').hidden = false;
  for (const f of ['login', 'register', 'accept']) $(f).hidden = which !== f;
  document.title = TITLES[which];
  if (note !== undefined) {
    $('login-note').textContent = note;
    $('login-note').hidden = !note;
  }
  if (which === 'login') {
    $('login-username').focus();
    // "Create an account" only where it works.
    registrationOpen().then((open) => { $('login-register').hidden = !open; });
  } else if (which === 'register') {
    registrationOpen().then((open) => {
      if ($('register').hidden) return;
      $('register-fields').hidden = !open;
      $('register-closed').hidden = open;
      (open ? $('reg-username') : $('register-back')).focus();
    });
  }
}

// registrationOpen asks the server whether anyone may make an account
// (GET /api/register); the answer is kept (and shown on #auth for the
// tests), a failure is asked again next time.
let regOpen = null;
function registrationOpen() {
  regOpen ||= api.get('/api/register', {quiet401: true}).then((r) => {
    $('auth').dataset.registration = r.allow_registration === true ? 'open' : 'closed';
    return r.allow_registration === true;
  }, () => { regOpen = null; return false; });
  return regOpen;
}

// sessionOver is called on any 401: back to the login page, with a reason.
export function sessionOver(msg = 'Your session has expired. Please log in again.') {
  if (!S.me) return;
  if (S.stream) S.stream.stop();
  S.me = null;
  S.cur = null;
  S.msgs = [];
  for (const m of [S.rooms, S.directs, S.names, S.bots, S.mine, S.profiles]) m.clear();
  forgetSidebar();
  forgetAvatars();
  forgetProfiles();
  $('messages').replaceChildren();
  history.replaceState({}, '', '/login');
  showAuth('login', msg);
}
api.onUnauthorized(() => sessionOver());

$('logout').addEventListener('click', async () => {
  // Pushes for this user stop coming to this browser (the server drops
  // the subscription when the push service says it is gone).
  try { await (await navigator.serviceWorker?.getRegistration())?.pushManager.getSubscription().then(s => s?.unsubscribe()); } catch { /* none */ }
  try { await api.post('/api/logout'); } catch { /* the cookie goes anyway */ }
  sessionOver('You have logged out.');
});
