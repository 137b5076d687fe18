// SLA targets per severity and business hours: supervisors read them, admins change them. New
// tickets' due times follow at once; a due time while the shop is closed moves to the next
// opening (docs/METRICS.md).

import { h } from './dom.js';
import { severityLabel } from './format.js';
import { change, checkbox, field, section, statusLine } from './manage_forms.js';

const DAY_NAMES = { monday: 'Monday', tuesday: 'Tuesday', wednesday: 'Wednesday', thursday: 'Thursday', friday: 'Friday',
  saturday: 'Saturday', sunday: 'Sunday' };

export async function renderSla(panel, context) {
  const { api, isAdmin } = context;
  const settings = await api.get('/api/admin/sla');
  const note = statusLine();
  const locked = isAdmin ? null : true;
  const targets = settings.severities.map((severity) => {
    const target = settings.targets[severity];
    const minutes = (name, label) => h('input', { type: 'number', min: '1', max: '43200', value: String(target[name]),
      disabled: locked, 'aria-label': `${severityLabel(severity)} ${label} (minutes)`, dataset: { severity, target: name } });
    return h('tr', {}, h('th', { scope: 'row', text: severityLabel(severity) }),
      h('td', {}, minutes('first_response_minutes', 'first response')), h('td', {}, minutes('resolution_minutes', 'resolution')));
  });
  const hours = settings.business_hours;
  const enabled = checkbox('Keep business hours (otherwise the clock runs around the day)',
    { checked: hours.enabled || null, disabled: locked, id: 'sla-hours-enabled' });
  const zone = h('input', { type: 'text', value: hours.timezone, list: 'sla-zones', disabled: locked, maxlength: '60' });
  const zones = h('datalist', { id: 'sla-zones' }, (Intl.supportedValuesOf?.('timeZone') ?? []).map((name) => h('option', { value: name })));
  const days = settings.weekdays.map((day) => dayRow(day, hours.week[day], locked));
  const form = h('form', { class: 'manage-form sla-form', 'aria-label': 'SLA and business hours', novalidate: true },
    section('Targets', h('table', { class: 'report-table manage-table' },
      h('caption', { text: 'Minutes from the handoff, per severity' }),
      h('thead', {}, h('tr', {}, ['Severity', 'First response', 'Resolution'].map((text) => h('th', { scope: 'col', text })))),
      h('tbody', {}, targets))),
    section('Business hours', enabled, field('Time zone', zone), zones,
      h('table', { class: 'report-table manage-table' }, h('caption', { text: 'Opening hours in that time zone' }),
        h('thead', {}, h('tr', {}, ['Day', 'Open', 'Opens', 'Closes'].map((text) => h('th', { scope: 'col', text })))),
        h('tbody', {}, days)),
      h('p', { class: 'hint', text: 'A due time that falls while the shop is closed moves to the next opening.' })),
    isAdmin ? h('button', { type: 'submit', class: 'button primary' }, 'Save SLA settings')
      : h('p', { class: 'muted', text: 'Only admins change these.' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { targets: readTargets(form), business_hours: { enabled: enabled.querySelector('input').checked,
      timezone: zone.value.trim(), week: readWeek(form, settings.weekdays) } };
    change(context, note, () => api.put('/api/admin/sla', body), 'SLA settings saved: new tickets are due by them.');
  });
  panel.append(note.element, form);
}

function dayRow(day, span, locked) {
  const open = h('input', { type: 'checkbox', checked: span ? true : null, disabled: locked,
    'aria-label': `Open on ${DAY_NAMES[day]}`, dataset: { day, part: 'open' } });
  const clock = (part, value) => h('input', { type: 'time', value, disabled: locked,
    'aria-label': `${DAY_NAMES[day]} ${part}`, dataset: { day, part } });
  return h('tr', {}, h('th', { scope: 'row', text: DAY_NAMES[day] }), h('td', {}, open),
    h('td', {}, clock('opens', span?.opens ?? '09:00')), h('td', {}, clock('closes', span?.closes === '24:00' ? '23:59' : span?.closes ?? '17:00')));
}

function readTargets(form) {
  const targets = {};
  for (const input of form.querySelectorAll('input[data-target]')) {
    targets[input.dataset.severity] = { ...targets[input.dataset.severity], [input.dataset.target]: Number(input.value) };
  }
  return targets;
}

function readWeek(form, weekdays) {
  const part = (day, name) => form.querySelector(`input[data-day="${day}"][data-part="${name}"]`);
  // A time input cannot say 24:00; 23:59 is as late as it goes, and means "until midnight".
  const closing = (value) => (value === '23:59' ? '24:00' : value);
  return Object.fromEntries(weekdays.map((day) => [day, part(day, 'open').checked
    ? { opens: part(day, 'opens').value, closes: closing(part(day, 'closes').value) } : null]));
}
