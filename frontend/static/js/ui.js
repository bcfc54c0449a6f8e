// Small pieces of the interface, for the chat and the admin: the modal
// dialog, labelled fields, a link to copy, counts of things, relative
// times, and text boxes that grow.

import {el} from './render.js';

// dialog opens the page's <dialog> with a title, a body and an optional
// OK button; onOk may throw an ApiError, shown in the dialog, or return
// false to keep it open. Focus returns where it was when the dialog
// closes, or to what close(to) names. swap shows a next step (a link just
// made, a picker) in the same dialog, with only a Done button.
export function dialog({title, body, ok, onOk, cancel = 'Close'}) {
  const d = document.getElementById('dialog');
  const form = document.getElementById('dialog-form');
  const err = document.getElementById('dialog-error');
  const okBtn = document.getElementById('dialog-ok');
  const cancelBtn = document.getElementById('dialog-cancel');
  let back = document.activeElement;
  const fill = (t, b) => {
    document.getElementById('dialog-title').textContent = t;
    document.getElementById('dialog-body').replaceChildren(b);
    err.hidden = true;
  };
  fill(title, body);
  okBtn.hidden = !ok;
  okBtn.textContent = ok || 'OK';
  cancelBtn.textContent = cancel;
  const close = (to) => {
    if (to) back = to;
    if (d.open) d.close();
    // At once, not only when the close event comes: a key still on its
    // way (the Enter that chose) must reach the new place, not the old.
    if (to) to.focus();
  };
  form.onsubmit = async (e) => {
    e.preventDefault();
    if (!onOk) { close(); return; }
    okBtn.disabled = true;
    try {
      if ((await onOk()) !== false) close();
    } catch (ex) {
      err.textContent = ex.message;
      err.hidden = false;
    } finally {
      okBtn.disabled = false;
    }
  };
  cancelBtn.onclick = () => close();
  // The close event comes a moment later: by then the user may have gone
  // on (clicked elsewhere), and the focus is not taken back from there.
  d.onclose = () => {
    const f = document.activeElement;
    if (back && back.focus && (!f || f === document.body || d.contains(f))) back.focus();
  };
  d.showModal();
  const first = body.querySelector('input, select, textarea, button');
  (first || (ok ? okBtn : cancelBtn)).focus();
  return {
    close,
    error(msg) { err.textContent = msg; err.hidden = false; },
    swap(t, b) {
      fill(t, b);
      okBtn.hidden = true;
      form.onsubmit = (e) => { e.preventDefault(); close(); };
      cancelBtn.textContent = 'Done';
      (b.querySelector('input, select, textarea, button') || cancelBtn).focus();
    },
  };
}

// field is a labelled input for dialogs and forms.
export function field(label, props) {
  const id = 'f-' + Math.random().toString(36).slice(2, 9);
  const input = el(props.tag || 'input', {id, ...props, tag: undefined});
  if (props.type === 'checkbox' || props.type === 'radio') {
    return el('div', {className: 'check'}, input, el('label', {htmlFor: id}, label));
  }
  return el('div', {className: 'field'}, el('label', {htmlFor: id}, label), input);
}

// copyField shows a link or a secret to copy: a read-only box that
// selects itself, and a Copy button (where the clipboard is not allowed,
// the text is selected for Ctrl+C instead).
export function copyField(label, value) {
  const f = field(label, {value, readOnly: true, className: 'secret',
    onfocus: (e) => e.target.select()});
  const input = f.querySelector('input');
  const said = el('span', {className: 'muted', role: 'status'});
  const copy = el('button', {type: 'button', onclick: async () => {
    try {
      await navigator.clipboard.writeText(value);
      said.textContent = 'Copied.';
    } catch {
      input.focus();
      said.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
    }
  }}, 'Copy');
  return el('div', {className: 'copy'}, f, el('div', {className: 'copy-row'}, copy, said));
}

// count says how many of a thing: "1 member", "3 members".
export function count(n, one, many = one + 's') {
  return `${n} ${n === 1 ? one : many}`;
}

// clock is a time of day in the browser's locale and zone ("14:05",
// "2:05 PM"); fullTime is a date and time in full, for a title or a menu.
export const clock = (d) => d.toLocaleTimeString([], {hour: 'numeric', minute: '2-digit'});
export const fullTime = (d) => d.toLocaleString([], {dateStyle: 'full', timeStyle: 'short'});

// relTime says when a message was: relative for a few minutes, then the
// time of day (the day lines of the list say which day).
export function relTime(d, now = new Date()) {
  const s = (now - d) / 1000;
  if (s < 60) return 'just now';
  if (s < 300) return Math.floor(s / 60) + ' min ago';
  return clock(d);
}

// dayLabel names a day: "Today", "Yesterday", "Monday, November 30", with
// the year when it is not this one.
export function dayLabel(d) {
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return 'Today';
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  if (d.toDateString() === y.toDateString()) return 'Yesterday';
  const year = d.getFullYear() === now.getFullYear() ? undefined : 'numeric';
  return d.toLocaleDateString([], {weekday: 'long', year, month: 'long', day: 'numeric'});
}

// grow makes a text box as tall as its text, up to a limit.
export function grow(ta) {
  ta.style.height = 'auto';
  ta.style.height = Math.min(ta.scrollHeight + 2, 200) + 'px';
}

export function show(node, on) { node.hidden = !on; }
