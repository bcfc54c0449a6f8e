// One's own display name and status, in the account dialog (account.js):
// PATCH /api/me with {display_name, status: {text, expires}}. The status
// may clear itself after an hour, at the end of today or of this week
// (in the browser's time zone), or stay until changed; "Clear status"
// takes it away at once. Every name of the user already drawn changes at
// once (profiles.js), and other browsers hear of it by user.updated.
// The server's reason for a refusal is shown.
//
// This module is loaded when the dialog first opens: the first screen
// does not need it.

import * as api from './api.js';
import {el} from './render.js';
import {field, fullTime} from './ui.js';
import {learnProfile} from './profiles.js';

// until gives the moment a "clear after" choice ends, from now.
const until = {
  hour: () => new Date(Date.now() + 3600e3),
  today: () => { const d = new Date(); d.setHours(24, 0, 0, 0); return d; },
  // The week ends as Sunday does (ISO weeks start on Monday).
  week: () => { const d = new Date(); d.setDate(d.getDate() + ((8 - d.getDay()) % 7 || 7)); d.setHours(0, 0, 0, 0); return d; },
};

// profileSection is the dialog's part for the account me (/api/me's
// answer); changed(account) is told the account as saved.
export function profileSection(me, changed) {
  const id = api.oid(me._id);
  const name = field('Display name', {maxLength: 64, dir: 'auto', autocomplete: 'name', value: me.display_name || '', placeholder: me.username});
  const text = field('Status', {maxLength: 100, dir: 'auto', value: me.status?.text || '', placeholder: '🌴 On holiday'});
  const after = field('Clear the status', {tag: 'select'});
  const note = el('p', {className: 'muted profile-note', role: 'status'});
  const save = el('button', {type: 'button', onclick: () => send(false)}, 'Save profile');
  const clear = el('button', {type: 'button', className: 'danger', onclick: () => send(true)}, 'Clear status');
  const input = (f) => f.querySelector('input, select');

  // The choices; while the status has an expiry, keeping it comes first.
  function choices() {
    const exp = me.status?.expires;
    input(after).replaceChildren(...[exp ? ['keep', 'As set: ' + fullTime(api.when(exp))] : null,
      ['never', "Don't clear"], ['hour', 'In an hour'], ['today', 'At the end of today'], ['week', 'At the end of this week']]
      .filter(Boolean).map(([value, label]) => el('option', {value}, label)));
    clear.hidden = !me.status;
  }

  async function send(clearing) {
    const t = input(text).value.trim();
    const how = input(after).value;
    const status = clearing || !t ? null
      : {text: t, expires: how === 'keep' ? me.status.expires : how === 'never' ? null : until[how]().toISOString()};
    note.className = 'muted profile-note';
    note.textContent = 'Saving…';
    try {
      me = await api.patch('/api/me', clearing ? {status: null} : {display_name: input(name).value, status});
      learnProfile(id, me);
      changed(me);
      if (clearing) input(text).value = '';
      choices();
      note.textContent = clearing ? 'Your status is cleared.' : 'Your profile is saved.';
      if (clearing) input(text).focus();
    } catch (ex) {
      note.className = 'error profile-note';
      note.textContent = ex.message;
    }
  }

  choices();
  return el('div', {className: 'profile-edit'}, name, text, after,
    el('p', {className: 'muted hint'}, 'Others see your display name beside your username, and your status beside your name.'),
    el('div', {className: 'profile-tools'}, save, clear), note);
}

// presenceSection is the dialog's part for showing one's presence:
// "Show when I'm online" (PATCH /api/me {hide_presence}), saved as it is
// ticked; others see one offline, without a last-seen time, while it is
// not. changed(account) is told the account as saved.
export function presenceSection(me, changed) {
  const show = field("Show when I'm online", {type: 'checkbox', checked: !me.hide_presence, onchange: async () => {
    const box = show.querySelector('input');
    note.className = 'muted';
    try {
      me = await api.patch('/api/me', {hide_presence: !box.checked});
      changed(me);
      note.textContent = me.hide_presence ? 'Others now see you offline.' : 'Others now see when you are online.';
    } catch (ex) {
      box.checked = !box.checked;
      note.className = 'error';
      note.textContent = ex.message;
    }
  }});
  const note = el('p', {className: 'muted', role: 'status'});
  return el('div', {className: 'presence-edit'}, show,
    el('p', {className: 'muted hint'}, 'Others see a dot on your picture while you are online, and when you were last seen.'), note);
}
