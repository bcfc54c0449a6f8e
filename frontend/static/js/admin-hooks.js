// The admin's Webhooks tab: a room's hooks. A hook takes posts at its
// URL (as its bot: one made for it, or one chosen) and, when it has an outgoing URL, sends the
// room's messages there, signed; its recent deliveries open in a dialog.
// The URL and the signing secret are shown once, when the hook is made.

import * as api from './api.js';
import {el} from './render.js';
import {dialog, field, count} from './ui.js';
import {fmtDate, tag, confirmThen, table, createForm, val, act, roomPicker, shownOnce, wideDialog} from './admin-kit.js';

const {oid} = api;

// words reads trigger words typed with commas or spaces between them.
const words = (s) => s.split(/[\s,]+/).filter(Boolean);

export async function hooks(nav) {
  const [pick, room] = await roomPicker(nav.state, () => nav.show('hooks'));
  if (!room) return [pick];
  const reload = () => nav.show('hooks');
  const [list, bots] = await Promise.all([api.get(`/api/rooms/${room}/hooks`), api.get('/api/bots')]);
  const botName = new Map(bots.map(b => [oid(b._id), b.username]));
  // Hooks made before hooks had bots post as their maker, under their name.
  const postsAs = (h) => h.bot ? botName.get(oid(h.bot)) || 'a deleted bot' : 'its maker, as ' + h.name;
  const form = createForm('Create a webhook', [
    field('Name', {name: 'name', maxLength: 120, autocomplete: 'off', placeholder: 'Grafana'}),
    el('div', {className: 'field'}, el('label', {htmlFor: 'hook-bot'}, 'Post as bot'),
      el('select', {id: 'hook-bot', name: 'bot'}, el('option', {value: ''}, 'A new bot named after the hook'),
        bots.map(b => el('option', {value: oid(b._id)}, b.username)))),
    el('fieldset', {className: 'outgoing', 'aria-describedby': 'outgoing-hint'}, el('legend', {}, 'Outgoing (optional)'),
      el('p', {id: 'outgoing-hint', className: 'muted'}, 'Sends the room\'s new messages to a URL, signed. With trigger words (commas or spaces between them), only messages that start with one.'),
      el('div', {className: 'row'},
        field('Outgoing URL', {name: 'outgoing_url', type: 'url', autocomplete: 'off', placeholder: 'https://bot.example.com/makechat'}),
        field('Trigger words', {name: 'triggers', autocomplete: 'off', spellcheck: false, placeholder: '!deploy, !status'}))),
  ], 'Create webhook', async (f) => {
    const body = {name: val(f, 'name').value};
    if (val(f, 'bot').value) body.bot = val(f, 'bot').value;
    const url = val(f, 'outgoing_url').value.trim();
    const triggers = words(val(f, 'triggers').value);
    if (url) body.outgoing_url = url;
    if (triggers.length) body.triggers = triggers;
    const h = await api.post(`/api/rooms/${room}/hooks`, body);
    await reload();
    // The secrets are shown this once; the focus comes back to the new form.
    document.querySelector('#panel form.create button[type=submit]')?.focus();
    const bot = (await api.get('/api/bots')).find(b => oid(b._id) === oid(h.bot));
    dialog({title: 'Webhook created', body: made(h, bot?.username)});
  });
  return [pick, form, table([
    {title: 'Name', cls: 'name', cell: h => el('span', {dir: 'auto'}, h.name || '—')},
    {title: 'Made by', cell: h => h.creator_username || 'a deleted user'},
    {title: 'State', cell: h => tag(h.active, 'posting', 'mute: its maker may no longer post here')},
    {title: 'Posts as', cell: postsAs},
    {title: 'Outgoing', cls: 'wrap', cell: h => h.outgoing ? el('div', {className: 'outgoing-to'},
      el('span', {className: 'url'}, h.outgoing.url),
      el('span', {className: 'muted'}, h.outgoing.triggers.length ? 'on ' + h.outgoing.triggers.join(', ') : 'every message')) : '—'},
    {title: 'Created', cell: h => fmtDate(h.created)},
    {title: 'Actions', cell: h => el('div', {className: 'row-actions'},
      h.outgoing && act('Deliveries', () => deliveries(room, h)),
      act('Revoke', () => confirmThen('Revoke this webhook?',
        h.outgoing ? 'Its URL stops working at once, and the room\'s messages are no longer sent out.' : 'Its URL stops working at once.', 'Revoke',
        async () => { await api.del(`/api/rooms/${room}/hooks/${oid(h._id)}`); reload(); }), 'danger'))},
  ], list, h => [h.name, h.creator_username, postsAs(h), h.outgoing?.url].join(' '), 'the webhooks')];
}

// made is what a new hook's dialog says: its URL, and for an outgoing
// hook where it sends and the secret that signs what it sends.
function made(h, bot) {
  const out = h.outgoing;
  return el('div', {className: 'hook-made'},
    el('p', {}, `POST {"text": "…"} (or Slack's attachments and blocks) to this URL to post into the room${bot ? ' as ' + bot : ''}.`),
    shownOnce('Incoming URL', location.origin + h.url, 'Copy URL'),
    out && [
      el('p', {}, `The room's messages${out.triggers.length ? ' that start with ' + out.triggers.join(', ') : ''} are sent to ${out.url}, signed with this secret (the X-Makechat-Signature header, as docs/api.md says).`),
      shownOnce('Signing secret', h.signing_secret, 'Copy secret'),
    ]);
}

// deliveries shows an outgoing hook's last deliveries, newest first,
// with a Refresh button: the server keeps them in memory only.
function deliveries(room, h) {
  const said = el('span', {className: 'muted', role: 'status'});
  const holder = el('div', {className: 'deliveries'});
  const stateTag = (s) => s === 'pending' ? el('span', {className: 'tag'}, 'pending') : tag(s === 'delivered', s, s);
  const columns = [
    {title: 'Time', cell: d => fmtDate(d.started)},
    // The message's id, short: its last eight digits tell messages apart.
    {title: 'Message', cell: d => el('code', {title: oid(d.message)}, '…' + oid(d.message).slice(-8))},
    {title: 'Attempts', cell: d => String(d.attempts)},
    {title: 'Status', cell: d => d.status ? String(d.status) : '—'},
    {title: 'State', cell: d => stateTag(d.state)},
    {title: 'Error', cls: 'wrap', cell: d => d.error || '—'},
  ];
  const load = async () => {
    try {
      const list = await api.get(`/api/rooms/${room}/hooks/${oid(h._id)}/deliveries`);
      holder.replaceChildren(table(columns, list));
      said.textContent = `${count(list.length, 'delivery', 'deliveries')} at ${new Date().toLocaleTimeString()}.`;
    } catch (ex) {
      said.textContent = ex.message;
    }
  };
  wideDialog({title: `Deliveries of ${h.name}`, body: el('div', {},
    el('p', {className: 'muted'}, `The last 50 messages sent to ${h.outgoing.url}, newest first. Failed tries are retried after 2\u00a0s, 10\u00a0s, 1\u00a0min and 5\u00a0min; the list is kept in memory, so a restart empties it.`),
    el('div', {className: 'dialog-tools deliveries-tools'}, act('Refresh', load), said),
    holder)});
  load();
}
