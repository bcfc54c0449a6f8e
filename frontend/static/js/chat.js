// The chat web app's entry: it loads the modules, each of which sets up
// its own part of the page, connects the two calls that go against the
// import order, and routes to the login page or the chat.
//
//   state.js     the shared state and the helpers that read it
//   auth.js      routing, login and registration, boot
//   session.js   the login page's face, the end of a session, logout
//   rooms.js     the sidebar, room header, browse/create, switcher
//   members.js   a room's member list: add people, invite by link
//   people.js    the people picker, and "New message"
//   firstrun.js  the page for someone in no room: the first-run checklist
//   accept.js    the page an invite link opens
//   invites.js   invite fields and links (shared with the admin)
//   conv.js      opening a conversation, older history, the read marker
//   messages.js  the message list: drawing, editing, deleting
//   composer.js  posting, retrying, @-completion
//   typing.js    "alice is typing…", both ways
//   live.js      the stream: connection state and events
//   search.js    search results
//   notify.js    desktop notifications
//   account.js   tokens, password and sessions, theme
//
// Everything is rendered with text nodes (see render.js).

import {setOpener} from './state.js';
import {route} from './auth.js';
import {openConv} from './conv.js';
import {onRetry} from './messages.js';
import {retry} from './composer.js';
import './search.js';
import './account.js';
import './members.js';

setOpener(openConv);
onRetry(retry);
route();
