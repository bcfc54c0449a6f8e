// The login page's face and the end of a session: showAuth shows the
// login or registration form; sessionOver, called on any 401 and on
// logging out, forgets everything and goes back to the login page.

import * as api from './api.js';
import {S, $} from './state.js';
import {forgetSidebar} from './rooms.js';

export function showAuth(which, note) {
  delete document.body.dataset.ready;
  document.documentElement.dataset.interactive ||= String(Math.round(performance.now()));
  $('app').hidden = true;
  $('conn').hidden = true;
  $('auth').hidden = false;
  $('login').hidden = which !== 'login';
  $('register').hidden = which !== 'register';
  document.title = which === 'login' ? 'Log in · makechat' : 'Create an account · makechat';
  if (note !== undefined) {
    $('login-note').textContent = note;
    $('login-note').hidden = !note;
  }
  const first = which === 'login' ? $('login-username') : $('reg-username');
  first.focus();
}

// sessionOver is called on any 401: back to the login page, with a reason.
export function sessionOver(msg = 'Your session has expired. Please log in again.') {
  if (!S.me) return;
  if (S.stream) S.stream.stop();
  S.me = null;
  S.cur = null;
  S.msgs = [];
  for (const m of [S.rooms, S.directs, S.names, S.mine]) m.clear();
  forgetSidebar();
  $('messages').replaceChildren();
  history.replaceState({}, '', '/login');
  showAuth('login', msg);
}
api.onUnauthorized(() => sessionOver());

$('logout').addEventListener('click', async () => {
  try { await api.post('/api/logout'); } catch { /* the cookie goes anyway */ }
  sessionOver('You have logged out.');
});
