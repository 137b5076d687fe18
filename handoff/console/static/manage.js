// The Manage screen: agents, teams, canned replies, SLA targets and business hours, the questions
// after the rating, and the audit log, each tab for the roles its routes allow (agents see none of
// it; the hub refuses them too).

import { byId, h, latestOnly } from './dom.js';
import { renderAgents } from './manage_agents.js';
import { renderAudit } from './manage_audit.js';
import { renderCanned } from './manage_canned.js';
import { renderFeedback } from './manage_feedback.js';
import { renderSla } from './manage_sla.js';
import { renderTeams } from './manage_teams.js';
import { fullScreen } from './screens.js';

const RANK = { agent: 0, supervisor: 1, admin: 2 };
const TABS = [
  ['agents', 'Agents', 'admin', renderAgents],
  ['teams', 'Teams', 'supervisor', renderTeams],
  ['canned', 'Canned replies', 'supervisor', renderCanned],
  ['sla', 'SLA & hours', 'supervisor', renderSla],
  ['feedback', 'Feedback', 'supervisor', renderFeedback],
  ['audit', 'Audit log', 'supervisor', renderAudit],
];

export function createManage({ api, token }) {
  const state = { agent: null, tab: null };
  const view = byId('manage-view');
  const toggle = byId('open-manage');

  const allowed = () => TABS.filter(([, , role]) => RANK[state.agent?.role] >= RANK[role]);

  function build() {
    const tabs = allowed();
    if (!tabs.some(([name]) => name === state.tab)) state.tab = tabs[0]?.[0] ?? null;
    view.replaceChildren(
      h('div', { class: 'report-head' }, h('h1', { text: 'Manage' }),
        h('button', { class: 'button ghost', type: 'button', onclick: close }, 'Back to tickets')),
      h('div', { class: 'tabs report-tabs', role: 'tablist', 'aria-label': 'Manage' }, tabs.map(([name, title]) => h('button', {
        id: `manage-tab-${name}`, class: 'tab', type: 'button', role: 'tab', 'aria-selected': String(name === state.tab),
        'aria-controls': 'manage-body', onclick: () => select(name),
      }, title))),
      h('p', { id: 'manage-flash', class: 'manage-status', role: 'status', 'aria-live': 'polite', hidden: true }),
      h('div', { id: 'manage-body', class: 'report-body manage-body', role: 'tabpanel' }));
  }

  // Only the latest load shows its panel: opening the screen and clicking a tab at once start
  // two, and the older one must not replace a form the agent already types in.
  const loads = latestOnly();

  async function load() {
    const body = byId('manage-body');
    const entry = TABS.find(([name]) => name === state.tab);
    if (!body || !entry) return;
    const tab = state.tab;
    const current = loads.start();
    body.setAttribute('aria-busy', 'true');
    const panel = h('div', { class: 'manage-panel' });
    const context = { api, token, me: state.agent, isAdmin: state.agent?.role === 'admin', reload: load, flash };
    try {
      await entry[3](panel, context);
    } catch (error) {
      panel.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: error.message }));
    }
    if (!current() || tab !== state.tab) return;
    body.replaceChildren(panel);
    body.removeAttribute('aria-busy');
  }

  // What the last change did, kept above the tab while it reloads.
  function flash(message) {
    const line = byId('manage-flash');
    if (!line) return;
    line.textContent = message ?? '';
    line.hidden = !message;
  }

  function select(name) {
    state.tab = name;
    flash('');
    for (const [tab] of allowed()) byId(`manage-tab-${tab}`)?.setAttribute('aria-selected', String(tab === name));
    load();
  }

  const { close } = fullScreen('manage', view, toggle, { onOpen: () => { build(); load(); },
    onClose: () => view.replaceChildren() });

  return {
    signedIn(agent) {
      state.agent = agent;
      toggle.hidden = !(RANK[agent.role] >= RANK.supervisor);
      if (toggle.hidden) close();
    },
    signedOut() {
      close();
      state.agent = null;
      toggle.hidden = true;
    },
  };
}
