// Web Push (docs/api.md, "Web Push"): once notifications are allowed,
// this browser registers the service worker (/sw.js), subscribes to
// pushes with the server's public key (GET /api/push) and hands the
// subscription to the server (POST /api/push/subscriptions), which then
// notifies it even when no makechat page is open. A browser that cannot
// (no push service, as in a headless browser or where the vendor's push
// service is blocked) says so and notifies only while a page is open.
//
// A tab that the worker brings forward after a click on a notification
// is sent an "open" message: it opens that conversation, at the message.
//
// Loaded when the permission is granted (notify.js).

import * as api from './api.js';
import {openConv} from './state.js';

const WAIT_MS = 10000;    // a push service that does not answer

// key is the server's public key as bytes (it comes in base64url).
function key(b64) {
  const s = b64.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(s + '='.repeat((4 - s.length % 4) % 4)), (c) => c.charCodeAt(0));
}

const same = (a, b) => a && b && a.byteLength === b.byteLength && new Uint8Array(a).every((x, i) => x === b[i]);

// within gives up on a promise after WAIT_MS.
const within = (p) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(new Error('the push service did not answer')), WAIT_MS))]);

// subscribe subscribes this browser; it answers '' when it did, else what
// to tell the user.
export async function subscribe() {
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) {
    return 'This browser cannot be notified while no makechat page is open: it notifies you while one is.';
  }
  try {
    const reg = await navigator.serviceWorker.register('/sw.js');
    await navigator.serviceWorker.ready;
    const serverKey = key((await api.get('/api/push')).public_key);
    let sub = await reg.pushManager.getSubscription();
    // A subscription made with another key (a server restored from
    // elsewhere) would never get through.
    if (sub && !same(sub.options.applicationServerKey, serverKey)) {
      await sub.unsubscribe();
      sub = null;
    }
    sub ||= await within(reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: serverKey}));
    await api.post('/api/push/subscriptions', sub.toJSON());
    return '';
  } catch (ex) {
    return 'You will be notified only while a makechat page is open: this browser could not subscribe to notifications ' +
      `(${ex.message || ex.name}).`;
  }
}

navigator.serviceWorker?.addEventListener('message', (e) => {
  const {type, conversation = '', message = ''} = e.data || {};
  if (type !== 'open' || !/^[rd][0-9a-f]{24}$/.test(conversation)) return;
  openConv(conversation[0] === 'r' ? 'room' : 'dm', conversation.slice(1), true, /^[0-9a-f]{24}$/.test(message) ? message : '');
});
