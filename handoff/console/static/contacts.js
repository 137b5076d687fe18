// The contact list (supervisors and admins: search and filters) and a contact's page (the whole
// story: every conversation on every channel with its rating, tags, notes, how we know who they
// are), in one large dialog over the console. Admins export and erase a shopper's data here.

import { download, h, showError } from './dom.js';
import { tierBadge } from './badges.js';
import { contactFacts, contactHeading, contactNotes, tagEditor } from './contact.js';
import { CHANNELS, channelLabel, counted, humanise, shortDate, STATUSES } from './format.js';

const PROOFS = {
  signed_identity: "the shop's signed identity", bot_verified_order: 'an order the bot verified',
  order_and_contact: 'an order number with its email or phone',
};

export function createContacts({ api, me, token, onOpenTicket }) {
  const dialog = h('dialog', { id: 'contacts-dialog', class: 'wide-dialog', 'aria-labelledby': 'contacts-title' });
  const body = h('div', { class: 'dialog-body contacts-body' });
  dialog.append(body);
  document.body.append(dialog);
  let filters = { q: '', tier: '', channel: '', identified: '', tag: '' };

  function show(...content) {
    body.replaceChildren(...content);
    if (!dialog.open) dialog.showModal();
  }

  function closeButton() {
    return h('button', { type: 'button', class: 'button ghost', onclick: () => dialog.close() }, 'Close');
  }

  async function openList() {
    const error = h('p', { class: 'inline-error compact', role: 'alert', hidden: true });
    const results = h('ul', { class: 'contact-list', id: 'contact-list', 'aria-label': 'Contacts' });
    const form = filterForm(async () => load());
    async function load() {
      const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value));
      try {
        const { contacts } = await api.get(`/api/contacts?${query}`);
        results.replaceChildren(...(contacts.length ? contacts.map(row) : [h('li', { class: 'muted' }, 'No contacts match.')]));
        showError(error, '');
      } catch (failure) {
        showError(error, failure.message);
      }
    }
    show(h('div', { class: 'dialog-top' }, h('h2', { id: 'contacts-title' }, 'Contacts'), closeButton()), form, error, results);
    await load();
  }

  function filterForm(reload) {
    const input = (name, props) => h('input', { ...props, value: filters[name], oninput: (event) => {
      filters = { ...filters, [name]: event.target.value.trim() };
      reload();
    } });
    const select = (name, label, options) => {
      const element = h('select', { 'aria-label': label, onchange: (event) => {
        filters = { ...filters, [name]: event.target.value };
        reload();
      } }, options.map(([value, text]) => h('option', { value }, text)));
      element.value = filters[name];
      return element;
    };
    return h('form', { class: 'filters contact-filters', role: 'search', onsubmit: (event) => event.preventDefault() },
      input('q', { type: 'search', id: 'contact-q', placeholder: 'Search name, email, phone, customer number',
        'aria-label': 'Search contacts', autocomplete: 'off' }),
      h('div', { class: 'filter-row' },
        select('tier', 'Filter by tier', [['', 'Any tier'], ['vip', 'VIP'], ['regular', 'Regular'], ['new', 'New'], ['at_risk', 'At risk']]),
        select('channel', 'Filter by channel', [['', 'Any channel'], ...Object.entries(CHANNELS)]),
        select('identified', 'Known to the shop', [['', 'Customers and guests'], ['true', 'Shop customers'], ['false', 'Guests']]),
        input('tag', { type: 'text', placeholder: 'Tag', 'aria-label': 'Filter by tag', maxlength: '40' })));
  }

  function row(contact) {
    return h('li', { class: 'contact-row' },
      h('button', { type: 'button', class: 'link', onclick: () => openContact(contact.id) }, contact.name || `Guest #${contact.id}`),
      ' ', tierBadge(contact.tier), contact.identified ? null : h('span', { class: 'badge' }, 'Guest'),
      h('div', { class: 'muted' }, [contact.email, contact.phone].filter(Boolean).join(' · ')),
      h('div', { class: 'muted' }, `${counted(contact.conversations, 'conversation')} · ${counted(contact.tickets, 'ticket')} · `
        + (contact.channels ?? []).map((channel) => channelLabel(channel)).join(', ')));
  }

  async function openContact(id) {
    try {
      render(await api.get(`/api/contacts/${id}`));
    } catch (failure) {
      show(h('div', { class: 'dialog-top' }, h('h2', { id: 'contacts-title' }, 'Contact'), closeButton()),
        h('p', { class: 'inline-error compact', role: 'alert' }, failure.message));
    }
  }

  function render(contact) {
    const redraw = (next) => render(next ?? contact);
    const options = { api, onChanged: redraw, onRevealed: () => redraw() };
    const back = me()?.role !== 'agent'
      ? h('button', { type: 'button', class: 'button ghost', onclick: openList }, 'All contacts') : null;
    show(
      h('div', { class: 'dialog-top' }, h('h2', { id: 'contacts-title' }, 'Contact'), h('div', {}, back, closeButton())),
      h('section', { class: 'contact-page', id: 'contact-page', dataset: { contactId: String(contact.id) } },
        contactHeading(contact), contactFacts(contact, options),
        h('h3', {}, 'Tags'), tagEditor(contact, options),
        h('h3', {}, 'Conversations on every channel'), conversations(contact),
        h('h3', {}, 'Notes'), contactNotes(contact, options),
        h('h3', {}, 'How we know who they are'), history(contact),
        me()?.role === 'admin' ? adminActions(contact) : null));
  }

  function conversations(contact) {
    const items = contact.conversations ?? [];
    if (!items.length) return h('p', { class: 'muted' }, 'None yet.');
    return h('ul', { class: 'past', id: 'contact-conversations' }, items.map((item) => h('li', {},
      h('span', { class: 'badge channel' }, channelLabel(item.channel)),
      ` ${shortDate(item.started_at)} · `,
      item.ticket ? h('button', { type: 'button', class: 'link', onclick: () => { dialog.close(); onOpenTicket(item.ticket.id); } },
        `#${item.ticket.id}`) : h('span', { class: 'muted' }, 'bot only'),
      item.ticket ? ` ${STATUSES[item.ticket.status] ?? item.ticket.status}` : '',
      Number.isInteger(item.ticket?.rating) ? ` · rated ${item.ticket.rating}/5` : '',
      item.preview ? h('div', { class: 'muted preview' }, item.preview) : null)));
  }

  function history(contact) {
    const steps = contact.history ?? [];
    if (!steps.length) return h('p', { class: 'muted' }, 'A guest: not matched to a shop customer.');
    return h('ul', { class: 'past' }, steps.map((step) => h('li', {},
      `${shortDate(step.at)} · ${step.kind === 'merged' ? `merged contact #${step.merged_contact_id}` : 'identified'} by `
      + `${PROOFS[step.proof] ?? humanise(step.proof)}${step.order_number ? ` (order ${step.order_number})` : ''}`)));
  }

  function adminActions(contact) {
    const error = h('p', { class: 'inline-error compact', role: 'alert', hidden: true });
    const reason = h('input', { type: 'text', id: 'erase-reason', maxlength: '500', 'aria-label': 'Reason for erasing',
      placeholder: 'Why (e.g. the shopper asked by email on 1 Dec)' });
    const confirmButton = h('button', { type: 'button', class: 'button danger', id: 'erase-confirm', hidden: true,
      onclick: () => erase() }, 'Yes, erase everything: it cannot be undone');
    const erase = async () => {
      try {
        const answer = await api.post(`/api/contacts/${contact.id}/erase`, { reason: reason.value });
        show(h('div', { class: 'dialog-top' }, h('h2', { id: 'contacts-title' }, 'Contact erased'), closeButton()),
          h('p', { id: 'erase-done' }, `Erased: ${answer.erased.conversations} conversations, ${answer.erased.messages} messages, `
            + `${answer.erased.attachments} photos, ${answer.erased.tracker_events} bot events.`));
      } catch (failure) {
        showError(error, failure.message);
      }
    };
    return h('section', { class: 'contact-admin' }, h('h3', {}, "The shopper's data"),
      h('div', { class: 'dialog-actions start' },
        h('button', { type: 'button', class: 'button', onclick: () => exportData(contact, 'json', error) }, 'Export JSON'),
        h('button', { type: 'button', class: 'button', onclick: () => exportData(contact, 'csv', error) }, 'Export CSV')),
      h('div', { class: 'label-form' }, reason, h('button', { type: 'button', class: 'button', id: 'erase-contact',
        onclick: () => { confirmButton.hidden = false; confirmButton.focus(); } }, 'Erase…')),
      confirmButton, error);
  }

  async function exportData(contact, format, error) {
    try {
      await download(`/api/contacts/${contact.id}/export?format=${format}`, token, `contact-${contact.id}.${format}`);
    } catch (failure) {
      showError(error, failure.message);
    }
  }

  return { openList, openContact };
}
