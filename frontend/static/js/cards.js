// Rich posts: the cards a hook or a command's answer posts with a message
// (Slack's attachments: a coloured bar, pretext, author, linked title,
// text, fields in a grid, images as links, footer and time), and the BOT
// tag beside bots' names; and the files a message carries, the preview
// of its link and its reactions, which files.js, previews.js and
// reactions.js draw (reactions.js also has the reaction picker), and its
// thread (threadsum.js, threads.js).
// Everything is built from text nodes; links are http, https or mailto
// only, and images of other sites are never loaded (the page's CSP
// forbids them, and a picture would tell its sender who read it).

import * as api from './api.js';
import {renderText, el} from './render.js';
import {S, $} from './state.js';
import {learnAvatar} from './avatars.js';
import {learnProfile} from './profiles.js';

const COLOR = /^#[0-9a-f]{6}$/i;

// safe returns href if it is an http, https or mailto URL, else ''.
function safe(href) {
  try {
    return ['http:', 'https:', 'mailto:'].includes(new URL(href).protocol) ? href : '';
  } catch {
    return '';
  }
}

// link is the children as a link to href, or as plain text if href is
// missing or not safe.
function link(href, ...kids) {
  const h = href && safe(href);
  return h ? el('a', {href: h, target: '_blank', rel: 'noopener noreferrer'}, ...kids) : el('span', {}, ...kids);
}

const rich = (cls, text) => el('div', {className: 'body ' + cls, dir: 'auto'}, renderText(text, S.me?.username));

function imageLink(label, url) {
  const h = safe(url || '');
  return h && link(h, `${label}: ${new URL(h).host || h}`);
}

function card(a) {
  const when = a.ts > 0 ? new Date(a.ts * 1000) : null;
  const fields = (a.fields || []).filter(f => f.title || f.value);
  const images = [imageLink('Image', a.image_url), imageLink('Thumbnail', a.thumb_url)].filter(Boolean);
  const node = el('div', {className: 'att'},
    a.author_name ? el('p', {className: 'att-author', dir: 'auto'}, link(a.author_link, a.author_name)) : null,
    a.title ? el('p', {className: 'att-title', dir: 'auto'}, link(a.title_link, a.title))
      : safe(a.title_link || '') ? el('p', {className: 'att-title'}, link(a.title_link, a.title_link)) : null,
    a.text ? rich('att-text', a.text) : null,
    fields.length ? el('div', {className: 'att-fields'}, fields.map(f => el('div', {className: 'att-field' + (f.short ? ' short' : '')},
      f.title ? el('div', {className: 'att-field-title', dir: 'auto'}, f.title) : null,
      f.value ? rich('att-field-value', f.value) : null))) : null,
    images.length ? el('p', {className: 'att-links'}, images) : null,
    a.footer || when ? el('p', {className: 'att-footer'},
      a.footer ? el('span', {dir: 'auto'}, renderText(a.footer, S.me?.username)) : null,
      a.footer && when ? ' · ' : null,
      when ? el('time', {dateTime: when.toISOString()}, when.toLocaleString([], {dateStyle: 'medium', timeStyle: 'short'})) : null) : null);
  // The colour goes through the CSSOM, which the CSP allows (a style
  // attribute in markup it would not).
  if (COLOR.test(a.color || '')) node.style.setProperty('--att', a.color);
  return [a.pretext ? rich('att-pretext', a.pretext) : null, node];
}

// cardsOf draws a message's cards, or returns null if it has none.
export function cardsOf(m) {
  const as = m.raw?.attachments;
  return Array.isArray(as) && as.length ? el('div', {className: 'cards'}, as.flatMap(card)) : null;
}

// ---------- files, link previews and reactions ----------
//
// files.js draws the files a message carries, previews.js its link's
// preview, reactions.js its reactions. Each is loaded the first time a
// message needs it: until then the message shows its files' names as
// links (which still download them) and an empty place for its preview
// or reactions, replaced inside settle (messages.js keeps the view
// still).

// lazy is a module loaded on first use (again after a failure).
function lazy(load) {
  let mod = null;
  let loading = null;
  return {get: () => mod, load: () => loading ||= load().then(m => { mod = m; }, (e) => { loading = null; throw e; })};
}
const files = lazy(() => import('./files.js'));
const previews = lazy(() => import('./previews.js'));
const reactions = lazy(() => import('./reactions.js'));

// late puts in spot what draw() makes once mod is loaded. A message's
// links and buttons are in the tab order only while the focus is in it
// (messages.js): the new ones too.
function late(spot, mod, draw, settle) {
  mod.load().then(() => {
    if (!spot.isConnected) return;
    const drawn = draw(mod.get());
    const li = spot.closest('#messages > .msg');
    if (li && !li.classList.contains('failed') && !li.contains(document.activeElement)) {
      for (const a of drawn.querySelectorAll('a, button')) a.tabIndex = -1;
    }
    settle(() => spot.replaceWith(drawn));
  }, () => { /* offline: what stands in stays */ });
  return spot;
}

