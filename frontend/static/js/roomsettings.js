// The room header's own buttons: the bell, which mutes the room for the
// user (no notifications, plain unread messages not in bold; mentions
// still count), and, for the room's owners and administrators, the gear,
// which opens the room's settings: name, topic, open and visible. What
// the header shows is rooms.js's renderHeader.

import * as api from './api.js';
import {el} from './render.js';
import {dialog, field} from './ui.js';
import {S, $} from './state.js';
import {renderHeader, renderSidebar} from './rooms.js';

$('mute-button').addEventListener('click', async () => {
  const r = S.cur?.kind === 'room' ? S.rooms.get(S.cur.id) : null;
  const me = r && S.mine.get(r.id);
  if (!me) return;
  const muted = !r.muted;
  r.muted = muted;
  renderHeader();
  renderSidebar();
  try {
    await api.patch('/api/members/' + me.id, {muted});
  } catch (ex) {
    r.muted = !muted;
    renderHeader();
    renderSidebar();
    dialog({title: muted ? 'The room was not muted' : 'The room was not unmuted', body: el('p', {}, ex.message)});
  }
});

$('room-settings').addEventListener('click', () => {
  const r = S.cur?.kind === 'room' ? S.rooms.get(S.cur.id) : null;
  if (!r) return;
  const name = field('Name', {required: true, maxLength: 120, value: r.name, dir: 'auto', autocomplete: 'off'});
  const topic = field('Topic (one line, shown under the name)', {maxLength: 250, value: r.topic, dir: 'auto', autocomplete: 'off'});
  const isOpen = field('Open: anyone may join', {type: 'checkbox', checked: r.is_open});
  const isVisible = field('Visible: listed to everyone', {type: 'checkbox', checked: r.is_visible});
  const input = (f) => f.querySelector('input');
  dialog({title: `Settings of ${r.name}`, body: el('div', {}, name, topic, isOpen, isVisible), ok: 'Save', cancel: 'Cancel', onOk: async () => {
    const d = await api.patch('/api/rooms/' + r.id, {name: input(name).value, topic: input(topic).value,
      is_open: input(isOpen).checked, is_visible: input(isVisible).checked});
    // The stream's room.updated says the same, to every member.
    Object.assign(r, {name: d.name, topic: d.topic || '', is_open: d.is_open, is_visible: d.is_visible});
    renderHeader();
    renderSidebar();
  }});
});
