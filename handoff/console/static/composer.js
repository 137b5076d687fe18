// The reply box: a reply to the shopper or an internal note; Enter sends, Shift+Enter adds a
// line; canned replies (already filled in for this ticket by the hub) can be picked and edited.

import { byId, h, setText, showError } from './dom.js';

export function createComposer({ api, current, me, onSent, onNote }) {
  const form = byId('composer');
  const text = byId('composer-text');
  const send = byId('composer-send');
  const cannedPanel = byId('canned-panel');
  const cannedToggle = byId('canned-toggle');
  let canned = [];
  let sending = false;

  const mode = () => form.elements.mode.value;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  text.addEventListener('input', () => showError(byId('composer-error'), ''));
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
    setText(byId('composer-hint'), canWrite ? 'Enter sends · Shift+Enter adds a line' : '');
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
