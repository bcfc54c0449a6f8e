// Link previews: the card under a message whose first link the server
// previewed (docs/api.md, "Link previews"): the site's name, the page's
// title as a link to it, its description in three lines at most. For the
// message's sender, a button that removes it (messages.js removePreview;
// the message menu has the same).
//
// What a page says of itself is anyone's text: it is put in text nodes
// only, and the link is http or https or it is no link. The page's image
// is never loaded: the page's CSP allows images from this server only,
// and fetching one would tell the site who read the message.
//
// This module and its stylesheet, previews.css, are not part of the first
// load: cards.js imports it the first time a message with a preview is
// drawn.

import {el, icon} from './render.js';

// The stylesheet comes first: a card drawn unstyled would jump when the
// rules arrive. One that cannot load leaves the card plain, not missing.
await new Promise((done) => document.head.append(el('link', {rel: 'stylesheet',
  href: document.documentElement.dataset.assets + '/previews.css', onload: done, onerror: done})));

// web returns url if it is an absolute http or https URL, else ''.
function web(url) {
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol) ? url : '';
  } catch {
    return '';
  }
}

// previewOf draws preview p ({url, title, description, site_name}); with
// remove, its sender's button that takes it off.
export function previewOf(p, remove) {
  const href = web(p.url || '');
  const title = p.title || (href ? new URL(href).host : p.url) || '';
  return el('div', {className: 'preview'},
    p.site_name ? el('p', {className: 'preview-site', dir: 'auto'}, p.site_name) : null,
    el('p', {className: 'preview-title', dir: 'auto'},
      href ? el('a', {href, target: '_blank', rel: 'noopener noreferrer nofollow'}, title) : title),
    p.description ? el('p', {className: 'preview-text', dir: 'auto'}, p.description) : null,
    remove ? el('button', {type: 'button', className: 'icon-button preview-remove', 'aria-label': 'Remove preview',
      title: 'Remove preview', onclick: remove}, icon('close')) : null);
}
