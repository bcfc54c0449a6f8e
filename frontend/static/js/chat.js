// The chat web app's entry: it loads the modules, each of which sets up
// its own part of the page, connects the two calls that go against the
// import order, and routes to the login page or the chat.
//
//   state.js     the shared state and the helpers that read it
//   auth.js      routing, login and registration, boot
//   session.js   the login page's face, the end of a session, logout
//   rooms.js     the sidebar (rooms, direct and group conversations), room header, browse/create, switcher
//   members.js   a room's member list: add people, invite by link (loaded on first use)
//   people.js    the people picker (loaded on first use)
//   newmessage.js  "New message": a direct or group conversation (loaded on first use)
//   panels.js    the stylesheet of the panels loaded on first use
//   firstrun.js  the page for someone in no room: the first-run checklist (loaded on first use)
//   accept.js    the page an invite link opens (loaded on first use)
//   invites.js   invite fields and links (shared with the admin; loaded on first use)
//   conv.js      opening a conversation, older history, the read marker
//   messages.js  the message list: drawing, keyboard, editing, deleting
//   cards.js     a message's cards (hooks' attachments), the BOT tag
//   previews.js  a message's link preview (loaded on first use)
//   reactions.js a message's reactions and the reaction picker (loaded on first use)
//   threadsum.js a root's summary of replies, thread events, the Threads badge (loaded on first use)
//   threads.js   the thread panel and the list of threads (loaded on first use; threadparts.js draws)
//   avatars.js   people's pictures, or their initials on a colour; presence dots
//   presence.js  who is online, away or offline; "last seen" in a direct conversation
//   profiles.js  people's display names and statuses, drawn and kept live
//   msgmenu.js   a message's menu: long-press, Shift+F10; copy, react, edit, delete
//   composer.js  the message box: its keys, @- and /-completion; attaching
//   attach.js    the tray of files to send: uploads, progress (loaded on first use)
//   files.js     files in messages: thumbnails, cards, the viewer (loaded on first use)
//   slash.js     slash commands: their list, running one, its note
//   outbox.js    sending: queued, in order, never lost or doubled
//   keys.js      keyboard shortcuts, roving focus in the sidebar
//   typing.js    "alice is typing…", both ways; what the page shows (viewing), activity
//   live.js      the stream: connection state and events
//   search.js    the search field, its filters' hint
//   searchresults.js  search results and mentions, a page at a time (loaded on first use)
//   notify.js    notification levels (the server's), desktop notifications, the offer, permission
//   notifysettings.js  the Notifications dialog (loaded on first use)
//   push.js      Web Push: the service worker (../sw.js), the subscription (loaded when allowed)
//   bell.js      the header's bell: notification level and mute per conversation (loaded on first use)
//   account.js   the account menu: account, tokens, notifications, theme
//   myavatar.js  uploading and removing one's avatar (loaded on first use)
//   myprofile.js one's display name, status and presence shown (loaded on first use)
//   menu.js      menu buttons (the account menu's keyboard and pointer)
//   roomsettings.js  the header's bell (its first use) and settings buttons
//
// Everything is rendered with text nodes (see render.js).

import {setOpener, isCur, $} from './state.js';
import {route} from './auth.js';
import {openConv} from './conv.js';
import {onRetry} from './messages.js';
import {retry, showPending} from './outbox.js';
import './composer.js';
import {dismiss} from './slash.js';
import './keys.js';
import './search.js';
import './msgmenu.js';
import './account.js';
import './roomsettings.js';

// An opening starts from history; the messages still on their way are
// added after it. A command's note is about the conversation it ran in.
setOpener(async (kind, id, chosen, at) => {
  if (!isCur({kind, id})) dismiss();
  await openConv(kind, id, chosen, at);
  showPending();
});
onRetry(retry);
// The member list (members.js) and "New message" (newmessage.js), with
// the people picker and invite links they use, load when first asked for.
$('members-button').addEventListener('click', async () => (await import('./members.js')).showMembers());
$('new-dm').addEventListener('click', async () => (await import('./newmessage.js')).newMessage());
route();
