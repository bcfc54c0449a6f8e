// Desktop notifications: which messages notify (a level kept in this
// browser: every message, direct messages and mentions — the default —
// or nothing; a muted room never), the browser's permission, and when to
// ask for it. It is never asked for on page load: a small bar offers it
// once, after the user's first message here or after a while in a
// conversation, and never again once dismissed or answered (where the
// browser blocks notifications, the bar says how to allow them instead);
// the first-run checklist and the Notifications dialog (account menu)
// ask when the user wants.

import {el, mentions} from './render.js';
import {dialog, field} from './ui.js';
import {S, $, author, gist, convName, openConv} from './state.js';
import {isMuted} from './rooms.js';

const LEVEL = 'makechat.notify';          // 'all' | 'mentions' | 'none'
const OFFERED = 'makechat.notify-offer';  // set once the offer was dismissed or answered
const OFFER_AFTER_MS = 90 * 1000;
const LEVELS = [['all', 'Every new message'], ['mentions', 'Direct messages and mentions'], ['none', 'Nothing']];

// BLOCKED says how to undo a refusal, which only the browser can.
export const BLOCKED = 'Your browser blocks notifications from this site. To allow them, click the icon at the left of the address bar, ' +
  'set Notifications to Allow in the site settings, and reload the page.';

const supported = () => 'Notification' in window;

// level is what notifies in this browser.
export function level() {
  const v = localStorage.getItem(LEVEL);
  return LEVELS.some(([k]) => k === v) ? v : 'mentions';
}

// wanted says whether message m (as state.js's norm keeps it) in
// conversation c should notify, whatever the browser allows.
export function wanted(c, m) {
  const lv = level();
  if (lv === 'none' || (c.kind === 'room' && isMuted(c.id))) return false;
  return lv === 'all' || c.kind === 'dm' || mentions(m.text, S.me.username);
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
// dialog, the first-run checklist); the page hears of the answer as a
// "notify-permission" event on document. Once asked, the offer is never
// made again.
export async function askNotifications() {
  localStorage.setItem(OFFERED, 'asked');
  const answer = await Notification.requestPermission();
  document.dispatchEvent(new Event('notify-permission'));
  return answer;
}

// ---------- the offer ----------

let bar = null;
let timer = 0;

// The offer's state is kept on <body data-offer> for the tests: waiting
// (it will be made), shown, or done (answered, or nothing to offer).
const say = (s) => { document.body.dataset.offer = s; };
const offerable = () => supported() && Notification.permission !== 'granted' && !localStorage.getItem(OFFERED) && level() !== 'none';

// armOffer starts the wait after which the offer is made (boot calls it,
// after a login as well: an offer left from the last session goes).
export function armOffer() {
  closeOffer();
  wait(OFFER_AFTER_MS);
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
  const what = level() === 'all' ? 'new messages' : 'direct messages and mentions of you';
  const blocked = Notification.permission === 'denied';
  bar = el('section', {id: 'offer', className: 'offer', 'aria-label': 'Notifications'},
    el('p', {}, blocked ? BLOCKED : `Get a desktop notification of ${what} while this page is in the background?`),
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

// ---------- the dialog (account menu) ----------

export function notifySettings() {
  const name = 'notify-level';
  const levels = el('fieldset', {className: 'levels'}, el('legend', {}, 'Notify me of'),
    LEVELS.map(([value, label]) => field(label, {type: 'radio', name, value, checked: level() === value,
      onchange: () => { localStorage.setItem(LEVEL, value); if (value === 'none') closeOffer(); }})));
  const perm = el('div', {className: 'permission'});
  const fill = () => {
    if (!supported()) {
      perm.replaceChildren(el('p', {className: 'muted'}, 'This browser cannot show notifications.'));
    } else if (Notification.permission === 'granted') {
      perm.replaceChildren(el('p', {className: 'muted', tabIndex: -1}, 'This browser shows notifications from makechat.'));
    } else if (Notification.permission === 'denied') {
      perm.replaceChildren(el('p', {className: 'note', tabIndex: -1}, BLOCKED));
    } else {
      perm.replaceChildren(el('p', {}, 'This browser has not been allowed to show notifications yet.'),
        el('button', {type: 'button', onclick: async () => {
          await askNotifications();
          closeOffer();
          fill();
          perm.querySelector('p').focus();
        }}, 'Allow notifications'));
    }
  };
  fill();
  dialog({title: 'Notifications', body: el('div', {}, levels, perm,
    el('p', {className: 'muted'}, 'They come only while this page is in the background. A muted room never notifies: mute one with the bell in its header.'))});
}
