// The admin's Bots tab: bot accounts, which act only through their API
// tokens and post as themselves (hooks may post as them too). A bot's
// tokens open in a dialog, where a new one is shown once; deleting a bot
// asks first.

import * as api from './api.js';
import {el} from './render.js';
import {field} from './ui.js';
import {fmtDate, tag, confirmThen, table, createForm, val, act, shownOnce, wideDialog, blame} from './admin-kit.js';

const {oid} = api;

// ownerNames looks up the few people who own bots, by id; a lookup that
// fails leaves the id to show.
async function ownerNames(bots) {
  const ids = [...new Set(bots.map(b => oid(b.owner)).filter(Boolean))];
  return new Map(await Promise.all(ids.map(async (id) => {
    try {
      return [id, (await api.get('/api/users/' + id)).username];
    } catch (ex) {
      return [id, ex.status === 404 ? 'a deleted user' : id];
    }
  })));
}

export async function bots(nav) {
  const list = await api.get('/api/bots');
  const owners = await ownerNames(list);
  const reload = () => nav.show('bots');
  const owner = (b) => owners.get(oid(b.owner)) || '—';
  const form = createForm('Make a bot', [
    field('Username', {name: 'username', required: true, maxLength: 120, autocomplete: 'off', spellcheck: false}),
  ], 'Make bot', async (f) => {
    await api.post('/api/bots', {username: val(f, 'username').value.trim()});
    await reload();
    document.querySelector('#panel form.create [name=username]')?.focus();
  });
  return [el('p', {className: 'muted'}, 'A bot is an account without a password: programs act as it with its tokens, and webhooks can post as it. Everyone sees its posts with a BOT tag. Its owner and the administrators manage it.'),
    form, table([
      {title: 'Username', cls: 'name', cell: b => el('span', {dir: 'auto'}, b.username)},
      {title: 'Owner', cell: owner},
      {title: 'State', cell: b => tag(!b.is_disabled, 'active', 'disabled')},
      {title: 'Created', cell: b => fmtDate(b.created)},
      {title: 'Actions', cell: b => el('div', {className: 'row-actions'},
        act('Tokens', () => tokens(b)),
        act('Delete', () => confirmThen(`Delete ${b.username}?`,
          'Its tokens stop working at once, and webhooks that post as it answer 404. Its messages stay. This cannot be undone.',
          'Delete bot', async () => { await api.del('/api/bots/' + oid(b._id)); reload(); }), 'danger'))},
    ], list, b => b.username + ' ' + owner(b), 'the bots')];
}

// tokens is a bot's tokens dialog: the list, each with Revoke (which
// asks in its row, the dialog being taken), and a new token, whose value
// is shown once.
function tokens(b) {
  const base = `/api/bots/${oid(b._id)}/tokens`;
  const holder = el('div', {className: 'bot-tokens'});
  const shown = el('div');
  const name = field('Name of a new token', {name: 'name', required: true, maxLength: 120, autocomplete: 'off'});
  const input = name.querySelector('input');
  const revoke = (t) => {
    const cell = el('div', {className: 'row-actions'});
    const ask = () => {
      cell.replaceChildren(el('span', {}, 'Programs using it are refused at once.'),
        act('Revoke ' + t.name, async () => {
          try {
            await api.del(`${base}/${oid(t._id)}`);
            await load();
            input.focus();
          } catch (ex) {
            d.error(ex.message);
          }
        }, 'danger'),
        act('Keep', () => { plain(); cell.querySelector('button').focus(); }));
      cell.querySelector('button').focus();
    };
    const plain = () => cell.replaceChildren(act('Revoke', ask, 'danger'));
    plain();
    return cell;
  };
  const load = async () => {
    const list = await api.get(base);
    holder.replaceChildren(table([
      {title: 'Name', cls: 'name', cell: t => el('span', {dir: 'auto'}, t.name)},
      {title: 'Created', cell: t => fmtDate(t.created)},
      {title: 'Last used', cell: t => fmtDate(t.last_used)},
      {title: 'Actions', cell: revoke},
    ], list));
  };
  let unblame = () => {};
  const d = wideDialog({title: `Tokens of ${b.username}`, body: el('div', {},
    el('p', {className: 'muted'}, `Programs send a token as the X-Auth-Token header and act as ${b.username}.`),
    holder, name, shown),
  ok: 'Create token', onOk: async () => {
    unblame();
    document.getElementById('dialog-error').hidden = true;
    shown.replaceChildren();
    let t;
    try {
      t = await api.post(base, {name: input.value});
    } catch (ex) {
      unblame = blame(name, ex, document.getElementById('dialog-error'));
      throw ex;
    }
    input.value = '';
    shown.replaceChildren(shownOnce(`Token ${t.name}`, t.value, 'Copy token'));
    await load();
    shown.querySelector('button').focus();
    // The dialog stays open, for the value to be copied.
    return false;
  }});
  load().catch(ex => d.error(ex.message));
}
