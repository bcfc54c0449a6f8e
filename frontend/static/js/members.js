// The members of a room, opened from the room header's member count:
// who is in it, a direct message to any of them, leaving the room; and,
// for the room's owners and administrators, adding people (the people
// picker) and, where the server allows it (can_invite), an invite link to
// the room.

import * as api from './api.js';
import {el} from './render.js';
import {dialog} from './ui.js';
import {S, convName} from './state.js';
import {loadMembers, startDirect} from './rooms.js';
import {peoplePicker} from './people.js';
import {linkView} from './invites.js';
import {botTag} from './cards.js';
import {avatar} from './avatars.js';
import {who} from './profiles.js';
import {presenceText} from './presence.js';

const {oid} = api;

// showMembers opens the list of the open room's members. This module
// loads when it is first asked for (chat.js).
export async function showMembers() {
  if (!S.cur || S.cur.kind !== 'room') return;
  const room = S.cur.id;
  const name = convName();
  await loadMembers(room);
  const ms = S.rooms.get(room)?.memberList || [];
  // A group conversation's members are fixed: no one is added, no one leaves.
  const group = Boolean(S.rooms.get(room)?.group);
  const mine = group ? null : S.mine.get(room);
  const manages = !group && (S.me.admin || mine?.role === 'owner');
  // The owners' tools come first, where the focus lands.
  const tools = manages ? el('div', {className: 'dialog-tools'},
    el('button', {type: 'button', onclick: () => addPeople(h, room, name, ms)}, 'Add people'),
    S.me.canInvite ? el('button', {type: 'button', onclick: () => inviteLink(h, room, name)}, 'Invite people by link') : null) : null;
  const body = el('div', {}, tools,
    el('ul', {className: 'pick', 'aria-label': 'Members'}, ms.map(m => el('li', {},
      // The member list does not say who is a bot: those seen are tagged.
      avatar(oid(m.profile), m.username, 'small'), who(oid(m.profile), m.username),
      el('span', {className: 'visually-hidden'}, presenceText(oid(m.profile))),
      S.bots.get(oid(m.profile)) ? botTag() : null, el('span', {className: 'muted'}, m.role),
      oid(m.profile) !== S.me.id ? el('button', {type: 'button', onclick: () => {
        h.close();
        startDirect(oid(m.profile), m.username);
      }}, 'Message') : null))),
    mine ? el('button', {type: 'button', className: 'danger leave', onclick: async (e) => {
      try {
        await api.del('/api/members/' + mine.id);
        h.close();
      } catch (ex) { e.target.after(el('p', {className: 'error'}, ex.message)); }
    }}, 'Leave this room') : null);
  const h = dialog({title: group ? 'People in this conversation' : `Members of ${name}`, body});
}

// addPeople turns the dialog into a people picker; each person chosen
// joins the room as a member, and the picker stays for the next one.
function addPeople(h, room, name, ms) {
  const inRoom = new Set(ms.map(m => oid(m.profile)));
  const said = el('p', {role: 'status', className: 'note', hidden: true});
  const picker = peoplePicker({label: 'Username', skip: (id) => inRoom.has(id), onPick: async (p) => {
    try {
      await api.post('/api/members', {room, user: p.id, role: 'member'});
      inRoom.add(p.id);
      said.className = 'note';
      said.textContent = `${p.username} is now a member of ${name}.`;
      picker.reset();
    } catch (ex) {
      said.className = 'error';
      said.textContent = ex.message;
    }
    said.hidden = false;
  }});
  h.swap(`Add people to ${name}`, el('div', {},
    el('p', {className: 'muted'}, 'They join as members, and see the room at once.'), picker.node, said));
}

// inviteLink makes a link that joins whoever opens it to this room.
async function inviteLink(h, room, name) {
  try {
    const inv = await api.post('/api/invites', {rooms: [room]});
    h.swap(`Invite people to ${name}`, linkView(inv, [name]));
  } catch (ex) {
    h.error(ex.message);
  }
}
