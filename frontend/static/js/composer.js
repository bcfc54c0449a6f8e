// The composer: what is typed goes to the outbox (outbox.js: shown at
// once as pending, sent in order, never twice); its keys (Enter sends, Up
// edits one's last message, PageUp and PageDown scroll the list), and
// completion: of usernames after "@", of commands after a leading "/"
// (slash.js runs those, and words their answers, instead of posting).
// Files come by the paperclip, a drop on the conversation or a paste;
// attach.js, loaded then, uploads them into the tray, and a message goes
// with the tray's files (its text may then be empty).

import {el} from './render.js';
import {grow} from './ui.js';
import {S, $} from './state.js';
import {startEdit} from './messages.js';
import {typed} from './typing.js';
import {send} from './outbox.js';
import {commandChoices, isCommand, submitted, dismiss} from './slash.js';

const input = $('composer-input');

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  // Leading and trailing blank space is never meant (a completion's space,
  // an extra line); what is inside is sent as typed. A leading space
  // still makes a text that starts with "/" a message, not a command.
  const text = input.value.trim();
  const attached = tray ? tray.count() : 0;
  if ((!text && !attached) || !S.cur) return;
  hideComplete();
  // A command runs at once; a message waits for its files to be in.
  if (attached && !isCommand(input.value) && !tray.ready()) return;
  const message = text ? submitted(S.cur, input.value, text) : '';
  if (message === null) return;
  input.value = '';
  grow(input);
  send(S.cur, message, attached ? tray.take() : []);
});

// An Enter whose keydown was handled (it sent, picked, or chose) must
// not also insert a line break. Browsers already skip it; this also holds
// for synthetic key events and some input methods, which deliver the
// character separately.
let enterHandled = false;
document.addEventListener('keydown', (e) => { enterHandled = e.key === 'Enter' && e.defaultPrevented; });
document.addEventListener('keyup', () => { enterHandled = false; });
input.addEventListener('beforeinput', (e) => {
  if (enterHandled && (e.inputType === 'insertLineBreak' || e.inputType === 'insertParagraph')) e.preventDefault();
});

input.addEventListener('keydown', (e) => {
  if (completeKey(e)) return;
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $('composer').requestSubmit();
  } else if (e.key === 'ArrowUp' && input.value === '') {
    const last = [...S.msgs].reverse().find(m => m.sender === S.me.id && !m.pending && !m.failed && !m.hookName);
    if (last) { e.preventDefault(); startEdit(last.id); }
  } else if ((e.key === 'PageUp' || e.key === 'PageDown') && !e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey &&
    input.scrollHeight <= input.clientHeight + 2) {
    // A page of the list, as if it had the focus (a long draft that
    // scrolls itself keeps the keys).
    e.preventDefault();
    const sc = $('scroller');
    sc.scrollBy({top: (e.key === 'PageUp' ? -1 : 1) * Math.max(40, sc.clientHeight - 40)});
  } else if (e.key === 'Escape' && dismiss()) {
    e.preventDefault();
  }
});

input.addEventListener('input', () => {
  grow(input);
  complete();
  // A command is not a message on its way: nobody sees it typed.
  if (S.cur && input.value && !isCommand(input.value)) typed();
});

// ---------- completion ----------
//
// A source reads the text before the caret. When it applies it answers
// the choices and how to show them: the list's label (and class), how a
// choice is drawn, and what replaces the text before the caret when one
// is picked; and whether a choice typed in full is whole, so that Enter
// sends it rather than picks it. The list is a listbox; the focus stays in the composer,
// which names the chosen option (aria-activedescendant).

let found = null;       // the source's answer while the list is open
let choice = 0;

// mentions completes "@" and the start of a username: the room's members,
// or the other person of a direct conversation.
function mentions(before) {
  const m = /(^|\s)@([A-Za-z0-9_-]*)$/.exec(before);
  if (!m) return null;
  const q = m[2].toLowerCase();
  const pool = S.cur.kind === 'room' ? (S.rooms.get(S.cur.id)?.memberList || []).map(x => x.username) : [S.names.get(S.cur.id)];
  return {
    label: 'Usernames',
    className: '',
    choices: pool.filter(n => n && n.toLowerCase().startsWith(q) && n !== S.me.username).slice(0, 8),
    draw: (n) => '@' + n,
    replace: (text, n) => text.replace(/@([A-Za-z0-9_-]*)$/, '@' + n + ' '),
    whole: () => true,
  };
}

