// The Reports screen, for supervisors and admins: a period, team and channel, a comparison with the
// period before, one tab per report (bot, service, agents, volume) and CSV exports. Metrics are
// defined in docs/METRICS.md; the hub computes them (GET /api/reports/<name>).

import { byId, download, h, latestOnly, showError } from './dom.js';
import { CHANNELS } from './format.js';
import { REPORT_TABS, renderReport } from './report_views.js';
import { fullScreen } from './screens.js';

const DAY_MS = 86400000;
// Two weeks against the two before: a new installation's 30 days of demo history (make run) fill both.
const DEFAULT_DAYS = 14;
const isoDay = (date) => date.toISOString().slice(0, 10);

export function createReports({ api, token }) {
  const state = { agent: null, tab: 'bot', loaded: null, built: false };
  const view = byId('reports-view');
  const toggle = byId('open-reports');

  function build() {
    if (state.built) return;
    state.built = true;
    const today = new Date();
    const form = h('form', { id: 'report-filters', class: 'report-filters', 'aria-label': 'Report filters' },
      h('label', { for: 'report-from', text: 'From' }), h('input', { id: 'report-from', type: 'date', value: isoDay(new Date(today - (DEFAULT_DAYS - 1) * DAY_MS)) }),
      h('label', { for: 'report-to', text: 'To' }), h('input', { id: 'report-to', type: 'date', value: isoDay(today) }),
      h('select', { id: 'report-team', 'aria-label': 'Team' }, h('option', { value: '', text: 'All teams' })),
      h('select', { id: 'report-channel', 'aria-label': 'Channel' }, h('option', { value: '', text: 'All channels' }),
        Object.entries(CHANNELS).map(([value, text]) => h('option', { value, text }))),
      h('label', { class: 'report-compare' }, h('input', { id: 'report-compare', type: 'checkbox', checked: true }),
        ' Compare with the period before'),
      h('button', { id: 'report-export', class: 'button', type: 'button', onclick: () => exportCsv(state.tab) }, 'Export CSV'),
      h('button', { id: 'report-export-tickets', class: 'button', type: 'button', onclick: () => exportCsv('tickets') },
        'Export tickets'));
    form.addEventListener('submit', (event) => { event.preventDefault(); load(); });
    form.addEventListener('change', () => load());
    const tabs = h('div', { class: 'tabs report-tabs', role: 'tablist', 'aria-label': 'Reports' },
      REPORT_TABS.map(([name, title]) => h('button', {
        id: `report-tab-${name}`, class: 'tab', type: 'button', role: 'tab', 'aria-selected': String(name === state.tab),
        'aria-controls': 'report-body', onclick: () => selectTab(name),
      }, title)));
    view.append(
      h('div', { class: 'report-head' }, h('h1', { text: 'Reports' }),
        h('button', { class: 'button ghost', type: 'button', onclick: close }, 'Back to tickets')),
      form, tabs, h('p', { id: 'report-error', class: 'form-error', role: 'alert', hidden: true }),
      h('div', { id: 'report-body', class: 'report-body', role: 'tabpanel', 'aria-live': 'polite' }));
    api.get('/api/agent/teams').then((answer) => {
      for (const team of answer.teams ?? []) byId('report-team').append(h('option', { value: team.name, text: team.title || team.name }));
    }).catch(() => {});
  }

  function query() {
    const params = new URLSearchParams({ from: byId('report-from').value, to: byId('report-to').value,
      compare: byId('report-compare').checked ? '1' : '0' });
    if (byId('report-team').value) params.set('team', byId('report-team').value);
    if (byId('report-channel').value) params.set('channel', byId('report-channel').value);
    return params.toString();
  }

  // Only the latest load shows its answer: an older one (other dates, another tab) that answers
  // later must not replace it, nor say the screen is ready while the latest is still on its way.
  const loads = latestOnly();

  async function load() {
    const tab = state.tab;
    const current = loads.start();
    const body = byId('report-body');
    body.setAttribute('aria-busy', 'true');
    try {
      const answer = await api.get(`/api/reports/${tab}?${query()}`);
      if (!current() || tab !== state.tab) return;
      showError(byId('report-error'), '');
      body.replaceChildren();
      renderReport(body, tab, answer);
      state.loaded = tab;
    } catch (error) {
      if (current()) showError(byId('report-error'), error.message);
    } finally {
      if (current()) body.removeAttribute('aria-busy');
    }
  }

  async function exportCsv(name) {
    try {
      await download(`/api/reports/${name}/csv?${query()}`, token, `shopdesk-${name}.csv`);
    } catch (error) {
      showError(byId('report-error'), error.message);
    }
  }

  function selectTab(name) {
    state.tab = name;
    for (const [tab] of REPORT_TABS) byId(`report-tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    load();
  }

  const { close } = fullScreen('reports', view, toggle, { onOpen: () => { build(); load(); } });

  return {
    signedIn(agent) {
      state.agent = agent;
      toggle.hidden = !(agent.role === 'supervisor' || agent.role === 'admin');
      if (toggle.hidden) close();
    },
    signedOut() {
      close();
      toggle.hidden = true;
    },
  };
}
