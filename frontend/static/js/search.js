// Search: the header's search field, and its results in place of the
// message list; a result opens its conversation.

import * as api from './api.js';
import {renderText, el} from './render.js';
import {relTime} from './ui.js';
import {S, $, convOf, convName, norm, author, openConv} from './state.js';

$('search').addEventListener('submit', async (e) => {
  e.preventDefault();
  const q = $('search-input').value.trim();
  if (!q) return closeResults();
  const list = $('results-list');
  $('results').hidden = false;
  $('scroller').hidden = true;
  $('results-title').textContent = `Results for “${q}”`;
  list.replaceChildren(el('li', {className: 'note'}, 'Searching…'));
  try {
    const found = await api.get('/api/messages?limit=50&q=' + encodeURIComponent(q));
    if (!found.length) { list.replaceChildren(el('li', {className: 'note'}, 'Nothing found.')); return; }
    list.replaceChildren(...found.map(raw => {
      const m = norm(raw);
      const c = convOf(raw);
      return el('li', {className: 'msg result'},
        el('div', {className: 'msg-head'}, el('span', {className: 'author', dir: 'auto'}, author(m)), ' in ',
          el('button', {type: 'button', className: 'link-button', onclick: () => openConv(c.kind, c.id)}, convName(c)), ' ',
          el('time', {dateTime: m.created.toISOString(), title: m.created.toLocaleString()}, relTime(m.created))),
        el('div', {className: 'body', dir: 'auto'}, renderText(m.text, S.me.username)));
    }));
  } catch (ex) {
    list.replaceChildren(el('li', {className: 'error'}, ex.message));
  }
});
export function closeResults() {
  $('results').hidden = true;
  $('scroller').hidden = false;
}
$('results-close').addEventListener('click', () => { closeResults(); $('search-input').value = ''; $('composer-input').focus(); });
