// The right column: who the customer is, what the bot understood, their orders, past tickets
// and the internal notes on this ticket.

import { h } from './dom.js';
import { reasonBadges, tierBadge } from './badges.js';
import { channelLabel, clockTime, humanise, money, shortDate, STATUSES } from './format.js';
import { contactFacts, contactNotes, tagEditor } from './contact.js';

export function renderDetails(root, { detail, customer, customerError, onOpenTicket, onLabels, contactTools }) {
  if (!detail) {
    root.replaceChildren(h('p', { class: 'details-empty' }, 'The customer, their orders and past tickets show here.'));
    return;
  }
  const focused = root.contains(document.activeElement) ? document.activeElement.id : '';
  root.replaceChildren(
    customerSection(detail, customer, customerError),
    contactSection(customer, contactTools),
    labelsSection(detail, onLabels),
    summarySection(detail),
    ordersSection(customer),
    pastSection(customer, onOpenTicket),
    conversationsSection(customer, onOpenTicket),
    notesSection(detail.notes ?? []),
  );
  if (focused) document.getElementById(focused)?.focus();
}

function section(title, ...content) {
  const id = `details-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h3', { id }, title), ...content);
}

function field(label, value) {
  return value ? [h('dt', {}, label), h('dd', {}, value)] : [];
}

function customerSection(detail, data, error) {
  if (error) return section('Customer', h('p', { class: 'inline-error compact' }, error));
  if (!data) return section('Customer', h('p', { class: 'muted' }, 'Loading…'));
  const person = data.customer;
  if (!person) {
    return section('Customer',
      h('p', { class: 'customer-name' }, detail.customer?.name || 'Guest shopper'),
      h('p', { class: 'muted' }, 'Not matched to a shop account yet: ask for an order number and email.'));
  }
  return section('Customer',
    h('p', { class: 'customer-name' }, person.name, ' ', tierBadge(person.tier)),
    h('p', { class: data.verified ? 'verified' : 'unverified' },
      data.verified ? 'Identity verified by the shop' : 'Not verified: matched from an order number'),
    h('dl', { class: 'facts' }, field('Email', person.email), field('Phone', person.phone)));
}

// The shopper's contact: one record across channels, with its tier, tags and notes; masked
// personal data revealed with a reason.
function contactSection(data, tools) {
  const contact = data?.contact;
  if (!contact || !tools) return null;
  const options = { api: tools.api, onChanged: tools.onChanged, onRevealed: () => tools.onChanged(contact) };
  return section('Contact',
    h('p', {}, h('button', { type: 'button', class: 'link', id: 'open-contact-page',
      onclick: () => tools.openContact(contact.id) }, 'Open the contact page'),
    contact.masked ? h('span', { class: 'muted' }, ' · personal data masked for your role') : null),
    contactFacts(contact, options), tagEditor(contact, options), contactNotes(contact, options));
}

function summarySection(detail) {
  const summary = detail.summary ?? {};
  const intents = summary.intents ?? [];
  const tried = summary.tried ?? [];
  return section('What the bot understood',
    h('div', { class: 'chips' }, reasonBadges(detail.reasons, detail.tier)),
    h('dl', { class: 'facts' },
      field('Intents', intents.map(humanise).join(', ') || 'None recognised'),
      field('Order', summary.order_id ? `#${summary.order_id}` : null),
      field('Tried', tried.map(humanise).join(', ') || 'Nothing yet'),
      field('Severity cues', (detail.severity_cues ?? []).join(', '))));
}

function ordersSection(data) {
  const orders = data?.orders ?? [];
  if (!data) return section('Orders', h('p', { class: 'muted' }, 'Loading…'));
  if (orders.length === 0) return section('Orders', h('p', { class: 'muted' }, 'No orders found.'));
  return section('Orders', h('ul', { class: 'orders' }, orders.map(orderItem)));
}