function complete() {
  if (!S.cur) return hideComplete();
  const before = input.value.slice(0, input.selectionStart);
  const f = commandChoices(before, complete) || mentions(before);
  if (!f || !f.choices.length) return hideComplete();
  found = f;
  choice = 0;
  renderComplete();
}
function renderComplete() {
  const ul = $('complete');
  ul.setAttribute('aria-label', found.label);
  ul.className = ('complete ' + found.className).trim();
  ul.replaceChildren(...found.choices.map((c, i) => el('li', {role: 'option', id: 'opt-' + i, 'aria-selected': String(i === choice),
    onmousedown: (e) => { e.preventDefault(); choice = i; pick(); }}, found.draw(c))));
  ul.hidden = false;
  ul.children[choice].scrollIntoView({block: 'nearest'});
  input.setAttribute('aria-activedescendant', 'opt-' + choice);
}
function hideComplete() {
  $('complete').hidden = true;
  found = null;
  input.removeAttribute('aria-activedescendant');
}
// picked is the text before the caret with the chosen completion.
const picked = () => found.replace(input.value.slice(0, input.selectionStart), found.choices[choice]);
function pick() {
  const before = picked();
  input.value = before + input.value.slice(input.selectionStart);
  input.setSelectionRange(before.length, before.length);
  hideComplete();
}
function completeKey(e) {
  if (!found) return false;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    choice = (choice + (e.key === 'ArrowDown' ? 1 : found.choices.length - 1)) % found.choices.length;
    renderComplete();
  } else if (e.key === 'Enter' && found.whole(found.choices[choice]) && picked().trimEnd() === input.value.slice(0, input.selectionStart)) {
    // What is typed is the choice already ("@bob", "/leave"): Enter sends it.
    hideComplete();
    return false;
  } else if (e.key === 'Enter' || e.key === 'Tab') {
    pick();
  } else if (e.key === 'Escape') {
    hideComplete();
  } else {
    return false;
  }
  e.preventDefault();
  return true;
}

// ---------- attaching files ----------

let tray = null;          // attach.js, once loaded

// attach hands files to the tray, loading it (and files.js) the first time.
async function attach(files, how) {
  if (!files.length || !S.cur || $('composer').hidden) return;
  try {
    tray ||= await import('./attach.js');
  } catch {
    $('composer-error').textContent = 'Attaching files needs the connection to the server: try again when it is back.';
    $('composer-error').hidden = false;
    return;
  }
  tray.add(files, how);
}

$('attach').addEventListener('click', () => $('attach-input').click());
// The focus goes to the text, so that Enter then sends (on the
// paperclip, it would pick again).
$('attach-input').addEventListener('change', (e) => {
  attach([...e.target.files]);
  e.target.value = '';
  input.focus();
});

// A paste of files (a screenshot, a copied picture or file) attaches
// them. A paste that also has plain text (cells from a spreadsheet, which
// come with a picture of themselves) is text.
input.addEventListener('paste', (e) => {
  const data = e.clipboardData;
  const files = data ? [...data.files] : [];
  if (!files.length || [...data.types].includes('text/plain')) return;
  e.preventDefault();
  attach(files, {pasted: true});
});

// Files dragged over the conversation show the drop zone (app.css); a
// drop attaches them. Anywhere else in the page a drop of files is
// refused, rather than the browser leaving the chat to show the file.
const room = $('room');
const dragsFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
let over = 0;             // dragenters not yet left: the drag crosses children
function dropZone(on) {
  if (on) room.dataset.drop = '';
  else delete room.dataset.drop;
}
room.addEventListener('dragenter', (e) => {
  if (!dragsFiles(e) || $('composer').hidden || !S.cur) return;
  e.preventDefault();
  over++;
  dropZone(true);
});
room.addEventListener('dragleave', () => {
  if (over > 0 && --over === 0) dropZone(false);
});
room.addEventListener('drop', (e) => {
  if (!dragsFiles(e) || !('drop' in room.dataset)) return;
  e.preventDefault();
  over = 0;
  dropZone(false);
  attach([...e.dataTransfer.files]);
});
for (const type of ['dragover', 'drop']) {
  window.addEventListener(type, (e) => {
    if (!dragsFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = type === 'dragover' && 'drop' in room.dataset ? 'copy' : 'none';
  });
}
window.addEventListener('dragend', () => { over = 0; dropZone(false); });
