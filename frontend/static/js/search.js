// Search: the header's search field, and its results in place of the
// message list; a result opens its conversation at that message (conv.js
// loads the pages around it). Esc closes the results.

import * as api from './api.js';
import {renderText, el} from './render.js';
import {clock, dayLabel, fullTime} from './ui.js';
import {S, $, convOf, convName, norm, author, gist, openConv} from './state.js';
import {senderTag, filesOf, previewOf} from './cards.js';

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
      const where = convName(c);
      return el('li', {className: 'msg result'},
        el('div', {className: 'msg-head'}, el('span', {className: 'author', dir: 'auto'}, author(m)), senderTag(m), ' in ',
          el('button', {type: 'button', className: 'link-button', 'aria-label': `Open in ${where}: ${gist(m).slice(0, 80)}`,
            onclick: () => openConv(c.kind, c.id, true, m.id)}, where), ' ',
          el('time', {dateTime: m.created.toISOString(), title: fullTime(m.created)}, dayLabel(m.created) + ', ' + clock(m.created))),
        m.text ? el('div', {className: 'body', dir: 'auto'}, renderText(m.text, S.me.username)) : null, filesOf(m), previewOf(m));
    }));
  } catch (ex) {
    list.replaceChildren(el('li', {className: 'error'}, ex.message));
  }
});

export function closeResults() {
  $('results').hidden = true;
  $('scroller').hidden = false;
}

function backToConversation() {
  closeResults();
  $('search-input').value = '';
  if (!$('composer').hidden) $('composer-input').focus();
}
$('results-close').addEventListener('click', backToConversation);
$('results').addEventListener('keydown', (e) => {
  if (e.key !== 'Escape' || e.defaultPrevented) return;
  e.preventDefault();
  backToConversation();
});
