// Canned replies (supervisors and admins): create, edit and delete, with the placeholders the
// reply box fills in for the ticket at hand ({customer_name} ...) shown and one click to insert.

import { h } from './dom.js';
import { change, confirmButton, field, section, statusLine, table } from './manage_forms.js';

export async function renderCanned(panel, context) {
  const { api } = context;
  const { canned, placeholders } = await api.get('/api/agent/canned');
  const note = statusLine();
  const editor = h('div', { class: 'manage-editor' });
  const act = (work, done) => change(context, note, work, done);
  const rows = canned.map((reply) => h('tr', { dataset: { cannedId: String(reply.id) } },
    h('td', { text: `/${reply.shortcut}` }), h('td', { text: reply.title }), h('td', { class: 'canned-text', text: reply.text }),
    h('td', {}, used(reply.text, placeholders).map((name) => h('code', { class: 'placeholder', text: `{${name}}` }))),
    h('td', { class: 'manage-actions' },
      h('button', { type: 'button', class: 'button small', 'aria-label': `Edit /${reply.shortcut}`,
        onclick: () => editor.replaceChildren(replyForm(reply, placeholders, note, (body) => act(
          () => api.patch(`/api/admin/canned/${reply.id}`, body), `/${body.shortcut ?? reply.shortcut} saved.`),
        () => editor.replaceChildren())) }, 'Edit'),
      confirmButton('Delete', 'Confirm delete', { 'aria-label': `Delete /${reply.shortcut}` },
        () => act(() => api.delete(`/api/agent/canned/${reply.id}`), `/${reply.shortcut} deleted.`)))));
  panel.append(
    section('New canned reply', replyForm(null, placeholders, note, (body) => act(() => api.post('/api/agent/canned', body),
      `/${body.shortcut} created: agents type it in the reply box.`))),
    note.element, editor,
    section('Canned replies', table('Agents pick them with "/" and the shortcut, or from the Canned replies list',
      ['Shortcut', 'Title', 'Text', 'Placeholders', 'Actions'], rows, 'No canned replies yet.')));
}

function used(text, placeholders) {
  return placeholders.filter((name) => text.includes(`{${name}}`));
}

function replyForm(reply, placeholders, note, submit, cancel) {
  const shortcut = h('input', { type: 'text', maxlength: '60', value: reply?.shortcut ?? '', autocomplete: 'off' });
  const title = h('input', { type: 'text', maxlength: '200', value: reply?.title ?? '', autocomplete: 'off' });
  const text = h('textarea', { rows: '4', maxlength: '4000' });
  text.value = reply?.text ?? '';
  const insert = (name) => {
    const at = text.selectionStart ?? text.value.length;
    text.setRangeText(`{${name}}`, at, text.selectionEnd ?? at, 'end');
    text.focus();
  };
  const label = reply ? `Edit /${reply.shortcut}` : 'New canned reply';
  const form = h('form', { class: 'manage-form', 'aria-label': label, novalidate: true },
    reply ? h('h3', { text: label }) : null,
    field('Shortcut', shortcut, 'Lowercase letters, digits, - or _; agents type /shortcut.'), field('Title', title),
    field('Reply text', text),
    h('p', { class: 'hint placeholders' }, 'Placeholders, filled in for each ticket (a missing one is worded away): ',
      placeholders.map((name) => h('button', { type: 'button', class: 'button small', title: 'Insert at the cursor',
        onclick: () => insert(name) }, `{${name}}`))),
    h('div', { class: 'dialog-actions' },
      cancel ? h('button', { type: 'button', class: 'button ghost', onclick: cancel }, 'Cancel') : null,
      h('button', { type: 'submit', class: 'button primary' }, reply ? 'Save reply' : 'Create reply')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = { shortcut: shortcut.value.trim(), title: title.value.trim(), text: text.value };
    if (!wanted.shortcut || !wanted.title || !wanted.text.trim()) {
      note.fail('A canned reply needs a shortcut, a title and a text.');
      return;
    }
    const body = reply ? Object.fromEntries(Object.entries(wanted).filter(([key, value]) => value !== reply[key])) : wanted;
    if (!Object.keys(body).length) {
      note.ok('Nothing changed.');
      return;
    }
    submit(body);
  });
  return form;
}
