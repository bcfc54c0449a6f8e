// The Notifications dialog (account menu): what notifies, which the bell
// of each conversation sets (bell.js), and whether this browser may show
// notifications, with the button that asks it (and then subscribes it to
// the server's pushes, or says why it could not). Loaded on first use.

import {el} from './render.js';
import {dialog} from './ui.js';
import {askNotifications, closeOffer, BLOCKED, pushNote} from './notify.js';

const supported = () => 'Notification' in window;

export function notifySettings() {
  const perm = el('div', {className: 'permission'});
  const fill = () => {
    if (!supported()) {
      perm.replaceChildren(el('p', {className: 'muted'}, 'This browser cannot show notifications.'));
    } else if (Notification.permission === 'granted') {
      perm.replaceChildren(el('p', {className: 'muted', tabIndex: -1}, 'This browser shows notifications from makechat.'),
        el('p', {className: 'muted push-note', role: 'status'}, pushNote));
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
  // The subscription to pushes ends later: its note, if any, is said then.
  const pushed = () => {
    if (!perm.isConnected) document.removeEventListener('notify-permission', pushed);
    else if (perm.querySelector('.push-note')) perm.querySelector('.push-note').textContent = pushNote;
  };
  document.addEventListener('notify-permission', pushed);
  dialog({title: 'Notifications', body: el('div', {},
    el('p', {}, 'Each conversation notifies you as the bell in its header says: of every new message, of mentions only, or of nothing; ' +
      'the bell also mutes it for a while. By default direct and group conversations notify you of every message, rooms of mentions of you.'),
    perm)});
}
