// The chat's shared state, and the small helpers that read it: which
// conversation a message belongs to, a conversation's name, a message as
// the view keeps it. Every other module of the chat imports this one;
// this one imports none of them.

import {oid, when} from './api.js';

export const $ = (id) => document.getElementById(id);
export const PAGE = 50;   // messages per history page

// S is what more than one module reads. What only one module needs
// (the message being edited, who is typing, the read timer) is kept in
// that module.
export const S = {
  me: null,               // {id, username, admin}
  rooms: new Map(),       // id -> room (+ joined, unread, mentions)
  directs: new Map(),     // user id -> {username, unread, mentions}
  names: new Map(),       // user id -> username
  profiles: new Map(),    // user id -> {name, status: {text, expires}|null} (profiles.js)
  bots: new Map(),        // user id -> is a bot (true/false; null while asked: cards.js)
  mine: new Map(),        // room id -> my member {id, role, last_read}
  cur: null,              // {kind: 'room'|'dm', id}
  openSeq: 0,             // counts openings of a conversation (see opened)
  msgs: [],               // the current conversation, oldest first
  noMore: false,          // the oldest message has been loaded
  gap: false,             // newer messages than those loaded exist (opened at an unread or found one)
  newerThan: '',          // the read marker when the room was opened
  threads: new Map(),     // root id -> the user's view of its thread (threadsum.js)
  threadsLive: 0,         // changes to threads by the stream (rooms.js's loadThreads)
  thread: '',             // root id of the thread the panel shows (threads.js)
  stream: null,
};

export const byName = (a, b) => a.name.localeCompare(b.name);

export const convOf = (m) => m.room ? {kind: 'room', id: oid(m.room)}
  : {kind: 'dm', id: oid(m.sender) === S.me.id ? oid(m.recipient) : oid(m.sender)};
export const isCur = (c) => S.cur && S.cur.kind === c.kind && S.cur.id === c.id;
// opened tells whether the opening numbered seq is still the one shown.
// An answer to a load is merged into S.msgs only then: if the user went
// elsewhere and came back to the same conversation meanwhile, the view was
// rebuilt from a fresh page, and an older answer would leave a gap in it.
export const opened = (seq) => S.cur !== null && seq === S.openSeq;
export const convQuery = () => S.cur.kind === 'room' ? 'room=' + S.cur.id : 'with=' + S.cur.id;

export function convName(c = S.cur) {
  if (!c) return '';
  return c.kind === 'room' ? (S.rooms.get(c.id)?.name || 'Room') : '@' + (S.names.get(c.id) || 'someone');
}

export function norm(m) {
  const sender = oid(m.sender);
  // A sender seen nowhere else yet is named as its messages name it
  // (a guess); what the lists and user.updated say of a user is surer.
  const p = S.profiles.get(sender);
  if (!m.hook && (p ? p.guess : m.display_name)) S.profiles.set(sender, {name: m.display_name || '', status: null, guess: true});
  return {id: oid(m._id), text: m.text, sender, created: when(m.created),
    edited: m.edited ? when(m.edited) : null, hookName: m.hook ? m.username : '', raw: m};
}

// gist is what a message says, in a line: its text, or for a message of
// files only, their names.
export const gist = (m) => m.text || (m.raw?.files || []).map(f => f.name).join(', ');

// shownName is how a user is named: its display name, else its username.
export const shownName = (id, username) => S.profiles.get(id)?.name || username;

export function author(m) {
  if (m.hookName) return m.hookName;
  return shownName(m.sender, S.names.get(m.sender) || m.raw.username || 'former member');
}

// ready marks the app as usable (tests and the load measurement wait for it).
export function ready() {
  if (document.body.dataset.ready) return;
  document.documentElement.dataset.interactive ||= String(Math.round(performance.now()));
  document.body.dataset.ready = String(Math.round(performance.now()));
}

// firstRun loads the page for someone in no room (firstrun.js), which
// few visits show: {showEmpty, refreshEmpty}.
export const firstRun = () => import('./firstrun.js');

// Opening a conversation involves most of the app, and conv.js, which
// does it, imports the sidebar, search and the rest. They open one
// through openConv here instead of importing conv.js back; chat.js
// hands the real one to setOpener.
let opener = () => {};
export function setOpener(fn) { opener = fn; }
export const openConv = (kind, id, chosen, at) => opener(kind, id, chosen, at);
