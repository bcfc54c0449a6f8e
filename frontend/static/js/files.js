// Files that messages carry (uploaded through attach.js): an image shows
// as its thumbnail, which opens a viewer with the full image, its name,
// size and a Download link; any other file shows as a card with an icon
// by its type, its name (a link that downloads it), its size and type.
//
// This module and its stylesheet, files.css, are not part of the first
// load: cards.js imports it the first time a message with files is drawn,
// composer.js (through attach.js) the first time a file is attached.
// Everything is built from text nodes; the files' own addresses are the
// server's (same origin, which the page's CSP allows for images).

import {el, icon} from './render.js';

// The stylesheet comes before anything is drawn with it: a thumbnail
// drawn unstyled would jump when the rules arrive. A stylesheet that
// cannot load leaves the files plain, not missing.
await new Promise((done) => document.head.append(el('link', {rel: 'stylesheet',
  href: document.documentElement.dataset.assets + '/files.css', onload: done, onerror: done})));

// The box a thumbnail is shown in, in CSS pixels. Thumbnails are made at
// twice this (chat.ThumbSide), for sharp screens.
const THUMB_BOX = {w: 400, h: 300};

// bytes says how large a file is in the server's words: "512 bytes",
// "12.5 KiB", "3 MiB" (chat.FormatBytes).
export function bytes(n) {
  if (n < 1024) return n === 1 ? '1 byte' : `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let div = 1024;
  let exp = 0;
  for (let m = Math.floor(n / 1024); m >= 1024 && exp < units.length - 1; m = Math.floor(m / 1024)) {
    div *= 1024;
    exp++;
  }
  return (n / div).toFixed(1).replace(/\.0$/, '') + ' ' + units[exp];
}

// Types worth a name of their own; others are named by their kind
// ("PNG image") or by the file name's extension ("DOCX file").
const NAMED = {
  'application/pdf': 'PDF document', 'application/zip': 'ZIP archive', 'application/gzip': 'Gzip archive',
  'application/x-gzip': 'Gzip archive', 'application/x-tar': 'Tar archive', 'application/x-7z-compressed': '7-Zip archive',
  'application/vnd.rar': 'RAR archive', 'application/x-rar-compressed': 'RAR archive', 'application/json': 'JSON',
  'text/plain': 'Text', 'text/html': 'HTML page', 'text/csv': 'CSV table', 'text/xml': 'XML', 'application/xml': 'XML',
  'application/postscript': 'PostScript', 'application/wasm': 'WebAssembly',
};

const mediaType = (f) => (f.content_type || f.type || '').split(';')[0].trim().toLowerCase();

// typeName says what kind of file f is, for people.
export function typeName(f) {
  const t = mediaType(f);
  if (NAMED[t]) return NAMED[t];
  const [major, minor] = t.split('/');
  if (['image', 'audio', 'video', 'font'].includes(major) && minor) {
    return minor.replace(/^(x-|vnd\.)/, '').replace(/\+.*$/, '').toUpperCase() + ' ' + major;
  }
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(f.name || '');
  return ext ? ext[1].toUpperCase() + ' file' : 'File';
}

// kindIcon is the sprite's icon for f's type.
export function kindIcon(f) {
  const t = mediaType(f);
  if (t.startsWith('image/')) return 'file-image';
  if (t.startsWith('audio/') || t.startsWith('video/')) return 'file-media';
  if (/zip|compress|tar|rar|archive/.test(t)) return 'file-archive';
  if (t.startsWith('text/') || /pdf|json|xml|document|msword|rtf/.test(t)) return 'file-text';
  return 'file';
}

// filesOf draws the files a message carries.
export function filesOf(list) {
  return el('div', {className: 'files'}, list.map(f => f.thumb_url ? thumbnail(f) : card(f)));
}

// A plain click opens the viewer; a click that asks for a new tab or
// window (a modifier, the middle button) follows the link to the image.
const plainClick = (e) => e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey;

function thumbnail(f) {
  // The width and height are the thumbnail's, so the box is reserved
  // before it loads; the shown width fits the box, the height follows.
  const img = el('img', {src: f.thumb_url, alt: f.name, width: f.thumb_width, height: f.thumb_height, loading: 'lazy', decoding: 'async'});
  if (f.thumb_width > 0 && f.thumb_height > 0) {
    const fit = Math.min(1, THUMB_BOX.w / f.thumb_width, THUMB_BOX.h / f.thumb_height);
    img.style.width = Math.round(f.thumb_width * fit) + 'px';
  }
  const a = el('a', {className: 'file-image', href: f.url, 'aria-haspopup': 'dialog', title: `${f.name} (${bytes(f.size)})`,
    onclick: (e) => { if (plainClick(e)) { e.preventDefault(); view(f, a); } }}, img);
  return a;
}

function card(f) {
  return el('div', {className: 'file-card'}, icon(kindIcon(f)),
    el('div', {className: 'file-what'},
      el('a', {className: 'file-name', href: f.download_url, download: f.name, dir: 'auto'}, f.name),
      el('span', {className: 'file-meta'}, bytes(f.size) + ' · ' + typeName(f))));
}

// ---------- the viewer ----------

let viewer = null;

function makeViewer() {
  const title = el('h2', {id: 'viewer-title', dir: 'auto'});
  const close = el('button', {type: 'button', className: 'icon-button', 'aria-label': 'Close', title: 'Close (Esc)'}, icon('close'));
  const d = el('dialog', {className: 'viewer', 'aria-labelledby': 'viewer-title', tabIndex: -1},
    el('div', {className: 'viewer-head'}, title, close),
    el('div', {className: 'viewer-body'}),
    el('div', {className: 'viewer-foot'}, el('span', {className: 'viewer-meta'}), el('a', {className: 'viewer-download'}, 'Download')));
  close.addEventListener('click', () => d.close());
  // A click on the backdrop (the dialog itself, outside its content) closes it too.
  d.addEventListener('click', (e) => { if (e.target === d) d.close(); });
  document.body.append(d);
  return d;
}

// view shows the image f in the viewer; the focus goes back to from when
// it closes (Esc, the close button, a click beside it).
export function view(f, from) {
  viewer ||= makeViewer();
  const d = viewer;
  d.querySelector('h2').textContent = f.name;
  const img = el('img', {className: 'viewer-img', src: f.url, alt: f.name});
  // The full image's size, where the server knows it, reserves its box
  // (scaled to the window) while it loads.
  if (f.width > 0 && f.height > 0) {
    Object.assign(img, {width: f.width, height: f.height});
    const fit = Math.min(1, (innerWidth - 48) / f.width, (innerHeight - 160) / f.height);
    img.style.width = Math.max(1, Math.floor(f.width * fit)) + 'px';
  }
  d.querySelector('.viewer-body').replaceChildren(img);
  d.querySelector('.viewer-meta').textContent = bytes(f.size) + ' · ' + typeName(f);
  Object.assign(d.querySelector('.viewer-download'), {href: f.download_url, download: f.name});
  d.onclose = () => { if (from?.isConnected) from.focus(); };
  d.showModal();
  // The dialog itself has the focus, not its close button: the Enter
  // that opened it (a link acts on keydown) is still on its way, and
  // would press the button. Tab reaches the button and the link.
  d.focus();
}
