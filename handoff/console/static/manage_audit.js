// The audit log (supervisors and admins): who did what to which record, with each changed field
// before and after; filtered by actor, action, subject and dates, a page at a time, and exported
// as CSV (the export lands in the log too).

import { download, h } from './dom.js';
import { clockTime, humanise } from './format.js';
import { detailLines, section, statusLine } from './manage_forms.js';

const PAGE = 50;

export async function renderAudit(panel, context) {
  const { api, token } = context;
  const [{ agents }, first] = await Promise.all([api.get('/api/agent/agents'), api.get(`/api/admin/audit?limit=${PAGE}`)]);
  const note = statusLine();
  const actor = h('select', { id: 'audit-actor', 'aria-label': 'Filter by actor' }, h('option', { value: '', text: 'Anyone' }),
    agents.map((agent) => h('option', { value: String(agent.id), text: agent.display_name })));
  const action = h('select', { id: 'audit-action', 'aria-label': 'Filter by action' }, h('option', { value: '', text: 'Any action' }),
    first.actions.map((name) => h('option', { value: name, text: humanise(name) })));
  const subject = h('input', { id: 'audit-subject', type: 'search', maxlength: '200', placeholder: 'Subject contains',
    'aria-label': 'Filter by subject', autocomplete: 'off' });
  const from = h('input', { id: 'audit-from', type: 'date', 'aria-label': 'From date' });
  const to = h('input', { id: 'audit-to', type: 'date', 'aria-label': 'To date' });
  const rows = h('tbody', {});
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Load older entries');
  let next = null;
  let attempt = 0;

  const query = () => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    for (const [name, input] of [['agent_id', actor], ['action', action], ['q', subject], ['from', from], ['to', to]]) {
      if (input.value.trim()) params.set(name, input.value.trim());
    }
    return params;
  };
  const show = (page, append) => {
    if (!append) rows.replaceChildren();
    rows.append(...page.entries.map(entryRow));
    if (!rows.children.length) rows.append(h('tr', {}, h('td', { colspan: '6', class: 'muted', text: 'No entries match.' })));
    next = page.next_before_id;
    more.hidden = next === null;
  };
  const load = async (append) => {
    const params = query();
    if (append && next) params.set('before_id', String(next));
    const mine = ++attempt;
    try {
      const page = await api.get(`/api/admin/audit?${params}`);
      if (mine !== attempt) return;
      note.ok('');
      show(page, append);
    } catch (error) {
      note.fail(error.message);
    }
  };
  more.addEventListener('click', () => load(true));
  const filters = h('form', { class: 'report-filters', role: 'search', 'aria-label': 'Audit log filters' },
    actor, action, subject, h('span', { class: 'filter-pair' }, h('label', { for: 'audit-from', text: 'From' }), from),
    h('span', { class: 'filter-pair' }, h('label', { for: 'audit-to', text: 'To' }), to),
    h('button', { type: 'button', class: 'button', id: 'audit-export', onclick: async () => {
      const params = query();
      params.delete('limit');
      try {
        const headers = await download(`/api/admin/audit/csv?${params}`, token, 'shopdesk-audit.csv');
        const kept = headers.get('x-shopdesk-truncated');
        note.ok(kept ? `The file holds only the newest ${Number(kept).toLocaleString('en')} matching entries `
          + '(the most one export holds): set an earlier To date to export the older ones.' : '');
      } catch (error) {
        note.fail(error.message);
      }
    } }, 'Export CSV'));
  filters.addEventListener('submit', (event) => { event.preventDefault(); load(false); });
  filters.addEventListener('change', () => load(false));
  subject.addEventListener('input', () => load(false));
  panel.append(filters, note.element, section('Audit log', h('table', { class: 'report-table manage-table audit-table' },
    h('caption', { text: 'Newest first' }),
    h('thead', {}, h('tr', {}, ['When', 'Who', 'Action', 'Subject', 'Details', 'Address'].map((text) => h('th', { scope: 'col', text })))),
    rows), more));
  show(first, false);
}

function entryRow(entry) {
  const lines = detailLines(entry.details);
  return h('tr', { dataset: { auditId: String(entry.id), action: entry.action } },
    h('td', { text: clockTime(entry.at), title: entry.at }),
    h('td', { text: entry.agent?.display_name ?? '(unknown account)' }),
    h('td', { text: humanise(entry.action) }),
    h('td', { text: [entry.subject, entry.ticket_id ? `ticket #${entry.ticket_id}` : null].filter(Boolean).join(' · ') }),
    h('td', { class: 'audit-details' }, lines.length ? h('ul', {}, lines.map((line) => h('li', { text: line }))) : '—'),
    h('td', { text: entry.address ?? '' }));
}