function orderItem(order) {
  const items = (order.items ?? []).map((item) => `${item.quantity}× ${item.name}`).join(', ');
  const shipment = order.shipment;
  return h('li', { class: 'order' },
    h('div', { class: 'order-top' },
      h('span', { class: 'order-number' }, `#${order.number}`),
      h('span', { class: `state state-${order.status}` }, humanise(order.status))),
    h('div', { class: 'order-line muted' }, `${shortDate(order.placed_at)} · ${money(order.total, order.currency)}`),
    items ? h('div', { class: 'order-line' }, items) : null,
    shipment ? h('div', { class: 'order-line muted' },
      `${shipment.carrier} ${shipment.tracking_number} · ${humanise(shipment.status)}`
      + (shipment.estimated_delivery && !shipment.delivered_at ? ` · ETA ${shortDate(shipment.estimated_delivery)}` : '')) : null);
}

function pastSection(data, onOpenTicket) {
  const past = data?.past_tickets ?? [];
  if (past.length === 0) return section('Past tickets', h('p', { class: 'muted' }, data ? 'None.' : 'Loading…'));
  return section('Past tickets', h('ul', { class: 'past' }, past.map((ticket) => h('li', {},
    h('button', { type: 'button', class: 'link', onclick: () => onOpenTicket(ticket.id) }, `#${ticket.id}`),
    ` ${STATUSES[ticket.status] ?? ticket.status} · ${shortDate(ticket.created_at)}`,
    Number.isInteger(ticket.csat?.rating) ? ` · rated ${ticket.csat.rating}/5` : '',
    h('div', { class: 'chips' }, reasonBadges(ticket.reasons))))));
}

// What the agent is typing survives the panel being redrawn (e.g. when the customer data arrives).
const labelDraft = { ticketId: null, text: '' };

function labelsSection(detail, onLabels) {
  const labels = detail.labels ?? [];
  if (labelDraft.ticketId !== detail.id) Object.assign(labelDraft, { ticketId: detail.id, text: '' });
  const error = h('p', { class: 'inline-error compact', role: 'alert', hidden: true });
  const save = async (next) => {
    try {
      await onLabels(next);
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    }
  };
  const input = h('input', { type: 'text', id: 'label-input', maxlength: '40', placeholder: 'Add a label',
    'aria-label': 'Add a label', list: 'label-suggestions', autocomplete: 'off',
    oninput: () => { labelDraft.text = input.value; } });
  input.value = labelDraft.text;
  const form = h('form', { class: 'label-form', onsubmit: (event) => {
    event.preventDefault();
    const value = input.value.trim().toLowerCase();
    labelDraft.text = '';
    if (value && !labels.includes(value)) save([...labels, value]);
  } }, input, h('button', { class: 'button small', type: 'submit' }, 'Add'));
  return section('Labels',
    h('ul', { class: 'chips label-list', 'aria-label': 'Labels' }, labels.map((label) => h('li', { class: 'badge label' },
      label,
      h('button', { type: 'button', class: 'chip-remove', 'aria-label': `Remove label ${label}`,
        onclick: () => save(labels.filter((other) => other !== label)) }, '×')))),
    form, error);
}

function conversationsSection(data, onOpenTicket) {
  const earlier = data?.conversations ?? [];
  if (earlier.length === 0) {
    return section('Earlier conversations', h('p', { class: 'muted' }, data ? 'None on any channel.' : 'Loading…'));
  }
  return section('Earlier conversations', h('ul', { class: 'past', id: 'earlier-conversations' }, earlier.map((item) => h('li', {},
    h('span', { class: 'badge channel' }, channelLabel(item.channel)),
    ` ${shortDate(item.started_at)} · `,
    item.ticket ? h('button', { type: 'button', class: 'link', onclick: () => onOpenTicket(item.ticket.id) }, `#${item.ticket.id}`)
      : h('span', { class: 'muted' }, 'bot only'),
    Number.isInteger(item.ticket?.rating) ? ` · rated ${item.ticket.rating}/5` : '',
    item.preview ? h('div', { class: 'muted preview' }, item.preview) : null))));
}

function notesSection(notes) {
  const list = h('ul', { class: 'notes', id: 'notes-list', 'aria-label': 'Internal notes' },
    notes.map((note) => h('li', { class: 'note' },
      h('div', { class: 'note-meta' }, h('span', {}, note.agent?.display_name ?? 'Agent'),
        h('time', { datetime: note.created_at }, clockTime(note.created_at))),
      h('p', { class: 'note-text' }, note.text))));
  return section('Internal notes', notes.length ? list : h('p', { class: 'muted' },
    'No notes yet. Switch the reply box to "Internal note" to add one.'));
}
