// What the thread panel (threads.js, which loads this module with
// itself) draws: the messages of a thread, its root and its replies, as
// the conversation draws its own (messages.js); and the list of the
// threads the user follows, which the sidebar's Threads entry opens.

import * as api from './api.js';
import {renderText, el} from './render.js';
import {relTime, clock, fullTime, dayLabel, count} from './ui.js';
import {ago} from './threadsum.js';
import {S, convOf, convName, norm, author, gist} from './state.js';
import {cardsOf, filesOf, textOf, senderTag} from './cards.js';
import {avatar} from './avatars.js';

const GROUP_MS = 5 * 60 * 1000; // as the conversation groups a sender's messages

// ---------- a message ----------

// follows says whether m continues prev's run: one sender's replies
// within five minutes share one header.
export const follows = (m, prev) => Boolean(prev) && prev.sender === m.sender && prev.hookName === m.hookName &&
  m.created - prev.created < GROUP_MS && prev.created.toDateString() === m.created.toDateString();

// stamp is when a message was: relative today, else the day and time.
export const stamp = (d) => dayLabel(d) === 'Today' ? relTime(d) : `${dayLabel(d)}, ${clock(d)}`;

// header is the start of message m: its sender's avatar, name and time;
// in a run (cont), its time in the margin, the name for screen readers.
export function header(m, cont) {
  const iso = m.created.toISOString();
  return [cont ? el('time', {className: 'side-time', dateTime: iso, 'aria-hidden': 'true'}, clock(m.created))
    : avatar(m.hookName ? '' : m.sender, author(m)),
  el('div', {className: cont ? 'msg-head visually-hidden' : 'msg-head'},
    el('span', {className: 'author', dir: 'auto'}, author(m)), senderTag(m), ' ',
    el('time', {dateTime: iso, title: fullTime(m.created)}, stamp(m.created)))];
}

// content is what message m says: its text, cards and files, and
// whether it was edited.
export function content(m) {
  const text = textOf(m);
  return [text && el('div', {className: 'body', dir: 'auto'}, renderText(text, S.me.username)), cardsOf(m), filesOf(m),
    m.edited && el('span', {className: 'edited', title: 'Edited ' + fullTime(m.edited)}, '(edited)')].filter(Boolean);
}

// mayDelete says whether the user may delete reply m: its sender,
// administrators and the room's owners.
export function mayDelete(m) {
  const room = api.oid(m.raw?.room);
  return (m.sender === S.me.id && !m.hookName) || S.me.admin || Boolean(room && S.mine.get(room)?.role === 'owner');
}

// ---------- the threads one follows ----------
//
// For each, its conversation, when its last reply came, its root's text,
// how many replies it has and how many are unread; those with the newest
// replies first. They are drawn from S.threads, which live.js keeps up to
// date.

export const NONE = 'You follow no threads yet. You follow a thread when you start it, reply in it or are mentioned in it.';

const lastOf = (t) => api.when(t.root.replies ? t.root.replies.last : t.root.created);

// listThreads draws the threads followed into ul (each a button whose
// data-key is its root's id, which open(id) opens) and says how many.
export function listThreads(ul, open) {
  const ts = [...S.threads.values()].filter(t => t.following).sort((a, b) => lastOf(b) - lastOf(a));
  ul.replaceChildren(...ts.map(t => el('li', {}, item(t, open))));
  return ts.length;
}

function item(t, open) {
  const m = norm(t.root);
  const c = convOf(t.root);
  const last = lastOf(t);
  const n = t.root.replies?.count || 0;
  const unread = t.unread > 999 ? '999+' : String(t.unread);
  return el('button', {type: 'button', className: 'thread-item' + (t.unread ? ' unread' : ''), dataset: {key: m.id}, onclick: () => open(m.id)},
    el('span', {className: 'thread-item-head'},
      el('span', {className: 'thread-item-where', dir: 'auto'}, c.kind === 'room' ? '#' + convName(c) : convName(c)),
      el('time', {dateTime: last.toISOString(), title: fullTime(last)}, (n ? 'last reply ' : '') + ago(last))),
    el('span', {className: 'thread-item-text', dir: 'auto'}, `${author(m)}: ${gist(m).slice(0, 200)}`),
    el('span', {className: 'thread-item-meta'}, n ? count(n, 'reply', 'replies') : 'No replies yet',
      t.unread ? el('span', {className: 'badge mention-badge'}, unread + ' unread') : null));
}
