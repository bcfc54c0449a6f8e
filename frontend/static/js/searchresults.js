// Search results, newest first, in place of the message list (and the
// mentions of the user, which are shown the same way). A search
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

// What a list of search results says, and what the list of mentions says.
const SEARCH = {busy: 'Searching…', more: 'Search older messages', none: 'Nothing found.', noMore: 'No older results.', sparse: 'No matches in the latest messages. '};
const MENTIONS = {busy: 'Loading…', more: 'Older mentions', none: 'No one has mentioned you yet.', noMore: 'No older mentions.', sparse: ''};

// show searches for q and shows the first page of what it finds.
export function show(q) {
  return open(`Results for “${q}”`, '/api/messages?limit=50&q=' + encodeURIComponent(q), SEARCH);
}

// showMentions shows the messages that mention the user, newest first.
export function showMentions() {
  return open('Mentions of you', '/api/mentions?limit=50', MENTIONS);
}

function open(title, path, says) {
  const run = ++shown;
  $('results').hidden = false;
  $('scroller').hidden = true;
  $('results-title').textContent = title;
  $('results-list').replaceChildren(note(says.busy));
  return page(run, path, null, says);
}

// page fetches one page and puts it in place of after (the row that
// asked for it), or of the whole list for the first page.
async function page(run, path, after, says) {
  const list = $('results-list');
  const put = (...rows) => after ? after.replaceWith(...rows) : list.replaceChildren(...rows);
  let found, next;
  try {
    const {data, headers} = await api.request('GET', path);
    found = data.map(result);
    next = api.links(headers).next;
  } catch (ex) {
    // A later page that failed may be asked for again.
    if (run === shown) put(el('li', {className: 'error'}, ex.message), ...(after ? [more(run, path, false, says)] : []));
    return;
  }
  if (run !== shown) return;
  const none = !found.length && !list.querySelector('.result');
  if (next) {
    found.push(more(run, next, none, says));
  } else if (none || (after && !found.length)) {
    found.push(note(none ? says.none : says.noMore));
  }
  put(...found);
  // After "Search older messages", the focus goes on to what it found.
  if (after) (found[0].querySelector('button') || found[0]).focus();
}

// more is the row that fetches the page after this one.
function more(run, next, none, says) {
  const li = el('li', {className: 'more'}, none ? says.sparse : '');
  const button = el('button', {type: 'button', className: 'link-button', onclick: () => {
    button.disabled = true;
    button.textContent = says.busy;
    page(run, next, li, says);
  }}, says.more);
  li.append(button);
  return li;
}

const note = (text) => el('li', {className: 'note', tabIndex: -1}, text);

// result draws a message found, with a link that opens its conversation
// at it (a reply in a thread: at its root).
function result(raw) {
  const m = norm(raw);
  const c = convOf(raw);
  const where = convName(c);
  const at = raw.thread && !raw.in_room ? api.oid(raw.thread) : m.id;
  return el('li', {className: 'msg result'},
    el('div', {className: 'msg-head'}, el('span', {className: 'author', dir: 'auto'}, author(m)), senderTag(m), ' in ',
      el('button', {type: 'button', className: 'link-button', 'aria-label': `Open in ${where}: ${gist(m).slice(0, 80)}`,
        onclick: () => openConv(c.kind, c.id, true, at)}, where), ' ',
      el('time', {dateTime: m.created.toISOString(), title: fullTime(m.created)}, dayLabel(m.created) + ', ' + clock(m.created))),
    m.text ? el('div', {className: 'body', dir: 'auto'}, renderText(m.text, S.me.username)) : null, filesOf(m), previewOf(m));
}
