// Notifications: the user's level in each conversation, as the server
// keeps it (set with the bell in a conversation's header, bell.js): every
// new message, mentions only, or nothing, and a mute that ends by itself;
// by default a direct or group conversation notifies of every message, a
// room of mentions. The server pushes them (Web Push); while the page is
// open in the background, it shows them itself as desktop notifications,
// by the same levels. The browser's permission is never asked for on page
// load: a small bar offers it once, after the user's first message here
// or after a while in a conversation, and never again once dismissed or
// answered (where the browser blocks notifications, the bar says how to
// allow them instead); the first-run checklist and the Notifications
// dialog (account menu, notifysettings.js) ask when the user wants.

import {el, mentions} from './render.js';
import {clock} from './ui.js';
import {when} from './api.js';
import {S, $, author, gist, convName, openConv} from './state.js';

const OFFERED = 'makechat.notify-offer';  // set once the offer was dismissed or answered
const OFFER_AFTER_MS = 90 * 1000;

// LEVELS are the levels, as the bell's menu names them.
export const LEVELS = {all: 'Every new message', mentions: 'Mentions only', none: 'Nothing'};

// BLOCKED says how to undo a refusal, which only the browser can.
export const BLOCKED = 'Your browser blocks notifications from this site. To allow them, click the icon at the left of the address bar, ' +
  'set Notifications to Allow in the site settings, and reload the page.';

const supported = () => 'Notification' in window;

// settingsOf reads the user's settings in a conversation as the API
// gives them (a room, member, group or direct conversation).
export const settingsOf = (x) => ({notify: x.notify || '', muted_until: x.muted_until ? when(x.muted_until).getTime() : 0});

// quiet says whether a conversation (as S keeps it) is muted: for good
// (a room's muted flag: /mute), or until a time still to come.
export const quiet = (c) => c.muted === true || c.muted_until > Date.now();

// levelOf is the user's level in a conversation; direct: a direct or
// group conversation.
export const levelOf = (c, direct) => c.notify || (direct ? 'all' : 'mentions');

// bellLabel says what a conversation notifies of, for its bell.
export function bellLabel(c, direct) {
  if (c.muted) return 'Notifications: muted';
  if (quiet(c)) return 'Notifications: muted until ' + untilText(c.muted_until);
  return 'Notifications: ' + LEVELS[levelOf(c, direct)].toLowerCase();
}

// untilText is a time to come: its time of day today, else its day too.
export function untilText(ms) {
  const d = new Date(ms);
  return d.toDateString() === new Date().toDateString() ? clock(d) : d.toLocaleString([], {weekday: 'long', hour: 'numeric', minute: '2-digit'});
}

// wanted says whether message m (as state.js's norm keeps it) in
// conversation c should notify, whatever the browser allows.
export function wanted(c, m) {
  const conv = c.kind === 'room' ? S.rooms.get(c.id) : S.directs.get(c.id);
  if (!conv || quiet(conv)) return false;
  const lv = levelOf(conv, c.kind === 'dm' || Boolean(conv.group));
  return lv === 'all' || (lv === 'mentions' && [S.me.username, 'room', 'here'].some(n => mentions(m.text, n)));
}

// notify shows a notification of m, if it should notify and the browser
// allows it. live.js calls it for others' messages that arrive while the
// page is not looked at.
export function notify(c, m) {
  if (!supported() || Notification.permission !== 'granted' || !wanted(c, m)) return;
  const n = new Notification(c.kind === 'room' ? `${author(m)} in ${convName(c)}` : author(m),
    {body: gist(m).slice(0, 200), tag: c.kind + c.id});
  n.onclick = () => { window.focus(); openConv(c.kind, c.id); n.close(); };
}

// askNotifications asks the browser for the permission (the offer, the
// dialog, the first-run checklist) and, once granted, subscribes this
// browser to the server's pushes; the page hears of the answer, and of
// the subscription's, as a "notify-permission" event on document. Once
// asked, the offer is never made again.
export async function askNotifications() {
  localStorage.setItem(OFFERED, 'asked');
  const answer = await Notification.requestPermission();
  document.dispatchEvent(new Event('notify-permission'));
  if (answer === 'granted') subscribePush();
  return answer;
}

// pushNote is what to tell the user when this browser could not be
// subscribed to pushes ('' when it was, or was not tried).
export let pushNote = '';

// subscribePush subscribes this browser to the server's pushes (push.js,
// loaded then), which may take a while: a push service is asked.
export async function subscribePush() {
  try {
    pushNote = await (await import('./push.js')).subscribe();
  } catch (ex) {
    pushNote = ex.message;
  }
  document.dispatchEvent(new Event('notify-permission'));
}

// ---------- the offer ----------

let bar = null;
let timer = 0;

// The offer's state is kept on <body data-offer> for the tests: waiting
// (it will be made), shown, or done (answered, or nothing to offer).
const say = (s) => { document.body.dataset.offer = s; };
const offerable = () => supported() && Notification.permission !== 'granted' && !localStorage.getItem(OFFERED);

// armOffer starts the wait after which the offer is made (boot calls it,
// after a login as well: an offer left from the last session goes).
export function armOffer() {
  closeOffer();
  wait(OFFER_AFTER_MS);
  // Allowed before: the subscription is renewed (for this user), once
  // the page has loaded.
  if (supported() && Notification.permission === 'granted') setTimeout(subscribePush, 3000);
}
function wait(ms) {
  clearTimeout(timer);
  if (!offerable()) return say('done');
  timer = setTimeout(offer, ms);
  say('waiting');
}
// The user's first message is the moment: they are using the chat, and
// will want to hear the answers. (Capture: before composer.js empties the
// box.)
$('composer').addEventListener('submit', () => {
  if ($('composer-input').value.trim() && !bar) wait(1000);
}, true);

function offer() {
  if (!S.me || bar) return;
  if (!offerable()) return say('done');
  if (!S.cur || document.visibilityState !== 'visible') return wait(OFFER_AFTER_MS);
  const blocked = Notification.permission === 'denied';
  bar = el('section', {id: 'offer', className: 'offer', 'aria-label': 'Notifications'},
    el('p', {}, blocked ? BLOCKED : 'Get a desktop notification of direct messages and mentions of you while this page is in the background?'),
    el('div', {className: 'offer-actions'},
      blocked ? null : el('button', {type: 'button', className: 'primary', onclick: turnOn}, 'Turn on'),
      el('button', {type: 'button', onclick: notNow}, blocked ? 'OK' : 'Not now')));
  $('room').querySelector('.room-header').after(bar);
  say('shown');
}

function notNow() {
  localStorage.setItem(OFFERED, 'dismissed');
  closeOffer();
}

async function turnOn() {
  const answer = await askNotifications();
  if (answer !== 'denied' || !bar) { closeOffer(); return; }
  bar.replaceChildren(el('p', {role: 'alert'}, BLOCKED),
    el('div', {className: 'offer-actions'}, el('button', {type: 'button', onclick: () => closeOffer()}, 'OK')));
  bar.querySelector('button').focus();
}

// closeOffer removes the offer, if shown; the focus, if it was in it,
// goes back to the conversation.
export function closeOffer() {
  clearTimeout(timer);
  if (!offerable()) say('done');
  if (!bar) return;
  const had = bar.contains(document.activeElement);
  bar.remove();
  bar = null;
  if (had) ($('composer').hidden ? $('room-title') : $('composer-input')).focus();
}
