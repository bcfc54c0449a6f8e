// Slash commands in the composer: the commands its completion offers
// after a leading "/" (GET /api/commands, read once, when first needed),
// running one (POST /api/commands) instead of posting the text, and the
// note above the composer that shows the answer, or why it was refused,
// to the user alone. "//text" posts "/text"; " /text" is a message too.
// A message a command posts (/me) arrives through the stream like any
// other; what changes the room (/topic, /leave) comes as its events.

import * as api from './api.js';
import {el, icon} from './render.js';
import {grow} from './ui.js';
import {S, $, isCur} from './state.js';
import {renderHeader, renderSidebar} from './rooms.js';
import {send} from './outbox.js';

const input = $('composer-input');
const note = $('slash-note');

let commands = null;    // [{name, usage, help, custom}], once read
let loading = null;     // the read on its way
let running = false;    // a command on its way: Enter again does not repeat it

// isCommand tells whether text, as typed, is a command to run.
export const isCommand = (text) => text.startsWith('/') && !text.startsWith('//');

// commandChoices is the composer's completion for a command's name, typed
// at the very start of the text in a room: null when that is not what is
// being typed. The first "/" reads the list; again() runs when it is in.
export function commandChoices(before, again) {
  const m = /^\/([^\s/]*)$/.exec(before);
  if (!m || S.cur?.kind !== 'room') return null;
  if (!commands) {
    loading ||= api.get('/api/commands').then((list) => {
      commands = list || [];
      if (document.activeElement === input) again();
    }, () => { loading = null; });
    return null;
  }
  const q = m[1].toLowerCase();
  return {
    label: 'Commands',
    className: 'commands',
    choices: commands.filter(c => c.name.startsWith(q)).slice(0, 10),
    draw: (c) => [el('span', {className: 'cmd-name'}, '/' + c.name), c.usage ? el('span', {className: 'cmd-usage'}, c.usage) : null,
      el('span', {className: 'cmd-help'}, c.help)],
    replace: (_, c) => '/' + c.name + ' ',
    // Typed in full, a command that takes no text runs on Enter.
    whole: (c) => !c.usage,
  };
}

// submitted takes what the composer sends (its text as typed, and that
// text trimmed): it runs a command and answers null, or answers the
// message to post. Either way the last note goes.
export function submitted(conv, typed, text) {
  dismiss();
  if (!isCommand(typed)) return typed.startsWith('//') ? text.slice(1) : text;
  if (conv.kind !== 'room') {
    show('Commands work in rooms, not in direct messages.', () => asMessage(conv, text));
  } else {
    run(conv, text);
  }
  return null;
}

async function run(conv, text) {
  if (running) return;
  running = true;
  try {
    const r = await api.post('/api/commands', {room: conv.id, text});
    clear(text);
    // A mute is the caller's own and has no event: the header and the
    // sidebar are told here.
    const name = text.slice(1).split(/\s/, 1)[0].toLowerCase();
    const room = S.rooms.get(conv.id);
    if (room && (name === 'mute' || name === 'unmute')) {
      room.muted = name === 'mute';
      renderSidebar();
      if (isCur(conv)) renderHeader();
    }
    if (isCur(conv) && r && r.text) show(r.text);
  } catch (ex) {
    if (isCur(conv)) show(ex.message, ex.status === 400 && ex.message.startsWith('There is no command /') ? () => asMessage(conv, text) : null);
  } finally {
    running = false;
  }
}

// asMessage posts a text that looked like a command as it is.
function asMessage(conv, text) {
  dismiss();
  clear(text);
  send(conv, text);
  input.focus();
}

// clear empties the composer if it still holds text (and not something
// typed since).
function clear(text) {
  if (input.value.trim() !== text) return;
  input.value = '';
  grow(input);
}

// show fills the note: a sentence, a "Send as a message" button when
// offered, and a close button. A click or tap on them leaves the focus
// in the composer (a phone keeps its keyboard, and the format hint that
// only a focused composer shows does not vanish under the pointer).
function show(text, offer) {
  const keep = (e) => e.preventDefault();
  note.replaceChildren(el('p', {}, text),
    ...offer ? [el('button', {type: 'button', className: 'link-button', onmousedown: keep, onclick: offer}, 'Send as a message')] : [],
    el('button', {type: 'button', className: 'icon-button', 'aria-label': 'Dismiss', title: 'Dismiss', onmousedown: keep,
      onclick: () => { dismiss(); input.focus(); }}, icon('close')));
}

// dismiss empties the note (it stays in the page as a live region, so
// that the next one is announced); it tells whether there was one.
export function dismiss() {
  const shown = note.firstChild !== null;
  note.replaceChildren();
  return shown;
}
