// Transfer and snooze: small native dialogs (focus trapped, Escape closes), answering the
// updated ticket or null when cancelled.

import { byId, h, showError } from './dom.js';

export async function askTransfer(api, ticket, me) {
  const dialog = byId('transfer-dialog');
  showError(byId('transfer-error'), '');
  try {
    const [{ agents }, { teams }] = await Promise.all([api.get('/api/agent/agents'), api.get('/api/agent/teams')]);
    const others = agents.filter((agent) => agent.id !== me?.id && agent.id !== ticket.agent?.id);
    byId('transfer-agent').replaceChildren(...others.map((agent) => h('option', { value: String(agent.id) },
      `${agent.display_name} · ${agent.online ? 'online' : agent.status} · ${agent.open_tickets}/${agent.capacity}`)));
    byId('transfer-team').replaceChildren(...teams.map((team) => h('option', { value: team }, team)));
  } catch (error) {
    showError(byId('transfer-error'), error.message);
  }
  return run(dialog, byId('transfer-form'), byId('transfer-error'), () => {
    const form = byId('transfer-form');
    const body = form.elements.target.value === 'team'
      ? { team: byId('transfer-team').value }
      : { agent_id: Number(byId('transfer-agent').value) };
    return api.post(`/api/agent/tickets/${ticket.id}/transfer`, body);
  });
}

export function askSnooze(api, ticket) {
  showError(byId('snooze-error'), '');
  const form = byId('snooze-form');
  return run(byId('snooze-dialog'), form, byId('snooze-error'),
    () => api.post(`/api/agent/tickets/${ticket.id}/snooze`, { minutes: Number(form.elements.minutes.value) }));
}

function run(dialog, form, errorElement, perform) {
  return new Promise((resolve) => {
    const cancel = () => finish(null);
    const submit = async (event) => {
      event.preventDefault();
      try {
        finish(await perform());
      } catch (error) {
        showError(errorElement, error.message);
      }
    };
    function finish(result) {
      form.removeEventListener('submit', submit);
      dialog.removeEventListener('close', cancel);
      for (const button of dialog.querySelectorAll('[data-close]')) button.removeEventListener('click', close);
      if (dialog.open) dialog.close();
      resolve(result);
    }
    const close = () => dialog.close();
    form.addEventListener('submit', submit);
    dialog.addEventListener('close', cancel);
    for (const button of dialog.querySelectorAll('[data-close]')) button.addEventListener('click', close);
    dialog.showModal();
  });
}
