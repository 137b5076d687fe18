// What the hub asks shoppers after an agent resolved: the 1-5 rating always, then, if the shop
// wants it, "How likely are you to recommend us to a friend, 0-10?" (NPS), then a comment.
// Supervisors read the setting, admins change it; conversations resolved after follow at once.

import { h } from './dom.js';
import { change, checkbox, section, statusLine } from './manage_forms.js';

export async function renderFeedback(panel, context) {
  const { api, isAdmin } = context;
  const settings = await api.get('/api/admin/feedback');
  const note = statusLine();
  const nps = checkbox('After the rating, ask “How likely are you to recommend us to a friend, 0-10?”',
    { checked: settings.nps.enabled || null, disabled: isAdmin ? null : true, id: 'feedback-nps-enabled' });
  const form = h('form', { class: 'manage-form', 'aria-label': 'Feedback questions', novalidate: true },
    section('After an agent resolves', nps,
      h('p', { class: 'hint', text: 'Shoppers tap 0 to 10 or type it; anything else skips the question. '
        + 'The Service report shows the NPS: % who answer 9-10 minus % who answer 0-6.' })),
    isAdmin ? h('button', { type: 'submit', class: 'button primary' }, 'Save feedback settings')
      : h('p', { class: 'muted', text: 'Only admins change these.' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const enabled = nps.querySelector('input').checked;
    change(context, note, () => api.put('/api/admin/feedback', { nps: { enabled } }),
      enabled ? 'Saved: shoppers are asked the NPS question after the rating.' : 'Saved: no NPS question after the rating.');
  });
  panel.append(note.element, form);
}
