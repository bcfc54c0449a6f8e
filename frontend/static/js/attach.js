// Attaching files to the next message: the tray above the composer. Each
// file (from the paperclip, a drop or a paste: composer.js hands them
// over) uploads at once, to POST /api/uploads, through XMLHttpRequest,
// which reports upload progress (fetch does not). An item shows the
// file's name and size, a progress bar, a button that cancels or removes
// it, and, if the server refused it, the server's reason and Retry.
//
// Sending (composer.js asks ready(), then take()): a message goes with the
// files of the tray. If some are still uploading, Enter does not refuse:
// the message waits, and goes by itself as soon as the last one is in
// (unless one failed, or the conversation changed meanwhile). Uploads
// need the connection; a message whose files are in goes through the
// outbox like any other, offline or not, with their ids.
//
// This module is loaded on first use (composer.js), with files.js.

import * as api from './api.js';
import {el, icon} from './render.js';
import {S, $, isCur} from './state.js';
import {bytes, kindIcon} from './files.js';

export const MAX_FILES = 10; // storage.MaxFilesPerMessage

let items = [];     // {key, blob, name, size, type, xhr, progress, file (the server's), error}, in order
let seq = 0;
let owner = '';     // whose uploads the tray holds
let waiting = null; // the conversation a message waits in for its uploads

const list = el('ul', {className: 'uploads', 'aria-label': 'Files to send'});
const note = el('p', {className: 'tray-note', role: 'status'});
const tray = el('section', {className: 'tray', 'aria-label': 'Attached files'}, list, note);
$('slash-note').before(tray);
show();

const busy = () => items.some(it => it.xhr);
const failed = () => items.some(it => it.error);
function say(text) { note.textContent = text; }

// pastedName names a picture pasted from the clipboard, which browsers
// call "image.png", after the moment: "pasted-image-2026-12-03-1432.png".
// A file copied from a file manager keeps its own name.
function pastedName(f) {
  if (!f.type.startsWith('image/') || (f.name && !/^image\.\w+$/i.test(f.name))) return f.name || 'file';
  const ext = {'image/jpeg': 'jpg', 'image/svg+xml': 'svg'}[f.type] || f.type.slice(6).replace(/\W.*$/, '') || 'png';
  const d = new Date();
  const two = (n) => String(n).padStart(2, '0');
  return `pasted-image-${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}-${two(d.getHours())}${two(d.getMinutes())}.${ext}`;
}

// add attaches files (File objects) to the next message and starts their
// uploads; past MAX_FILES the rest are left out, with a note.
export function add(files, {pasted = false} = {}) {
  if (!S.me) return;
  if (owner !== S.me.id) clear();
  owner = S.me.id;
  const room = MAX_FILES - items.length;
  const left = files.length - Math.max(0, room);
  say(left > 0 ? `A message can carry at most ${MAX_FILES} files: ${left === 1 ? 'one was' : left + ' were'} not attached. Send these first, then attach the rest.` : '');
  for (const f of files.slice(0, Math.max(0, room))) {
    const it = {key: ++seq, blob: f, name: pasted ? pastedName(f) : f.name || 'file', size: f.size, type: f.type,
      xhr: null, progress: 0, file: null, error: ''};
    items.push(it);
    upload(it);
    list.append(draw(it));
  }
  show();
}

function upload(it) {
  const xhr = new XMLHttpRequest();
  Object.assign(it, {xhr, progress: 0, error: '', file: null});
  xhr.open('POST', '/api/uploads');
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress(it, e.loaded / e.total); };
  xhr.onload = () => {
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch { /* not JSON: said below */ }
    if (xhr.status === 201 && body && body._id) {
      it.file = body;
    } else {
      it.error = (body && body.description) || `The server refused this file (${xhr.status}).`;
      // api.js ends the session on a 401 it sees itself.
      if (xhr.status === 401) api.get('/api/ping').catch(() => {});
    }
    settle(it);
  };
  xhr.onerror = () => {
    it.error = 'The upload broke off: check the connection, then retry.';
    settle(it);
  };
  const form = new FormData();
  form.append('file', it.blob, it.name);
  xhr.send(form);
}

// progress moves an item's bar; the item is not drawn again, so that a
// focused button in it keeps the focus.
function progress(it, share) {
  it.progress = Math.min(100, Math.round(share * 100));
  const bar = itemLi(it)?.querySelector('[role=progressbar]');
  if (!bar) return;
  bar.setAttribute('aria-valuenow', String(it.progress));
  bar.firstChild.style.width = it.progress + '%';
}

