// Safe rendering of message text: the DOM is built with text nodes only,
// so no markup in a message can ever become HTML. A small markdown subset
// is understood: ```code blocks```, `code`, **bold**, *italic* or _italic_,
// ~~strikethrough~~, links (http, https, mailto) and @mentions, and at the
// start of lines "> " quotes, "- " or "* " bullets and "1. " numbered lists.

const LINK = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+[^\s<>"'`.,;:!?)\]}]/y;
const MENTION = /@([A-Za-z0-9_-]{1,120})/y;
const QUOTE = /^> ?/;
const BULLET = /^[-*] +(?=\S)/;
const NUMBER = /^(\d{1,9})\. +(?=\S)/;
const MAX_QUOTE_DEPTH = 3;

// renderText returns a fragment for text; mentions of me get a class.
export function renderText(text, me) {
  const frag = document.createDocumentFragment();
  const parts = text.split('```');
  parts.forEach((part, i) => {
    // Odd parts were between fences; an unclosed fence is plain text.
    if (i % 2 === 1 && i < parts.length - 1) {
      const pre = document.createElement('pre');
      // A long line scrolls the block sideways: the keyboard must reach it.
      pre.tabIndex = 0;
      const code = document.createElement('code');
      code.textContent = part.replace(/^[a-z0-9+-]*\n/i, '').replace(/\n$/, '');
      pre.append(code);
      frag.append(pre);
    } else {
      let t = i % 2 === 1 ? '```' + part : part;
      // A code block is a line of its own: the line breaks around it are its.
      if (i > 0 && i % 2 === 0) t = t.replace(/^\n/, '');
      if (i + 2 < parts.length) t = t.replace(/\n$/, '');
      if (t) blocks(t, frag, me, 0);
    }
  });
  return frag;
}

// blocks renders lines into parent: runs of quoted, bulleted or numbered
// lines become a blockquote or a list, other lines stay text. The line
// break before and after a block is the block's own.
function blocks(text, parent, me, depth) {
  const lines = text.split('\n');
  let i = 0;
  const run = (re) => {
    const out = [];
    while (i < lines.length && re.test(lines[i])) out.push(lines[i++]);
    return out;
  };
  let plain = [];
  const flush = () => {
    if (plain.length) inline(plain.join('\n'), parent, me);
    plain = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    if (depth < MAX_QUOTE_DEPTH && QUOTE.test(line)) {
      flush();
      const q = document.createElement('blockquote');
      blocks(run(QUOTE).map(l => l.replace(QUOTE, '')).join('\n'), q, me, depth + 1);
      parent.append(q);
    } else if (BULLET.test(line) || NUMBER.test(line)) {
      flush();
      const num = NUMBER.exec(line);
      const list = document.createElement(num ? 'ol' : 'ul');
      if (num && num[1] !== '1') list.start = Number(num[1]);
      const re = num ? NUMBER : BULLET;
      for (const l of run(re)) {
        const li = document.createElement('li');
        inline(l.replace(re, ''), li, me);
        list.append(li);
      }
      parent.append(list);
    } else {
      plain.push(line);
      i++;
    }
  }
  flush();
}

// inline renders code spans, emphasis, links and mentions into parent.
function inline(text, parent, me) {
  let buf = '';
  const flush = () => { if (buf) { parent.append(document.createTextNode(buf)); buf = ''; } };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const prev = i > 0 ? text[i - 1] : ' ';
    if (c === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i + 1) {
        flush();
        const code = document.createElement('code');
        code.textContent = text.slice(i + 1, end);
        parent.append(code);
        i = end + 1;
        continue;
      }
    }
    if ((c === '*' && text[i + 1] === '*') && !/\s/.test(text[i + 2] || ' ')) {
      const end = text.indexOf('**', i + 2);
      if (end > i + 2 && !/\s/.test(text[end - 1])) {
        flush();
        const b = document.createElement('strong');
        inline(text.slice(i + 2, end), b, me);
        parent.append(b);
        i = end + 2;
        continue;
      }
    }
    if (c === '~' && text[i + 1] === '~' && !/\s/.test(text[i + 2] || ' ')) {
      const end = text.indexOf('~~', i + 2);
      if (end > i + 2 && !/\s/.test(text[end - 1])) {
        flush();
        const s = document.createElement('s');
        inline(text.slice(i + 2, end), s, me);
        parent.append(s);
        i = end + 2;
        continue;
      }
    }
    if ((c === '*' || c === '_') && !/\w/.test(prev) && !/\s/.test(text[i + 1] || ' ') && text[i + 1] !== c) {
      const end = text.indexOf(c, i + 1);
      if (end > i + 1 && !/\s/.test(text[end - 1]) && !/\w/.test(text[end + 1] || ' ')) {
        flush();
        const em = document.createElement('em');
        inline(text.slice(i + 1, end), em, me);
        parent.append(em);
        i = end + 1;
        continue;
      }
    }
    if ((c === 'h' || c === 'm') && !/\w/.test(prev)) {
      LINK.lastIndex = i;
      const m = LINK.exec(text);
      if (m) {
        flush();
        const a = document.createElement('a');
        a.href = m[0];
        a.textContent = m[0];
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        parent.append(a);
        i += m[0].length;
        continue;
      }
    }
    if (c === '@' && !/\w/.test(prev)) {
      MENTION.lastIndex = i;
      const m = MENTION.exec(text);
      if (m) {
        flush();
        const s = document.createElement('span');
        s.className = 'mention' + (me && m[1].toLowerCase() === me.toLowerCase() ? ' me' : '');
        s.textContent = m[0];
        parent.append(s);
        i += m[0].length;
        continue;
      }
    }
    buf += c;
    i++;
  }
  flush();
}

// mentions reports whether text mentions @name (case-insensitive).
export function mentions(text, name) {
  if (!name) return false;
  const esc = name.replace(/[-_]/g, (c) => '\\' + c);
  return new RegExp('(^|[^\\w])@' + esc + '(?![A-Za-z0-9_-])', 'i').test(text);
}

// el builds an element: el('p', {className: 'x'}, 'text', child…).
export function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k in e && k !== 'list') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// icon is an inline SVG use of the sprite.
export function icon(name, label) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'icon');
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    const t = document.createElementNS(ns, 'title');
    t.textContent = label;
    svg.append(t);
  } else {
    svg.setAttribute('aria-hidden', 'true');
  }
  const use = document.createElementNS(ns, 'use');
  use.setAttribute('href', document.documentElement.dataset.assets + '/icons.svg#' + name);
  svg.append(use);
  return svg;
}
