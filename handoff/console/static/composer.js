// The reply box: a reply to the shopper or an internal note; Enter sends, Shift+Enter adds a
// line; canned replies (already filled in for this ticket by the hub) can be picked from the
// panel or by typing "/" and their shortcut, then edited.

import { byId, h, setText, showError } from './dom.js';

export function createComposer({ api, current, me, onSent, onNote }) {
  const form = byId('composer');
  const text = byId('composer-text');
  const send = byId('composer-send');
  const cannedPanel = byId('canned-panel');
  const cannedToggle = byId('canned-toggle');
  let canned = [];
  let sending = false;
  let slash = { matches: [], index: 0, start: -1 };
  const slashList = byId('slash-list');

  const mode = () => form.elements.mode.value;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  text.addEventListener('keydown', (event) => {
    if (!slashList.hidden && slashKey(event)) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  text.addEventListener('input', () => {
    showError(byId('composer-error'), '');
    updateSlash();
  });
  text.addEventListener('blur', () => setTimeout(() => closeSlash(), 150));
  for (const radio of form.elements.mode) radio.addEventListener('change', render);
  cannedToggle.addEventListener('click', () => toggleCanned(cannedPanel.hidden));
  byId('canned-filter').addEventListener('input', renderCanned);
  cannedPanel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      toggleCanned(false);
      cannedToggle.focus();
    }
  });

  async function submit() {
    const ticket = current();
    const body = text.value.trim();
    if (!ticket || sending || !body || text.disabled) return;
    const note = mode() === 'note';
    sending = true;
    send.disabled = true;
    try {
      const created = await api.post(`/api/agent/tickets/${ticket.id}/${note ? 'notes' : 'messages'}`, { text: body });
      text.value = '';
      (note ? onNote : onSent)(created);
    } catch (error) {
      showError(byId('composer-error'), error.message);
    } finally {
      sending = false;
      render();
      text.focus();
    }
  }

  function render() {
    const ticket = current();
    if (!ticket) return;
    const note = mode() === 'note';
    const holder = ticket.status === 'assigned' && ticket.agent?.id === me()?.id;
    const canWrite = note || holder;
    form.classList.toggle('note-mode', note);
    text.disabled = !canWrite;
    send.disabled = !canWrite || sending;
    setText(send, note ? 'Add note' : 'Send');
    cannedToggle.disabled = note || !holder;
    if (note || !holder) toggleCanned(false);
    const name = ticket.customer?.name?.split(' ')[0] || 'the shopper';
    text.placeholder = note ? 'Write an internal note: only agents see it'
      : holder ? `Reply to ${name}…` : replyBlocked(ticket);
    setText(byId('composer-hint'), canWrite ? `Enter sends · Shift+Enter adds a line${note ? '' : ' · / for canned replies'}` : '');
  }

  async function loadCanned(ticketId) {
    try {
      canned = (await api.get(`/api/agent/tickets/${ticketId}/canned`)).canned ?? [];
    } catch {
      canned = [];
    }
    renderCanned();
  }

  function renderCanned() {
    const filter = byId('canned-filter').value.trim().toLowerCase();
    const shown = canned.filter((item) => !filter
      || `${item.shortcut} ${item.title} ${item.rendered}`.toLowerCase().includes(filter));
    const list = byId('canned-list');
    list.replaceChildren(...shown.map((item) => h('li', {},
      h('button', { type: 'button', class: 'canned-item', onclick: () => useCanned(item) },
        h('span', { class: 'canned-title' }, item.title || item.shortcut),
        item.shortcut ? h('span', { class: 'canned-shortcut' }, `/${item.shortcut}`) : null,
        h('span', { class: 'canned-text' }, item.rendered ?? item.text)))));
    if (shown.length === 0) {
      list.append(h('li', { class: 'muted' }, canned.length ? 'No canned reply matches.' : 'No canned replies yet.'));
    }
  }

  // "/ret" right before the caret offers the canned replies whose shortcut starts with "ret".
  function updateSlash() {
    const before = text.value.slice(0, text.selectionStart);
    const typed = /(^|\s)\/([a-z0-9_-]*)$/.exec(before);
    const holder = !cannedToggle.disabled;
    if (!typed || !holder) {
      closeSlash();
      return;
    }
    const matches = canned.filter((item) => item.shortcut.startsWith(typed[2])).slice(0, 8);
    slash = { matches, index: 0, start: before.length - typed[2].length - 1 };
    if (matches.length === 0) {
      closeSlash();
      return;
    }
    renderSlash();
  }

  function renderSlash() {
    slashList.replaceChildren(...slash.matches.map((item, index) => h('li', {
      role: 'option', id: `slash-${item.id}`, 'aria-selected': String(index === slash.index), class: 'slash-item',
      onmousedown: (event) => {
        event.preventDefault();
        pickSlash(index);
      },
    }, h('span', { class: 'canned-shortcut' }, `/${item.shortcut}`), ' ', h('span', { class: 'canned-title' }, item.title))));
    slashList.hidden = false;
    text.setAttribute('aria-activedescendant', `slash-${slash.matches[slash.index].id}`);
  }

  function slashKey(event) {
    const moves = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in moves) {
      event.preventDefault();
      slash.index = (slash.index + moves[event.key] + slash.matches.length) % slash.matches.length;
      renderSlash();
      return true;
    }
    if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      pickSlash(slash.index);
      return true;
    }
    if (event.key === 'Escape') {
      event.preventDefault();
      closeSlash();
      return true;
    }
    return false;
  }

  function pickSlash(index) {
    const item = slash.matches[index];
    if (!item) return;
    const reply = item.rendered ?? item.text;
    const after = text.value.slice(text.selectionStart);
    text.value = text.value.slice(0, slash.start) + reply + after;
    const caret = slash.start + reply.length;
    text.setSelectionRange(caret, caret);
    closeSlash();
    text.focus();
  }

  function closeSlash() {
    slashList.hidden = true;
    slashList.replaceChildren();
    text.removeAttribute('aria-activedescendant');
  }

  function useCanned(item) {
    text.value = item.rendered ?? item.text;
    toggleCanned(false);
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
  }

  function toggleCanned(show) {
    cannedPanel.hidden = !show;
    cannedToggle.setAttribute('aria-expanded', String(show));
    if (show) {
      byId('canned-filter').value = '';
      renderCanned();
      byId('canned-filter').focus();
    }
  }

  function reset() {
    text.value = '';
    form.elements.mode.value = 'reply';
    showError(byId('composer-error'), '');
    toggleCanned(false);
  }

  return { render, reset, loadCanned };
}

function replyBlocked(ticket) {
  if (ticket.status === 'queued') return 'Claim this ticket to reply';
  if (ticket.status === 'resolved') return 'This ticket is resolved: the bot has the conversation again';
  return `${ticket.agent?.display_name ?? 'Another agent'} holds this ticket`;
}