// settle ends an item's upload: it is drawn done or failed, and a message
// waiting for the uploads goes when none is left.
function settle(it) {
  it.xhr = null;
  redraw(it);
  if (!waiting) return;
  if (failed()) {
    waiting = null;
    say('The message was not sent: a file did not upload. Retry it or remove it, then send.');
  } else if (!busy()) {
    go();
  }
}

// go sends the message that waited for its uploads, through the
// composer's own submit (its text as it is now, its checks).
function go() {
  const conv = waiting;
  waiting = null;
  say('');
  if (conv && isCur(conv) && S.me?.id === owner) $('composer').requestSubmit();
}

function remove(it) {
  const li = itemLi(it);
  const had = li?.contains(document.activeElement);
  items = items.filter(x => x !== it);
  if (it.xhr) {
    const xhr = it.xhr;
    it.xhr = null;
    xhr.abort();
  }
  li?.remove();
  say('');
  show();
  if (had) $('composer-input').focus();
  if (waiting && !busy() && !failed()) go();
}

function retry(it) {
  upload(it);
  redraw(it);
  itemLi(it)?.querySelector('.upload-remove')?.focus();
}

function clear() {
  for (const it of items) it.xhr?.abort();
  items = [];
  waiting = null;
  list.replaceChildren();
  show();
}

function show() {
  list.hidden = items.length === 0;
  tray.classList.toggle('empty', items.length === 0);
}

const itemLi = (it) => list.querySelector(`:scope > li[data-key="${it.key}"]`);

function redraw(it) {
  const li = itemLi(it);
  if (!li) return;
  const focused = li.contains(document.activeElement);
  const next = draw(it);
  li.replaceWith(next);
  if (focused) (next.querySelector('.retry') || next.querySelector('.upload-remove')).focus();
}

// draw is an item of the tray: a thumbnail once the server made one
// (before, an icon by type), name, size, then the progress bar or the
// server's reason with Retry; and the button that cancels or removes it.
function draw(it) {
  const f = it.file;
  const pic = f?.thumb_url ? el('img', {src: f.thumb_url, alt: ''}) : icon(kindIcon(it));
  const state = it.xhr ? el('div', {className: 'bar', role: 'progressbar', 'aria-label': `Uploading ${it.name}`,
    'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(it.progress)}, el('span'))
    : it.error ? el('p', {className: 'upload-error', role: 'alert'}, it.error, ' ',
      el('button', {type: 'button', className: 'retry', 'aria-label': `Retry ${it.name}`, onclick: () => retry(it)}, 'Retry'))
      : null;
  if (it.xhr) state.firstChild.style.width = it.progress + '%';
  const meta = bytes(it.size) + (f ? ' · uploaded' : it.error ? ' · not uploaded' : '');
  return el('li', {className: 'upload' + (it.error ? ' failed' : f ? ' done' : ''), dataset: {key: it.key}},
    el('span', {className: 'upload-pic'}, pic),
    el('div', {className: 'upload-what'},
      el('span', {className: 'upload-name', dir: 'auto', title: it.name}, it.name),
      el('span', {className: 'upload-meta'}, meta), state),
    el('button', {type: 'button', className: 'icon-button upload-remove',
      'aria-label': (it.xhr ? 'Cancel the upload of ' : 'Remove ') + it.name, title: it.xhr ? 'Cancel' : 'Remove',
      onclick: () => remove(it)}, icon('close')));
}

// count is how many files are attached, uploaded or not.
export function count() {
  if (S.me?.id !== owner) clear();
  return items.length;
}

// ready says whether a message may go with the tray's files now. If
// some are still uploading, the message waits and goes when they are in;
// if one failed, it does not go, and the tray says why.
export function ready() {
  if (failed()) {
    say('A file did not upload: retry it or remove it, then send.');
    return false;
  }
  if (busy()) {
    waiting = S.cur;
    say('The message will go as soon as the uploads finish…');
    return false;
  }
  return true;
}

// take empties the tray and returns its files as the server described
// them, for the message that carries them.
export function take() {
  const files = items.map(it => it.file).filter(Boolean);
  items = [];
  waiting = null;
  list.replaceChildren();
  say('');
  show();
  return files;
}