// filesOf draws the files of message m, or returns null if it has none.
export function filesOf(m, settle = (change) => change()) {
  const list = m.raw?.files;
  if (!Array.isArray(list) || !list.length) return null;
  if (files.get()) return files.get().filesOf(list);
  return late(el('div', {className: 'files'}, list.map(f => el('a', {href: f.download_url, download: f.name, dir: 'auto'}, f.name))),
    files, (mod) => mod.filesOf(list), settle);
}

// previewOf draws the link preview of message m, or returns null if it
// has none; remove, if given, takes it off (its sender's button).
export function previewOf(m, remove, settle = (change) => change()) {
  const p = m.raw?.preview;
  if (!p || typeof p !== 'object') return null;
  if (previews.get()) return previews.get().previewOf(p, remove);
  return late(el('div', {className: 'preview-spot'}), previews, (mod) => mod.previewOf(p, remove), settle);
}

// reactionsOf draws the reactions of message m, or returns null if it
// has none.
export function reactionsOf(m, settle = (change) => change()) {
  const list = m.raw?.reactions;
  if (!Array.isArray(list) || !list.length) return null;
  if (reactions.get()) return reactions.get().reactionsOf(m);
  return late(el('div', {className: 'reactions-spot'}), reactions, (mod) => mod.reactionsOf(m), settle);
}

// react opens the reaction picker for message id; from (a button, or
// the message) has the focus again when it closes.
export function react(id, from) {
  reactions.load().then(() => reactions.get().openPicker(id, from), () => { /* offline: nothing opens */ });
}

// ---------- threads: threadsum.js, and the panel, threads.js ----------

const summaries = lazy(() => import('./threadsum.js'));
const threads = lazy(() => import('./threads.js'));

// threadOf draws the summary of m's replies, or the link of a reply to
// its thread; or returns null.
export function threadOf(m, settle = (change) => change()) {
  if (!m.raw?.thread && !m.raw?.replies?.count) return null;
  if (summaries.get()) return summaries.get().threadOf(m);
  return late(el('div', {className: 'thread-spot'}), summaries, (mod) => mod.threadOf(m), settle);
}

// openThread opens the panel on root's thread, openThreads on the list
// of threads; from has the focus again when it closes.
export function openThread(root, from) {
  threads.load().then(() => threads.get().openThread(root, from), () => { /* offline: nothing opens */ });
}
export function openThreads(from) {
  threads.load().then(() => threads.get().openThreads(from), () => { /* offline: nothing opens */ });
}

// textOf is what to show of a message's text above its cards: the
// server's "lead", the payload's own text without the cards' plain
// rendering that follows it in "text" (which the cards show).
export function textOf(m) {
  const cards = m.raw?.attachments;
  if (!Array.isArray(cards) || !cards.length) return m.text;
  return typeof m.raw.lead === 'string' ? m.raw.lead : m.text;
}

// ---------- the BOT tag ----------

// S.bots maps user ids to true (a bot), false, or null while asked. The
// member and direct lists fill it (rooms.js); a sender known from
// neither yet (a former member, a list still loading) is looked up once
// in the people directory, by username.
function isBot(id, name) {
  if (id === S.me?.id) return false;
  if (!S.bots.has(id) && name) {
    S.bots.set(id, null);
    api.get('/api/people?limit=1&q=' + encodeURIComponent(name)).then(ps => {
      const found = api.oid(ps[0]?._id) === id;
      const bot = found && ps[0].is_bot === true;
      S.bots.set(id, bot);
      if (found) {
        learnAvatar(id, ps[0].avatar);
        learnProfile(id, ps[0]);
      }
      if (bot) retag(id);
    }, () => S.bots.delete(id));
  }
  return S.bots.get(id) === true;
}

// learnPeople notes who is a bot in a list of people (/api/people's),
// and their avatars and profiles.
export function learnPeople(people) {
  for (const p of people) {
    S.bots.set(api.oid(p._id), p.is_bot === true);
    learnAvatar(api.oid(p._id), p.avatar);
    learnProfile(api.oid(p._id), p);
  }
}

export const botTag = () => el('span', {className: 'tag bot', title: 'A bot: an account that posts through the API, not a person'}, 'Bot');

// senderTag is the tag beside a message's sender: BOT for a bot (a hook
// posts as its bot); "via hook" for the post of a hook made before hooks
// had bots, which posts as its maker and so must not pass for them.
export function senderTag(m) {
  if (isBot(m.sender, S.names.get(m.sender) || m.hookName)) return botTag();
  return m.hookName ? el('span', {className: 'tag bot', title: 'Posted by an incoming webhook, not by a person'}, 'via hook') : null;
}

// retag gives the messages shown of a sender just found to be a bot
// their BOT tag, in place.
function retag(id) {
  const msgs = new Map(S.msgs.map(m => [m.id, m]));
  for (const li of $('messages').querySelectorAll(':scope > .msg')) {
    const m = msgs.get(li.dataset.id);
    if (m?.sender !== id) continue;
    li.querySelector('.msg-head .tag.bot')?.remove();
    const name = li.querySelector('.msg-head .who') || li.querySelector('.msg-head .author');
    name?.after(botTag());
  }
}
