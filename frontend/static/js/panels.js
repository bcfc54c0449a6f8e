// What the panels loaded on first use share: their stylesheet,
// panels.css (new message, the notification menu, mentions).

import {el} from './render.js';

let loaded = null;

// sheet resolves once panels.css is in the page: a panel drawn unstyled
// would jump when the rules arrive. One that cannot load leaves it plain.
export function sheet() {
  loaded ||= new Promise((done) => document.head.append(el('link', {rel: 'stylesheet',
    href: document.documentElement.dataset.assets + '/panels.css', onload: done, onerror: done})));
  return loaded;
}
