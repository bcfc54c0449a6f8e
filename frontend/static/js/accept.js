// The page an invite link opens, /invite/<secret>: who sent the invite
// and the rooms it joins (GET /api/invites/{secret}/accept), then a form
// that makes the account (POST the same), which logs it in; the chat
// then opens in the invite's first room. Someone already logged in in
// this browser is offered to log out first, or to go to the chat. A link
// that no longer works says so.

import * as api from './api.js';
import {el, icon} from './render.js';
import {$} from './state.js';
import {showAuth} from './session.js';
import {expiresText} from './invites.js';

const quiet = {quiet401: true};
let secret = '';
let firstRoom = '';
let enter = () => {};

// showInvite shows the page for the invite with this secret; enter(room)
// starts the chat once the account is made, in the room of that name.
export async function showInvite(s, onEnter) {
  secret = s;
  enter = onEnter;
  showAuth('accept');
  $('accept-title').textContent = 'Join makechat';
  formError('');
  show({lead: 'Checking the invite…'});
  const path = `/api/invites/${secret}/accept`;
  const [preview, me] = await Promise.allSettled([api.get(path, quiet), api.get('/api/me', quiet)]);
  if (preview.status === 'rejected') {
    if (preview.reason.status === 404) gone();
    else show({lead: preview.reason.message, alt: true});
    return;
  }
  const p = preview.value;
  firstRoom = p.rooms[0] || '';
  const rooms = $('accept-rooms');
  rooms.replaceChildren(...p.rooms.map(name => el('li', {}, icon('hash'), el('span', {dir: 'auto'}, name))));
  $('accept-expires').textContent = p.expires ? `The link works until ${expiresText(p)}.` : '';
  const lead = `${p.inviter || 'Someone'} invited you to join makechat` + (p.rooms.length ? ', in:' : '.');
  if (me.status === 'fulfilled') {
    $('accept-me-text').textContent = `You are logged in as ${me.value.username}. To make a new account with this invite, log out first.`;
    show({lead, rooms: p.rooms.length > 0, me: true});
    $('accept-logout').focus();
  } else {
    show({lead, rooms: p.rooms.length > 0, fields: true, alt: true});
    $('acc-username').focus();
  }
}

// show shows the parts of the card named.
function show({lead, rooms = false, me = false, fields = false, alt = false}) {
  $('accept-lead').textContent = lead;
  $('accept-rooms').hidden = !rooms;
  $('accept-expires').hidden = !rooms && !fields || !$('accept-expires').textContent;
  $('accept-me').hidden = !me;
  $('accept-fields').hidden = !fields;
  $('accept-alt').hidden = !alt;
}

function gone() {
  $('accept-title').textContent = 'Invite not valid';
  show({lead: 'This invite link is no longer valid (used up, expired or revoked). Ask for a new one.', alt: true});
}

function formError(msg) {
  $('accept-error').textContent = msg;
  $('accept-error').hidden = !msg;
}

$('accept-logout').addEventListener('click', async () => {
  try { await api.post('/api/logout'); } catch { /* the cookie goes anyway */ }
  showInvite(secret, enter);
});

$('accept').addEventListener('submit', async (e) => {
  e.preventDefault();
  formError('');
  const v = (id) => $(id).value;
  if (!v('acc-username').trim() || !v('acc-email').trim() || !v('acc-password1')) return formError('Fill in every field.');
  if (v('acc-password1') !== v('acc-password2')) return formError('The two passwords differ.');
  const button = $('accept').querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await api.post(`/api/invites/${secret}/accept`,
      {username: v('acc-username').trim(), email: v('acc-email').trim(), password: v('acc-password1')}, quiet);
    for (const id of ['acc-password1', 'acc-password2']) $(id).value = '';
    enter(firstRoom);
  } catch (ex) {
    if (ex.status === 404) gone();
    else formError(ex.message);
  } finally {
    button.disabled = false;
  }
});
