// Search: the header's search field. What is typed goes to the server as
// it is, words and filters (from:alice in:general has:file
// before:2026-12-01, docs/api.md); the hint under the empty field lists
// the filters. The results (searchresults.js, loaded at the first search,
// to keep it out of the first load) replace the message list; Esc closes
// them. The sidebar's "Mentions" shows, in the same place, the messages
// that mention the user (GET /api/mentions).

import {el} from './render.js';
import {$} from './state.js';
import {closeDrawer} from './rooms.js';

// results loads searchresults.js, or says it could not.
async function results() {
  try {
    return await import('./searchresults.js');
  } catch {
    $('results').hidden = false;
    $('scroller').hidden = true;
    $('results-list').replaceChildren(el('li', {className: 'error'}, 'Search could not be loaded. Check the connection and try again.'));
    return null;
  }
}

$('search').addEventListener('submit', async (e) => {
  e.preventDefault();
  const q = $('search-input').value.trim();
  if (!q) return closeResults();
  (await results())?.show(q);
});

$('mentions-open').addEventListener('click', async () => {
  closeDrawer();
  (await results())?.showMentions();
  $('results-title').focus();
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
