// Teams: supervisors read them, admins create, rename (name and title), change the intents whose
// tickets a team takes, and delete one nobody uses any more (the hub says who still does).

import { h } from './dom.js';
import { change, confirmButton, field, section, statusLine, table } from './manage_forms.js';

const NAME_HINT = 'Lowercase letters, digits, - or _ (tickets and agents refer to it; renaming updates them).';

export async function renderTeams(panel, context) {
  const { api, isAdmin } = context;
  const { teams } = await api.get('/api/admin/teams');
  const note = statusLine();
  const editor = h('div', { class: 'manage-editor' });
  const act = (work, done) => change(context, note, work, done);
  const rows = teams.map((team) => h('tr', { dataset: { teamId: String(team.id) } },
    h('td', { text: team.name }), h('td', { text: team.title }),
    h('td', { text: (team.intents ?? []).join(', ') || '—' }),
    isAdmin ? h('td', { class: 'manage-actions' },
      h('button', { type: 'button', class: 'button small', 'aria-label': `Edit team ${team.title}`,
        onclick: () => editor.replaceChildren(teamForm(team, note, (body) => act(
          () => api.patch(`/api/admin/teams/${team.id}`, body), `Team ${body.title ?? team.title} saved.`),
        () => editor.replaceChildren())) }, 'Edit'),
      confirmButton('Delete', 'Confirm delete', { 'aria-label': `Delete team ${team.title}` },
        () => act(() => api.delete(`/api/admin/teams/${team.id}`), `Team ${team.title} deleted.`))) : null));
  panel.append(
    isAdmin ? section('New team', teamForm(null, note, (body) => act(() => api.post('/api/admin/teams', body),
      `Team ${body.title} created.`))) : h('p', { class: 'muted', text: 'Only admins change teams.' }),
    note.element, editor,
    section('Teams', table('Tickets of these intents go to the team; others to the general queue',
      ['Name', 'Title', 'Intents', ...(isAdmin ? ['Actions'] : [])], rows, 'No teams: every ticket is in the general queue.')));
}

function teamForm(team, note, submit, cancel) {
  const name = h('input', { type: 'text', maxlength: '20', value: team?.name ?? '', autocomplete: 'off' });
  const title = h('input', { type: 'text', maxlength: '80', value: team?.title ?? '', autocomplete: 'off' });
  const intents = h('input', { type: 'text', value: (team?.intents ?? []).join(', '), autocomplete: 'off' });
  const label = team ? `Edit team ${team.title}` : 'New team';
  const form = h('form', { class: 'manage-form', 'aria-label': label, novalidate: true },
    team ? h('h3', { text: label }) : null,
    field('Team name', name, NAME_HINT), field('Title', title),
    field('Intents', intents, "The bot's intents whose tickets this team takes, separated by commas."),
    h('div', { class: 'dialog-actions' },
      cancel ? h('button', { type: 'button', class: 'button ghost', onclick: cancel }, 'Cancel') : null,
      h('button', { type: 'submit', class: 'button primary' }, team ? 'Save team' : 'Create team')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = { name: name.value.trim(), title: title.value.trim(),
      intents: intents.value.split(',').map((intent) => intent.trim()).filter(Boolean) };
    if (!wanted.name || !wanted.title) {
      note.fail('A team needs a name and a title.');
      return;
    }
    const body = team ? Object.fromEntries(Object.entries(wanted)
      .filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(team[key]))) : wanted;
    if (!Object.keys(body).length) {
      note.ok('Nothing changed.');
      return;
    }
    submit(body);
  });
  return form;
}
