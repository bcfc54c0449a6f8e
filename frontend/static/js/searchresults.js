// Search results, newest first, in place of the message list. A search
// with filters examines a bounded number of messages per request, so a
// page may be short, even empty, and still be followed by another: while
// the server's answer links to a next page, "Search older messages"
// fetches it. A result opens its conversation at that message (conv.js
// loads the pages around it).

import * as api from './api.js';
import {renderText, el} from './render.js';
import {clock, dayLabel, fullTime} from './ui.js';
import {S, $, convOf, convName, norm, author, gist, openConv} from './state.js';
import {senderTag, filesOf, previewOf} from './cards.js';

// shown counts the searches; an answer to one that is no longer shown
// is dropped.
let shown = 0;

// show searches for q and shows the first page of what it finds.
export function show(q) {
  const run = ++shown;
  $('results').hidden = false;
  $('scroller').hidden = true;
  $('results-title').textContent = `Results for “${q}”`;
  $('results-list').replaceChildren(note('Searching…'));
  return page(run, '/api/messages?limit=50&q=' + encodeURIComponent(q), null);
}

// page fetches one page and puts it in place of after (the row that
// asked for it), or of the whole list for the first page.
async function page(run, path, after) {
  const list = $('results-list');
  const put = (...rows) => after ? after.replaceWith(...rows) : list.replaceChildren(...rows);
  let found, next;
  try {
    const {data, headers} = await api.request('GET', path);
    found = data.map(result);
    next = api.links(headers).next;
  } catch (ex) {
    // A later page that failed may be asked for again.
    if (run === shown) put(el('li', {className: 'error'}, ex.message), ...(after ? [more(run, path, false)] : []));
    return;
  }
  if (run !== shown) return;
  const none = !found.length && !list.querySelector('.result');
  if (next) {
    found.push(more(run, next, none));
  } else if (none || (after && !found.length)) {
    found.push(note(none ? 'Nothing found.' : 'No older results.'));
  }
  put(...found);
  // After "Search older messages", the focus goes on to what it found.
  if (after) (found[0].querySelector('button') || found[0]).focus();
}

// more is the row that fetches the page after this one.
function more(run, next, none) {
  const li = el('li', {className: 'more'}, none ? 'No matches in the latest messages. ' : '');
  const button = el('button', {type: 'button', className: 'link-button', onclick: () => {
    button.disabled = true;
    button.textContent = 'Searching…';
    page(run, next, li);
  }}, 'Search older messages');
  li.append(button);
  return li;
}

const note = (text) => el('li', {className: 'note', tabIndex: -1}, text);

function result(raw) {
  const m = norm(raw);
  const c = convOf(raw);
  const where = convName(c);
  return el('li', {className: 'msg result'},
    el('div', {className: 'msg-head'}, el('span', {className: 'author', dir: 'auto'}, author(m)), senderTag(m), ' in ',
      el('button', {type: 'button', className: 'link-button', 'aria-label': `Open in ${where}: ${gist(m).slice(0, 80)}`,
        onclick: () => openConv(c.kind, c.id, true, m.id)}, where), ' ',
      el('time', {dateTime: m.created.toISOString(), title: fullTime(m.created)}, dayLabel(m.created) + ', ' + clock(m.created))),
    m.text ? el('div', {className: 'body', dir: 'auto'}, renderText(m.text, S.me.username)) : null, filesOf(m), previewOf(m));
}
