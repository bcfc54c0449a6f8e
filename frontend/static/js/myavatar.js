// One's own avatar, in the account dialog (account.js): the picture as
// others see it, a button that uploads a new one (PUT /api/me/avatar,
// the part "file": a PNG, JPEG, GIF or WebP image of at most 10 MiB, of
// which the server keeps a 256 px square) and one that removes it
// (DELETE), after which one's initials show again. When the server
// refuses a picture (too large, not an image), its reason is shown. Every
// avatar of the user already drawn changes at once (avatars.js); others
// see the new one when their lists are next loaded.
//
// This module is loaded when the dialog first opens: the first screen
// does not need it.

import * as api from './api.js';
import {el} from './render.js';
import {avatar, learnAvatar} from './avatars.js';

const TYPES = 'image/png,image/jpeg,image/gif,image/webp';

// avatarSection is the dialog's part for the account me (/api/me's
// answer); changed(url) is told the new avatar's URL ('' for none).
export function avatarSection(me, changed) {
  const id = api.oid(me._id);
  let url = me.avatar || '';
  const shown = el('div', {className: 'avatar-now'});
  const note = el('p', {className: 'muted avatar-note', role: 'status'});
  const input = el('input', {type: 'file', id: 'avatar-input', accept: TYPES, hidden: true, 'aria-label': 'Choose a picture'});
  const choose = el('button', {type: 'button', onclick: () => input.click()});
  const remove = el('button', {type: 'button', className: 'danger', onclick: () => removeIt()}, 'Remove avatar');

  function draw() {
    shown.replaceChildren(avatar(id, me.username, 'large'));
    choose.textContent = url ? 'Upload a new picture' : 'Upload a picture';
    remove.hidden = !url;
  }
  function say(text, error = false) {
    note.className = (error ? 'error' : 'muted') + ' avatar-note';
    note.textContent = text;
  }
  function done(now, text) {
    url = now || '';
    learnAvatar(id, url);
    changed(url);
    draw();
    say(text);
  }

  input.addEventListener('change', async () => {
    const file = input.files[0];
    input.value = ''; // the same file again is a new choice
    if (!file) return;
    const form = new FormData();
    form.append('file', file, file.name);
    say('Uploading…');
    try {
      done((await api.put('/api/me/avatar', form)).avatar, 'Your avatar is updated.');
    } catch (ex) {
      say(ex.message, true);
    }
  });

  async function removeIt() {
    try {
      await api.del('/api/me/avatar');
      // The button goes with the picture: the focus stays in the section.
      choose.focus();
      done('', 'Your avatar is removed: your initials show instead.');
    } catch (ex) {
      say(ex.message, true);
    }
  }

  draw();
  return el('div', {className: 'avatar-edit'}, shown,
    el('div', {className: 'avatar-tools'}, choose, remove, input,
      el('p', {className: 'muted hint'}, 'A PNG, JPEG, GIF or WebP picture; the square in its middle is kept.')), note);
}
