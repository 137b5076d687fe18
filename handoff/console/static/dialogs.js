// Transfer and snooze: small native dialogs (focus trapped, Escape closes), answering the
// updated ticket or null when cancelled.

import { byId, h, showError } from './dom.js';

export async function askTransfer(api, ticket, me) {
  const dialog = byId('transfer-dialog');
  const form = byId('transfer-form');
  showError(byId('transfer-error'), '');
  try {
    const [{ agents }, { teams }] = await Promise.all([api.get('/api/agent/agents'), api.get('/api/agent/teams')]);
    const others = agents.filter((agent) => agent.active !== false && agent.id !== me?.id && agent.id !== ticket.agent?.id)
      .sort((a, b) => available(b) - available(a) || (a.open_tickets - a.capacity) - (b.open_tickets - b.capacity));
    byId('transfer-agent').replaceChildren(...others.map((agent) => h('option', {
      value: String(agent.id), disabled: !available(agent) || null,
    }, `${agent.display_name} · ${agentState(agent)} · ${agent.open_tickets}/${agent.capacity}`)));
    // Nobody present with room: the queue is the honest default, not an offline colleague.
    const first = others.find(available);
    if (first) byId('transfer-agent').value = String(first.id);
    form.elements.target.value = first ? 'agent' : 'team';
    byId('transfer-team').replaceChildren(h('option', { value: '' }, 'General queue (anyone)'),
      ...teams.map((team) => h('option', { value: team }, `Team ${team}`)));
    byId('transfer-team').value = ticket.team ?? '';
  } catch (error) {
    showError(byId('transfer-error'), error.message);
  }
  return run(dialog, form, byId('transfer-error'), () => {
    const body = form.elements.target.value === 'team'
      ? { team: byId('transfer-team').value || null }
      : { agent_id: Number(byId('transfer-agent').value) };
    return api.post(`/api/agent/tickets/${ticket.id}/transfer`, body);
  });
}

function available(agent) {
  return agent.online && agent.open_tickets < agent.capacity;
}

function agentState(agent) {
  if (!agent.online) return agent.status === 'online' ? 'not seen lately' : agent.status;
  return agent.open_tickets >= agent.capacity ? 'full' : 'online';
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
