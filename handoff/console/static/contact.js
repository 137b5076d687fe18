// The shopper's contact (handoff/API.md, "Contacts and personal data"): on the ticket's customer
// panel and on the contact page. Tier, tags (their own and the rules'), notes, and the email, phone
// and address, masked for roles without the personal data permission: revealing one asks why,
// and the hub keeps the reason in the audit log.

import { h, showError } from './dom.js';
import { tierBadge } from './badges.js';
import { clockTime, money, shortDate } from './format.js';

const REVEALABLE = [['email', 'Email'], ['phone', 'Phone'], ['address', 'Address']];

// Values revealed in this page's life, by contact: a redraw keeps them, a reload masks again.
const revealed = new Map();

export function contactFacts(contact, { api, onRevealed }) {
  const shown = { ...contact, ...(revealed.get(contact.id) ?? {}) };
  const rows = [];
  for (const [field, label] of REVEALABLE) {
    if (!shown[field]) continue;
    const masked = contact.masked && !(revealed.get(contact.id) ?? {})[field];
    rows.push(h('dt', {}, label), h('dd', { dataset: { field } }, shown[field],
      masked ? h('button', { type: 'button', class: 'link reveal', 'aria-label': `Reveal ${label.toLowerCase()}`,
        onclick: () => askReveal(api, contact, field, onRevealed) }, ' Reveal') : null));
  }
  rows.push(h('dt', {}, 'Orders'), h('dd', {}, `${contact.order_count} · ${money(contact.lifetime_value, 'EUR')} in all`));
  if (contact.last_order_at) rows.push(h('dt', {}, 'Last order'), h('dd', {}, shortDate(contact.last_order_at)));
  return h('dl', { class: 'facts contact-facts' }, rows);
}

export function contactHeading(contact) {
  return h('p', { class: 'customer-name' }, contact.name || 'Guest shopper', ' ', tierBadge(contact.tier),
    contact.identified ? null : h('span', { class: 'badge' }, 'Guest'));
}

export function tagEditor(contact, { api, onChanged }) {
  const tags = contact.tags ?? [];
  const own = tags.filter((tag) => tag.source === 'manual').map((tag) => tag.tag);
  const error = h('p', { class: 'inline-error compact', role: 'alert', hidden: true });
  const save = async (next) => {
    try {
      const answer = await api.put(`/api/contacts/${contact.id}/tags`, { tags: next });
      onChanged({ ...contact, tags: answer.tags });
    } catch (failure) {
      showError(error, failure.message);
    }
  };
  const input = h('input', { type: 'text', class: 'contact-tag-input', maxlength: '40', placeholder: 'Add a tag',
    'aria-label': 'Add a tag to the contact', autocomplete: 'off' });
  const form = h('form', { class: 'label-form', onsubmit: (event) => {
    event.preventDefault();
    const value = input.value.trim().toLowerCase();
    if (value && !own.includes(value)) save([...own, value]);
  } }, input, h('button', { class: 'button small', type: 'submit' }, 'Tag'));
  return h('div', { class: 'contact-tags' },
    h('ul', { class: 'chips tag-list', 'aria-label': 'Contact tags' }, tags.map((tag) => h('li', {
      class: `badge tag tag-${tag.source}`, title: tag.source === 'rule' ? 'From a rule' : 'Added by an agent',
    }, tag.tag, tag.source === 'manual' ? h('button', { type: 'button', class: 'chip-remove',
      'aria-label': `Remove tag ${tag.tag}`, onclick: () => save(own.filter((other) => other !== tag.tag)) }, '×') : null))),
    form, error);
}

export function contactNotes(contact, { api, onChanged }) {
  const notes = contact.notes ?? [];
  const error = h('p', { class: 'inline-error compact', role: 'alert', hidden: true });
  const text = h('textarea', { rows: '2', maxlength: '4000', class: 'contact-note-input',
    'aria-label': 'Note about this customer', placeholder: 'A note about this customer (all agents see it)' });
  const form = h('form', { class: 'contact-note-form', onsubmit: async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    try {
      const note = await api.post(`/api/contacts/${contact.id}/notes`, { text: text.value });
      onChanged({ ...contact, notes: [note, ...notes] });
    } catch (failure) {
      showError(error, failure.message);
    }
  } }, text, h('button', { class: 'button small', type: 'submit' }, 'Add note'), error);
  return h('div', {},
    h('ul', { class: 'notes contact-notes', 'aria-label': 'Notes about the customer' }, notes.map((note) => h('li', { class: 'note' },
      h('div', { class: 'note-meta' }, h('span', {}, note.agent?.display_name ?? 'Agent'),
        h('time', { datetime: note.created_at }, `${shortDate(note.created_at)} ${clockTime(note.created_at)}`)),
      h('p', { class: 'note-text' }, note.text)))),
    form);
}

function askReveal(api, contact, field, onRevealed) {
  const reason = h('input', { type: 'text', id: 'reveal-reason', maxlength: '500',
    placeholder: 'e.g. the shopper asks for a call back' });
  const error = h('p', { class: 'inline-error compact', role: 'alert', hidden: true });
  const dialog = h('dialog', { id: 'reveal-dialog', 'aria-labelledby': 'reveal-title' });
  const form = h('form', { class: 'dialog-body', method: 'dialog' },
    h('h2', { id: 'reveal-title' }, `Reveal the ${field}`),
    h('p', { class: 'hint' }, 'Personal data is masked for your role. Say why you need it: the reason is kept in the audit log.'),
    h('label', { for: 'reveal-reason' }, 'Reason'), reason, error,
    h('div', { class: 'dialog-actions' },
      h('button', { class: 'button ghost', type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { class: 'button primary', type: 'submit', id: 'reveal-submit' }, 'Reveal')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const values = await api.post(`/api/contacts/${contact.id}/reveal`, { fields: [field], reason: reason.value });
      revealed.set(contact.id, { ...(revealed.get(contact.id) ?? {}), ...values });
      dialog.close();
      onRevealed();
    } catch (failure) {
      showError(error, failure.message);
    }
  });
  dialog.append(form);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  reason.focus();
}
