// Full-width screens over the ticket area (Reports, Manage): one shows at a time, and its button
// in the top bar is pressed while it does. Each screen says what to do when it opens.

import { byId } from './dom.js';

const OPENED = 'shopdesk:screen-opened';

export function fullScreen(name, view, toggle, { onOpen, onClose } = {}) {
  function open() {
    document.dispatchEvent(new CustomEvent(OPENED, { detail: name }));
    byId('app-view').classList.add('reports-open');
    view.hidden = false;
    toggle.setAttribute('aria-pressed', 'true');
    onOpen?.();
  }

  function close() {
    if (view.hidden) return;
    view.hidden = true;
    toggle.setAttribute('aria-pressed', 'false');
    byId('app-view').classList.remove('reports-open');
    onClose?.();
  }

  toggle.addEventListener('click', () => (view.hidden ? open() : close()));
  document.addEventListener(OPENED, (event) => { if (event.detail !== name) close(); });
  return { open, close };
}
