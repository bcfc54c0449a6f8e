// Desktop notifications of messages that arrive while the page is not
// looked at, and the sidebar button that asks for the permission.

import {$, author, convName, openConv} from './state.js';

export function updateNotifyButton() {
  const b = $('notify');
  if (!('Notification' in window)) { b.hidden = true; return; }
  b.textContent = {granted: 'Notifications on', denied: 'Notifications blocked'}[Notification.permission] || 'Enable notifications';
  b.disabled = Notification.permission !== 'default';
}
// askNotifications asks the browser for the permission (the sidebar's
// button, and the first-run checklist's step); the page hears of the
// answer as a "notify-permission" event on document.
export async function askNotifications() {
  await Notification.requestPermission();
  updateNotifyButton();
  document.dispatchEvent(new Event('notify-permission'));
}
$('notify').addEventListener('click', askNotifications);

export function notify(c, m) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(c.kind === 'room' ? `${author(m)} in ${convName(c)}` : author(m),
    {body: m.text.slice(0, 200), tag: c.kind + c.id});
  n.onclick = () => { window.focus(); openConv(c.kind, c.id); n.close(); };
}
