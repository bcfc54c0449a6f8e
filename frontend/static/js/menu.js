// A menu button, as WAI-ARIA's pattern has it: a button (aria-haspopup,
// aria-expanded) that opens a menu of items. Click, Enter, Space or ↓
// open it on its first item, ↑ on its last; in it, the arrows, Home and
// End move, a letter goes to the next item that starts with it, Esc
// closes it and gives the focus back to the button, Tab closes it and
// goes on from the button; a click or tap anywhere else closes it.
//
// Choosing an item closes the menu first, with the focus back on the
// button, and only then runs the item: a dialog the item opens gives the
// focus back to the button, not to an item that is no longer shown.

// onOpen is called as the menu opens (to fill or place it); open(at)
// opens it from code, on item at (0 the first, -1 the last).
export function menuButton(button, menu, onOpen = () => {}) {
  const items = () => [...menu.querySelectorAll('[role^=menuitem]')].filter(i => i.getClientRects().length > 0);
  const isOpen = () => !menu.hidden;

  function open(at) {
    onOpen();
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const list = items();
    for (const i of list) i.tabIndex = -1;
    list.at(at)?.focus();
    document.addEventListener('pointerdown', outside, true);
  }

  function close(refocus = true) {
    if (!isOpen()) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', outside, true);
    if (refocus) button.focus();
  }

  function outside(e) {
    if (!menu.contains(e.target) && !button.contains(e.target)) close(false);
  }

  button.addEventListener('click', () => (isOpen() ? close() : open(0)));
  button.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    open(e.key === 'ArrowDown' ? 0 : -1);
  });

  menu.addEventListener('keydown', (e) => {
    const list = items();
    const i = list.indexOf(document.activeElement);
    let next;
    if (e.key === 'ArrowDown') next = list[(i + 1) % list.length];
    else if (e.key === 'ArrowUp') next = list[(i - 1 + list.length) % list.length];
    else if (e.key === 'Home') next = list[0];
    else if (e.key === 'End') next = list.at(-1);
    else if (e.key === 'Tab') {
      // Not prevented: the Tab goes on from the button.
      close();
      return;
    } else if (e.key === 'Escape') {
      // Only the menu: not the drawer it may sit in, nor a dialog.
      e.stopPropagation();
      close();
    } else if (e.key.length === 1 && /\S/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const k = e.key.toLowerCase();
      const after = [...list.slice(i + 1), ...list.slice(0, i + 1)];
      next = after.find(x => x.textContent.trim().toLowerCase().startsWith(k));
    } else {
      return;
    }
    e.preventDefault();
    next?.focus();
  });

  // In the capture phase: before the item's own click handler runs.
  menu.addEventListener('click', (e) => {
    if (e.target.closest('[role^=menuitem]')) close();
  }, true);

  return {close, open};
}
