// The centre column: one ticket's header and actions, its live transcript, and (through
// details.js) the customer panel on the right.

import { reasonBadges, severityBadge, since, slaTimer, tick, tierBadge } from './badges.js';
import { createComposer } from './composer.js';
import { renderDetails } from './details.js';
import { askSnooze, askTransfer } from './dialogs.js';
import { byId, h, setText, showError } from './dom.js';
import { messageItem } from './transcript.js';

const NEAR_BOTTOM_PX = 80;

export function createTicketView({ api, me, now, onChanged, onOpened, onLabelsChanged, openContact }) {
  let detail = null;
  let customer = null;
  let customerError = '';
  let loading = 0;
  const transcript = byId('transcript');
  const composer = createComposer({ api, current: () => detail, me, onSent: appendMessage, onNote: addNote });

  byId('action-claim').addEventListener('click', () => act('claim'));
  byId('action-resolve').addEventListener('click', () => act('resolve'));
  byId('action-transfer').addEventListener('click', async () => {
    const ticket = await askTransfer(api, detail, me());
    if (ticket) onChanged(ticket);
  });
  byId('details-toggle').addEventListener('click', () => toggleDetails());
  byId('action-snooze').addEventListener('click', async () => {
    const ticket = await askSnooze(api, detail);
    if (ticket) onChanged(ticket);
  });

  async function open(id) {
    const attempt = ++loading;
    showError(byId('action-error'), '');
    // Until this ticket has loaded, no action may land on it (or on the one shown before).
    for (const button of byId('ticket-view').querySelectorAll('.ticket-actions button[id^="action-"]')) button.disabled = true;
    byId('composer-send').disabled = true;
    byId('no-ticket').hidden = true;
    byId('ticket-view').hidden = false;
    byId('ticket-view').setAttribute('aria-busy', 'true');
    try {
      const loaded = await api.get(`/api/agent/tickets/${id}`);
      if (attempt !== loading) return;
      const switched = detail?.id !== loaded.id;
      detail = loaded;
      if (switched) {
        customer = null;
        customerError = '';
        composer.reset();
      }
      renderAll();
      onOpened(id);
      loadCustomer(id, attempt);
      composer.loadCanned(id);
    } catch (error) {
      if (attempt === loading) showError(byId('action-error'), error.message);
    } finally {
      if (attempt === loading) byId('ticket-view').removeAttribute('aria-busy');
    }
  }

  async function loadCustomer(id, attempt) {
    try {
      customer = await api.get(`/api/agent/tickets/${id}/customer`);
    } catch (error) {
      customerError = error.message;
    }
    if (attempt === loading) renderDetailsPanel();
  }

  async function act(action) {
    if (!detail) return;
    showError(byId('action-error'), '');
    const button = byId(`action-${action}`);
    button.disabled = true;
    try {
      onChanged(await api.post(`/api/agent/tickets/${detail.id}/${action}`));
    } catch (error) {
      showError(byId('action-error'), await explain(error));
      if (detail) renderHeader();
    }
  }

  // "Already claimed" is only useful with the name of who has it, which the error does not carry.
  async function explain(error) {
    if (error.code !== 'already_claimed' || !detail) return error.message;
    try {
      const fresh = await api.get(`/api/agent/tickets/${detail.id}`);
      onChanged(fresh);
      return `Ticket already claimed by ${fresh.agent?.display_name ?? 'another agent'}.`;
    } catch {
      return error.message;
    }
  }

  function onTicket(summary) {
    if (!detail || summary.id !== detail.id) return;
    // Only the summary fields: the transcript and notes grow through their own events.
    const { messages, notes, ...fields } = summary;
    detail = { ...detail, ...fields };
    renderHeader();
    composer.render();
  }

  function onMessage(ticketId, message) {
    if (!detail || ticketId !== detail.id) return false;
    appendMessage(message);
    return true;
  }

  function appendMessage(message) {
    const last = detail.messages.at(-1)?.seq ?? 0;
    if (message.seq <= last) return;
    if (message.seq > last + 1) {
      refresh();
      return;
    }
    detail.messages.push(message);
    const stick = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < NEAR_BOTTOM_PX;
    transcript.append(messageItem(message, detail.customer?.name));
    if (stick || message.author_kind === 'agent') transcript.scrollTop = transcript.scrollHeight;
  }

  function onNote(ticketId, note) {
    if (detail && ticketId === detail.id) addNote(note);
  }

  function addNote(note) {
    if (!note || detail.notes?.some((other) => other.id === note.id)) return;
    detail.notes = [...(detail.notes ?? []), note];
    renderDetailsPanel();
  }

  function renderAll() {
    renderHeader();
    transcript.replaceChildren(...detail.messages.map((message) => messageItem(message, detail.customer?.name)));
    transcript.scrollTop = transcript.scrollHeight;
    renderDetailsPanel();
    composer.render();
  }

  function renderHeader() {
    const agent = me();
    const holder = detail.agent?.id === agent?.id;
    const senior = agent?.role === 'supervisor' || agent?.role === 'admin';
    setText(byId('ticket-title'), detail.customer?.name || 'Guest shopper');
    const meta = [
      h('span', { class: 'ticket-id' }, `#${detail.id}`),
      severityBadge(detail.severity), tierBadge(detail.tier), ...reasonBadges(detail.reasons, detail.tier),
      h('span', { class: `status-pill status-${detail.status}` }, statusLine(detail, holder)),
      detail.status === 'queued' ? since(detail.queued_at, 'Waiting ') : null,
      slaTimer(detail),
    ];
    byId('ticket-meta').replaceChildren(...meta.filter(Boolean));
    byId('action-claim').hidden = detail.status !== 'queued';
    byId('action-claim').disabled = false;
    for (const action of ['transfer', 'snooze', 'resolve']) {
      const button = byId(`action-${action}`);
      button.hidden = detail.status !== 'assigned';
      button.disabled = !(holder || senior);
    }
    tick(byId('ticket-meta'), now());
  }

  function renderDetailsPanel() {
    const contactTools = { api, openContact, onChanged: (contact) => { customer = { ...customer, contact }; renderDetailsPanel(); } };
    renderDetails(byId('details-body'), { detail, customer, customerError, onOpenTicket: open, onLabels: saveLabels, contactTools });
  }

  async function saveLabels(labels) {
    const updated = await api.put(`/api/agent/tickets/${detail.id}/labels`, { labels });
    onChanged(updated);
    renderDetailsPanel();
    onLabelsChanged?.();
  }

  // Below ~1000 px the customer panel is a drawer over the conversation, opened on demand.
  function toggleDetails(show = byId('details').dataset.open !== 'true') {
    byId('details').dataset.open = String(show);
    byId('details-toggle').setAttribute('aria-expanded', String(show));
  }

  function refresh() {
    if (detail) open(detail.id);
  }

  function close() {
    loading += 1;
    detail = null;
    customer = null;
    transcript.replaceChildren();
    renderDetails(byId('details-body'), {});
    toggleDetails(false);
    byId('ticket-view').hidden = true;
    byId('no-ticket').hidden = false;
  }

  return { open, refresh, close, onTicket, onMessage, onNote, openId: () => detail?.id ?? null };
}

function statusLine(ticket, holder) {
  if (ticket.status === 'queued') return ticket.snoozed_until ? 'Snoozed' : 'Waiting in queue';
  if (ticket.status === 'resolved') {
    return Number.isInteger(ticket.csat?.rating) ? `Resolved · rated ${ticket.csat.rating}/5` : 'Resolved';
  }
  if (ticket.snoozed_until) return holder ? 'Yours · snoozed' : `${ticket.agent?.display_name} · snoozed`;
  return holder ? 'Assigned to you' : `Held by ${ticket.agent?.display_name ?? 'another agent'}`;
}
