// The admin's Commands tab: the slash commands people type in the
// composer. The built-in ones are listed as they are; custom ones send
// what follows them to a URL, and are added (their token shown once) and
// deleted here.

import * as api from './api.js';
import {el} from './render.js';
import {dialog, field} from './ui.js';
import {fmtDate, confirmThen, table, createForm, val, act, shownOnce} from './admin-kit.js';

const {oid} = api;

export async function commands(nav) {
  const [listed, custom] = await Promise.all([api.get('/api/commands'), api.get('/api/custom-commands')]);
  const reload = () => nav.show('commands');
  const form = createForm('Add a custom command', [
    field('Name (typed after /)', {name: 'name', required: true, maxLength: 33, autocomplete: 'off', spellcheck: false}),
    field('URL it calls', {name: 'url', type: 'url', required: true, autocomplete: 'off', placeholder: 'https://bots.example.com/weather'}),
    field('Help (shown as it is completed)', {name: 'help', maxLength: 250, autocomplete: 'off'}),
  ], 'Add command', async (f) => {
    const c = await api.post('/api/custom-commands', {name: val(f, 'name').value.trim(), url: val(f, 'url').value.trim(), help: val(f, 'help').value});
    await reload();
    // The token is shown this once; the focus comes back to the new form.
    document.querySelector('#panel form.create button[type=submit]')?.focus();
    dialog({title: `Command /${c.name} added`, body: el('div', {},
      el('p', {}, `/${c.name} now POSTs what follows it to ${c.url}, as a form with this token in its "token" field, and signed with it (the X-Makechat-Signature header). The receiver checks it to know the request is makechat's.`),
      shownOnce('Token', c.token, 'Copy token'))});
  });
  return [
    el('p', {className: 'muted'}, 'People type commands in the composer, where "/" lists them. A custom command sends the text after it to its URL; the answer is shown to the one who typed it, or posted in the room.'),
    form,
    el('h2', {className: 'section-title'}, 'Custom commands'),
    table([
      {title: 'Name', cls: 'name', cell: c => '/' + c.name},
      {title: 'URL', cls: 'wrap', cell: c => c.url},
      {title: 'Help', cls: 'wrap', cell: c => c.help || '—'},
      {title: 'Created', cell: c => fmtDate(c.created)},
      {title: 'Actions', cell: c => act('Delete', () => confirmThen(`Delete /${c.name}?`,
        `Typing /${c.name} stops calling ${c.url} at once; its token is forgotten.`, 'Delete command',
        async () => { await api.del('/api/custom-commands/' + oid(c._id)); reload(); }), 'danger')},
    ], custom, c => [c.name, c.url, c.help].join(' '), 'the custom commands'),
    el('h2', {className: 'section-title'}, 'Built-in commands'),
    table([
      {title: 'Command', cls: 'name', cell: c => '/' + c.name + (c.usage ? ' ' + c.usage : '')},
      {title: 'What it does', cls: 'wrap', cell: c => c.help},
    ], listed.filter(c => !c.custom)),
  ];
}
