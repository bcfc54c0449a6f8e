// The conversation header's own buttons: the bell, whose menu sets the
// user's notifications there (bell.js, loaded at its first use: its level,
// and a mute for a while), and, for a room's owners and administrators,
// the gear, which opens the room's settings: name, topic, open and
// visible. What the header shows is rooms.js's renderHeader.

import * as api from './api.js';
import {dialog, field} from './ui.js';
import {el} from './render.js';
import {S, $} from './state.js';
import {renderHeader, renderSidebar} from './rooms.js';

// The first click (or ↓, ↑) loads the bell's menu and opens it; from then
// on the menu button is bell.js's.
let bell = null;
function firstBell(e) {
  if (e.type === 'keydown' && e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  e.preventDefault();
  bell ||= import('./bell.js').then((m) => {
    $('mute-button').removeEventListener('click', firstBell);
    $('mute-button').removeEventListener('keydown', firstBell);
    m.openBell(e.key === 'ArrowUp' ? -1 : 0);
  }, () => { bell = null; });
}
$('mute-button').addEventListener('click', firstBell);
$('mute-button').addEventListener('keydown', firstBell);

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
