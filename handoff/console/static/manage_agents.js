// Agents (admins): create an account with its role, teams, capacity and whether it takes tickets;
// change any of them or the password; deactivate and reactivate; remove a lost second factor.
// The hub refuses an admin's
// own deactivation or demotion and the last admin's; its message is shown as it comes.

import { h } from './dom.js';
import { change, checkbox, confirmButton, field, section, statusLine, table } from './manage_forms.js';

const ROLES = [['agent', 'Agent'], ['supervisor', 'Supervisor'], ['admin', 'Admin']];

export async function renderAgents(panel, context) {
  const { api, me } = context;
  const [{ agents }, { teams }] = await Promise.all([api.get('/api/admin/agents'), api.get('/api/admin/teams')]);
  const note = statusLine();
  const editor = h('div', { class: 'manage-editor' });
  const act = (work, done) => change(context, note, work, done);
  const rows = agents.map((agent) => agentRow(agent, me, {
    edit: () => editor.replaceChildren(editForm(agent, teams, me, note, (body) => act(
      () => api.patch(`/api/admin/agents/${agent.id}`, body), `${agent.display_name}: saved.`), () => editor.replaceChildren())),
    setActive: (active) => act(() => api.patch(`/api/admin/agents/${agent.id}`, { active }),
      `${agent.display_name} ${active ? 'can sign in again' : 'is deactivated: signed out, tickets back in the queue'}.`),
    resetFactor: () => act(() => api.delete(`/api/admin/agents/${agent.id}/second-factor`),
      `${agent.display_name}'s second factor is removed: they add one again at their next sign-in if their role needs it.`),
  }));
  panel.append(
    section('New agent', createForm(teams, note, (body) => act(() => api.post('/api/admin/agents', body),
      `${body.display_name} can now sign in as ${body.email}.`))),
    note.element, editor,
    section('Agents', table('Every account, active or not', ['Name', 'Email', 'Role', 'Teams', 'Tickets', 'Takes tickets',
      'Status', 'Actions'], rows, 'No agents yet.')));
}

function roleSelect(value, props = {}) {
  const select = h('select', props, ROLES.map(([role, label]) => h('option', { value: role, text: label })));
  select.value = value;
  return select;
}

function teamChoices(teams, chosen) {
  return h('fieldset', { class: 'manage-choices' }, h('legend', { text: 'Teams' }),
    teams.length ? teams.map((team) => checkbox(team.title || team.name,
      { name: 'teams', value: team.name, checked: chosen.includes(team.name) || null }))
      : h('p', { class: 'muted', text: 'No teams: the agent takes the general queue.' }));
}

const checkedTeams = (form) => [...form.querySelectorAll('input[name=teams]:checked')].map((input) => input.value);

function createForm(teams, note, submit) {
  const name = h('input', { type: 'text', maxlength: '120', required: true, autocomplete: 'off' });
  const email = h('input', { type: 'email', maxlength: '320', required: true, autocomplete: 'off' });
  const password = h('input', { type: 'password', minlength: '10', maxlength: '1024', required: true, autocomplete: 'new-password' });
  const role = roleSelect('agent');
  const capacity = h('input', { type: 'number', min: '0', max: '100', value: '3', required: true });
  const takes = checkbox('Takes tickets', { checked: true });
  // Agents always take tickets; supervisors and admins only when they choose to.
  role.addEventListener('change', () => { takes.querySelector('input').checked = role.value === 'agent'; });
  const form = h('form', { class: 'manage-form', 'aria-label': 'New agent', novalidate: true },
    field('Name', name), field('Email', email), field('Password', password, 'At least 10 characters; tell them in person.'),
    field('Role', role), field('Capacity', capacity, 'Chats at once'), teamChoices(teams, []), takes,
    h('button', { type: 'submit', class: 'button primary' }, 'Create agent'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!name.value.trim() || !email.value.trim() || !password.value) {
      note.fail('Enter a name, an email and a password.');
      return;
    }
    submit({ display_name: name.value.trim(), email: email.value.trim(), password: password.value, role: role.value,
      teams: checkedTeams(form), capacity: Number(capacity.value), takes_tickets: takes.querySelector('input').checked });
  });
  return form;
}

function agentRow(agent, me, { edit, setActive, resetFactor }) {
  const self = agent.id === me?.id;
  const status = (agent.active ? (agent.online ? 'Active · online' : `Active · ${agent.status}`) : 'Deactivated')
    + (agent.second_factor ? ' · second factor' : '');
  // A lost phone: the admin removes the factor (never their own here: they still have theirs).
  const reset = agent.second_factor && !self ? confirmButton('Reset second factor', 'Confirm reset',
    { 'aria-label': `Reset second factor of ${agent.display_name}` }, resetFactor) : null;
  const toggle = agent.active
    ? confirmButton('Deactivate', 'Confirm deactivation', { 'aria-label': `Deactivate ${agent.display_name}`,
      disabled: self || null, title: self ? 'You cannot deactivate your own account' : null }, () => setActive(false))
    : h('button', { type: 'button', class: 'button small', 'aria-label': `Reactivate ${agent.display_name}`,
      onclick: () => setActive(true) }, 'Reactivate');
  return h('tr', { dataset: { agentId: String(agent.id) }, class: agent.active ? null : 'inactive' },
    h('td', { text: agent.display_name }), h('td', { text: agent.email }),
    h('td', { text: ROLES.find(([role]) => role === agent.role)?.[1] ?? agent.role }),
    h('td', { text: (agent.teams ?? []).join(', ') || 'General queue' }),
    h('td', { text: `${agent.open_tickets ?? 0} / ${agent.capacity}` }),
    h('td', { text: agent.takes_tickets ? 'Yes' : 'No' }), h('td', { text: status }),
    h('td', { class: 'manage-actions' }, h('button', { type: 'button', class: 'button small',
      'aria-label': `Edit ${agent.display_name}`, onclick: edit }, 'Edit'), toggle, reset));
}

function editForm(agent, teams, me, note, save, cancel) {
  const self = agent.id === me?.id;
  const name = h('input', { type: 'text', maxlength: '120', value: agent.display_name });
  const role = roleSelect(agent.role, { disabled: self || null, title: self ? 'You cannot change your own role' : null });
  const capacity = h('input', { type: 'number', min: '0', max: '100', value: String(agent.capacity) });
  const takes = checkbox('Takes tickets', { checked: agent.takes_tickets || null });
  const password = h('input', { type: 'password', minlength: '10', maxlength: '1024', autocomplete: 'new-password' });
  const form = h('form', { class: 'manage-form', 'aria-label': `Edit ${agent.display_name}`, novalidate: true },
    h('h3', { text: `Edit ${agent.display_name}` }), field('Name', name), field('Role', role), field('Capacity', capacity),
    teamChoices(teams, agent.teams ?? []), takes,
    field('New password', password, 'Leave empty to keep it; a new one signs them out everywhere.'),
    h('div', { class: 'dialog-actions' }, h('button', { type: 'button', class: 'button ghost', onclick: cancel }, 'Cancel'),
      h('button', { type: 'submit', class: 'button primary' }, 'Save changes')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = { display_name: name.value.trim(), role: role.value, capacity: Number(capacity.value),
      teams: checkedTeams(form), takes_tickets: takes.querySelector('input').checked };
    const body = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(agent[key])));
    if (password.value) body.password = password.value;
    if (!Object.keys(body).length) {
      note.ok('Nothing changed.');
      return;
    }
    save(body);
  });
  return form;
}
