// "New message" (the sidebar's button): a conversation with one person,
// a direct one, or with 2 to 7 others, a group conversation (docs/api.md,
// "Group conversations": the same people always find the same one). The
// people chosen in the picker gather in the "To" list, each with a button
// that takes them off it; "Start", or Enter in the empty box, opens the
// conversation.
//
// Loaded on first use (chat.js), with its stylesheet, panels.css.

import * as api from './api.js';
import {el, icon} from './render.js';
import {dialog} from './ui.js';
import {S, $, openConv} from './state.js';
import {startDirect, loadGroups, closeDrawer} from './rooms.js';
import {peoplePicker} from './people.js';
import {avatar} from './avatars.js';
import {sheet} from './panels.js';

const MAX_OTHERS = 7;     // a group conversation has at most 8 people

export async function newMessage() {
  await sheet();
  const drawer = $('app').classList.contains('drawer-open');
  const chosen = new Map(); // user id -> username, in the order chosen
  const to = el('ul', {className: 'to', 'aria-label': 'To', hidden: true});
  const said = el('p', {className: 'muted to-note', role: 'status'});
  const picker = peoplePicker({label: 'To', skip: (id) => id === S.me.id || chosen.has(id), onPick: (p) => {
    if (chosen.size >= MAX_OTHERS) {
      said.textContent = `A conversation has at most ${MAX_OTHERS + 1} people, you included.`;
      return;
    }
    chosen.set(p.id, p.username);
    draw();
    said.textContent = `${p.username} added. ${hint()}`;
    picker.reset();
  }});
  const input = picker.node.querySelector('input');

  function hint() {
    return chosen.size === 1 ? 'Start a conversation with them, or add more people.'
      : `Start a conversation of ${chosen.size + 1}, or add more people.`;
  }

  function draw() {
    to.hidden = !chosen.size;
    to.replaceChildren(...[...chosen].map(([id, username]) => el('li', {},
      avatar(id, username, 'small'), el('span', {className: 'name', dir: 'auto'}, username),
      el('button', {type: 'button', className: 'icon-button', 'aria-label': `Remove ${username}`, title: `Remove ${username}`,
        onclick: () => {
          chosen.delete(id);
          draw();
          said.textContent = `${username} removed.`;
          picker.reset();
        }}, icon('close')))));
  }

  // Enter in the empty box starts the conversation (before the picker,
  // which would choose the first person offered).
  picker.node.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.target !== input || input.value.trim() || !chosen.size) return;
    e.preventDefault();
    e.stopPropagation();
    $('dialog-form').requestSubmit();
  }, true);

  const h = dialog({title: 'New message', ok: 'Start', cancel: 'Cancel', body: el('div', {},
    el('p', {className: 'muted'}, 'Choose one person, or up to seven for a group conversation.'), to, picker.node, said),
  onOk: async () => {
    if (!chosen.size) throw new Error('Choose someone to write to first.');
    // The focus goes to the conversation (on a phone, whose drawer
    // closes, to its title).
    const target = drawer ? $('room-title') : $('composer-input');
    if (chosen.size === 1) {
      const [[id, username]] = chosen;
      startDirect(id, username);
    } else {
      const g = await api.post('/api/groups', {users: [...chosen.keys()]});
      await loadGroups([g]);
      closeDrawer();
      openConv('room', api.oid(g._id));
    }
    h.close(target);
    return false;
  }});
}
