// makechat's service worker (docs/api.md, "Web Push"): it shows the
// notifications the server pushes to this browser, a conversation's
// replacing each other (their tag), and, when one is clicked, brings
// forward a tab of the chat, which opens the conversation (push.js hears
// the "open" message), or opens the chat in a new one.
//
// It is served from the site's root (/sw.js), so that its scope is the
// whole site; it keeps no cache and fetches nothing.

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('push', (e) => {
  let p = {};
  try {
    p = e.data ? e.data.json() : {};
  } catch {
    p = {body: e.data.text()};
  }
  e.waitUntil(self.registration.showNotification(p.title || 'makechat', {
    body: p.body || '',
    tag: p.tag || p.conversation || 'makechat',
    renotify: true,
    icon: '/favicon.svg',
    data: {conversation: p.conversation || '', message: p.thread || p.message || ''},
  }));
});

self.addEventListener('notificationclick', (e) => {
  e.notification.close();
  const {conversation = '', message = ''} = e.notification.data || {};
  e.waitUntil((async () => {
    const tabs = await self.clients.matchAll({type: 'window', includeUncontrolled: true});
    const tab = tabs.find((c) => new URL(c.url).origin === self.location.origin);
    if (tab) {
      // The message first: the tab opens the conversation even where
      // the browser refuses to bring it forward.
      tab.postMessage({type: 'open', conversation, message});
      await tab.focus();
    } else {
      await self.clients.openWindow(conversation ? '/?open=' + encodeURIComponent(conversation) : '/');
    }
  })());
});
