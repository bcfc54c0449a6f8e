// The people picker: a box that searches the people directory (GET
// /api/people?q=, active users by username) as one types, with the
// matches in a list to choose from by mouse or keyboard — a combobox
// whose active option is named by aria-activedescendant, so the focus
// stays in the box. It adds members (members.js) and starts direct and
// group conversations (the sidebar's "New message": newmessage.js); it
// loads with them, on first use.

import * as api from './api.js';
import {el} from './render.js';
import {count} from './ui.js';
import {learnPeople, botTag} from './cards.js';
import {avatar} from './avatars.js';
import {who} from './profiles.js';
import {presenceText} from './presence.js';

const {oid} = api;
const DEBOUNCE_MS = 150;
let made = 0;

// peoplePicker returns {node, reset, focus}. skip(id) leaves people out
// (oneself, a room's members); onPick({id, username}) gets the choice.
export function peoplePicker({label, skip = () => false, onPick}) {
  const n = ++made;
  const listId = `people-${n}`;
  const input = el('input', {id: `people-q-${n}`, type: 'text', role: 'combobox', autocomplete: 'off', autocapitalize: 'none',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId, placeholder: 'Type a username'});
  const list = el('ul', {id: listId, role: 'listbox', className: 'people', 'aria-label': 'People found', hidden: true});
  const status = el('p', {className: 'muted picker-status', role: 'status'});
  let found = [];
  let active = -1;
  let timer = 0;
  let asked = 0;

  function render() {
    list.replaceChildren(...found.map((p, i) => el('li', {role: 'option', id: `${listId}-${i}`, 'aria-selected': String(i === active),
      onmousedown: (e) => e.preventDefault(), onclick: () => choose(i)},
    avatar(p.id, p.username, 'small'), who(p.id, p.username), el('span', {className: 'visually-hidden'}, presenceText(p.id)), p.bot ? botTag() : null)));
    list.hidden = !found.length;
    input.setAttribute('aria-expanded', String(found.length > 0));
    if (active >= 0) {
      input.setAttribute('aria-activedescendant', `${listId}-${active}`);
      list.children[active].scrollIntoView({block: 'nearest'});
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  async function search() {
    const q = input.value.trim().replace(/^@/, '');
    const mine = ++asked;
    try {
      const people = await api.get('/api/people?limit=20&q=' + encodeURIComponent(q));
      if (mine !== asked) return; // a later search is on its way
      // The person chosen with the arrows stays chosen if still there.
      const was = found[active]?.id;
      learnPeople(people);
      found = people.map(p => ({id: oid(p._id), username: p.username, bot: p.is_bot === true})).filter(p => !skip(p.id));
      active = found.length ? Math.max(0, found.findIndex(p => p.id === was)) : -1;
      status.textContent = found.length ? (q ? count(found.length, 'match', 'matches') : '')
        : (q ? `No one else matches “${q}”.` : 'There is no one else to choose yet.');
    } catch (ex) {
      if (mine !== asked) return;
      found = [];
      active = -1;
      status.textContent = ex.message;
    }
    render();
  }

  function choose(i) {
    if (found[i]) onPick(found[i]);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!found.length) return;
      active = (active + (e.key === 'ArrowDown' ? 1 : found.length - 1)) % found.length;
      render();
    } else if (e.key === 'Enter') {
      // Never the dialog's own submit: Enter chooses, or does nothing.
      if (active >= 0) choose(active);
    } else if (e.key === 'Escape' && found.length) {
      // The first Esc closes the list, the next one the dialog.
      found = [];
      active = -1;
      render();
    } else {
      return;
    }
    e.preventDefault();
  });
  // Nor may a keypress of Enter submit the dialog's form (some input
  // methods and synthetic keys deliver it despite the keydown's veto).
  input.addEventListener('keypress', (e) => { if (e.key === 'Enter') e.preventDefault(); });
  search(); // the first names, before anything is typed

  return {
    node: el('div', {className: 'picker'}, el('label', {htmlFor: input.id}, label), input, list, status),
    reset() {
      input.value = '';
      search();
      input.focus();
    },
  };
}
