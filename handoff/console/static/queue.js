// The left column: the live queue and "My tickets", as keyboard-friendly lists of cards.

import { h, setText } from './dom.js';
import { labelChip, reasonBadges, severityBadge, since, slaTimer, tierBadge } from './badges.js';
import { STATUSES } from './format.js';

export function renderList(list, tickets, { selectedId, unread, onOpen, emptyText, empty }) {
  const focusedId = document.activeElement?.closest?.('[data-ticket-id]')?.dataset.ticketId;
  list.replaceChildren(...tickets.map((ticket) => card(ticket, {
    selected: ticket.id === selectedId,
    unread: unread.has(ticket.id),
    onOpen,
  })));
  setText(empty, emptyText);
  empty.hidden = tickets.length > 0;
  if (focusedId) list.querySelector(`[data-ticket-id="${CSS.escape(focusedId)}"]`)?.focus();
}

function card(ticket, { selected, unread, onOpen }) {
  const name = ticket.customer?.name || 'Guest shopper';
  const waitingFrom = ticket.status === 'queued' ? ticket.queued_at : null;
  const button = h('button', {
    type: 'button',
    class: `ticket-card severity-edge-${ticket.severity}`,
    'aria-current': selected ? 'true' : null,
    'aria-label': `${name}, ticket ${ticket.id}, ${ticket.severity}${unread ? ', new messages' : ''}`,
    dataset: { ticketId: String(ticket.id) },
    onclick: () => onOpen(ticket.id),
  },
  h('span', { class: 'card-top' },
    h('span', { class: 'card-name' }, name),
    unread ? h('span', { class: 'unread-dot', title: 'New messages' }) : null,
    h('span', { class: 'card-id' }, `#${ticket.id}`)),
  h('span', { class: 'card-badges' }, severityBadge(ticket.severity), tierBadge(ticket.tier),
    reasonBadges(ticket.reasons, ticket.tier), (ticket.labels ?? []).map(labelChip)),
  h('span', { class: 'card-preview' }, ticket.preview || '(no message)'),
  h('span', { class: 'card-bottom' },
    waitingFrom ? since(waitingFrom, 'Waiting ') : h('span', { class: 'card-status' }, statusText(ticket)),
    slaTimer(ticket)));
  return h('li', {}, button);
}

function statusText(ticket) {
  if (ticket.snoozed_until) return 'Snoozed';
  if (ticket.team && ticket.status === 'queued') return `Team ${ticket.team}`;
  if (ticket.status === 'assigned' && ticket.agent) return `Held by ${ticket.agent.display_name}`;
  if (ticket.status === 'resolved' && Number.isInteger(ticket.csat?.rating)) return `Resolved · rated ${ticket.csat.rating}/5`;
  return STATUSES[ticket.status] ?? ticket.status;
}

// Up/down arrows move between cards, Home/End jump; Enter/Space open (native buttons).
export function listKeyboard(list) {
  list.addEventListener('keydown', (event) => {
    const cards = [...list.querySelectorAll('.ticket-card')];
    const index = cards.indexOf(document.activeElement);
    if (index < 0) return;
    const next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: cards.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    cards[Math.max(0, Math.min(cards.length - 1, next))].focus();
  });
}
