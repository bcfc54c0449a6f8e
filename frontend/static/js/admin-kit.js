// The admin's building blocks, shared by its tabs (admin.js and the
// admin-*.js modules): tables that filter and become labelled cards on a
// phone, inline create forms whose errors are the API's own words,
// confirmations before anything destructive, the room picker, and
// secrets shown once with a Copy button.

import * as api from './api.js';
import {el} from './render.js';
import {dialog} from './ui.js';

const {oid, when} = api;

export function fmtDate(v) { return v ? when(v).toLocaleString() : '—'; }
export function tag(on, yes, no) { return el('span', {className: 'tag ' + (on ? 'on' : 'off')}, on ? yes : no); }

// confirmThen asks before anything destructive; fn runs on OK, and an
// error it throws is shown in the dialog.
export function confirmThen(title, text, ok, fn) {
  dialog({title, body: el('p', {}, text), ok, cancel: 'Cancel', onOk: fn});
}

// table renders rows with a filter box over the given text of each row
// (without text, no filter: a short fixed list); on a phone each row is
// a card (app.css), each cell labelled. name names the filter box, for
// pages with more than one table.
export function table(columns, rows, text, name = 'the table') {
  const tbody = el('tbody');
  const filter = text && el('input', {type: 'search', placeholder: 'Filter', 'aria-label': 'Filter ' + name});
  const fill = () => {
    const f = filter ? filter.value.toLowerCase() : '';
    const shown = filter ? rows.filter(r => text(r).toLowerCase().includes(f)) : rows;
    tbody.replaceChildren(...shown.map(r => el('tr', {}, columns.map(c => {
      // The label names the column where the row is a card (phones).
      return el('td', {className: c.cls || '', dataset: {label: c.title}}, c.cell(r));
    }))));
    if (!shown.length) tbody.append(el('tr', {}, el('td', {colSpan: columns.length, className: 'muted'}, 'Nothing to show.')));
  };
  filter?.addEventListener('input', fill);
  fill();
  return el('div', {},
    filter && el('div', {className: 'toolbar'}, filter, el('span', {className: 'muted'}, `${rows.length} in all`)),
    el('div', {className: 'table-wrap'}, el('table', {},
      el('thead', {}, el('tr', {}, columns.map(c => el('th', {scope: 'col'}, c.title)))), tbody)));
}

// blame marks the field an API error names ("The 'url' parameter …")
// as invalid, described by the error, and puts the focus there; it
// returns a function that clears the mark.
export function blame(scope, ex, err) {
  if (!err.id) err.id = 'e-' + Math.random().toString(36).slice(2, 9);
  const m = /^The '([a-z_]+)' parameter/.exec(ex.message || '');
  const input = m && scope.querySelector(`[name="${m[1]}"]`);
  if (!input) return () => {};
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', err.id);
  input.focus();
  return () => { input.removeAttribute('aria-invalid'); input.removeAttribute('aria-describedby'); };
}

// createForm is an inline form whose errors come from the API's bodies,
// shown under it and tied to the field they name. fields may hold
// fieldsets, which take a line of their own.
export function createForm(title, fields, label, submit) {
  const err = el('p', {className: 'error', role: 'alert', hidden: true});
  const form = el('form', {className: 'create', 'aria-label': title, noValidate: true},
    el('h2', {}, title), el('div', {className: 'row'}, fields, el('button', {type: 'submit', className: 'primary'}, label)), err);
  let unblame = () => {};
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    unblame();
    try {
      await submit(form);
    } catch (ex) {
      err.textContent = ex.message;
      err.hidden = false;
      unblame = blame(form, ex, err);
    }
  });
  return form;
}

export const val = (form, name) => form.querySelector(`[name="${name}"]`);
export const act = (label, fn, cls, props = {}) => el('button', {type: 'button', className: cls || '', onclick: fn, ...props}, label);
export const failed = (ex) => dialog({title: 'That did not work', body: el('p', {}, ex.message)});
export const attempt = (fn) => async () => { try { await fn(); } catch (ex) { failed(ex); } };

// roomPicker is a select of every room; the choice is kept in state.room
// and then is called when it changes.
export async function roomPicker(state, then) {
  const list = await api.all('/api/rooms?limit=100');
  if (!list.length) return [el('p', {}, 'There are no rooms yet.'), null];
  if (!state.room || !list.some(r => oid(r._id) === state.room)) state.room = oid(list[0]._id);
  const sel = el('select', {id: 'room-pick'}, list.map(r => el('option', {value: oid(r._id), selected: oid(r._id) === state.room}, r.name)));
  sel.addEventListener('change', () => { state.room = sel.value; then(); });
  return [el('div', {className: 'toolbar'}, el('div', {className: 'field'}, el('label', {htmlFor: 'room-pick'}, 'Room'), sel)), state.room];
}

// shownOnce shows a secret the server gives only once (a URL, a token,
// a signing secret): its name, the value, a Copy button, and the line
// that says so. Where the clipboard is refused, the value is selected
// for Ctrl+C instead. copy is the button's words ("Copy URL").
export function shownOnce(label, value, copy = 'Copy') {
  const text = el('p', {className: 'secret'}, value);
  const said = el('span', {className: 'muted', role: 'status'});
  const button = el('button', {type: 'button', onclick: async () => {
    try {
      await navigator.clipboard.writeText(value);
      said.textContent = 'Copied.';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(text);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      said.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
    }
  }}, copy);
  return el('div', {className: 'once'},
    el('p', {className: 'once-label'}, label),
    text,
    el('div', {className: 'copy-row'}, button, said),
    el('p', {className: 'muted'}, 'It is shown only this once: copy it now.'));
}

// wideDialog opens the dialog wider than a form's, for a table; it is
// back to its usual width once closed.
export function wideDialog(opts) {
  const d = document.getElementById('dialog');
  d.classList.add('wide');
  d.addEventListener('close', () => d.classList.remove('wide'), {once: true});
  return dialog(opts);
}
