// Badges and live times shared by the queue, the ticket header and the customer panel.

import { h, setText } from './dom.js';
import { duration, reasonLabel, severityLabel, tierLabel } from './format.js';

export function severityBadge(severity) {
  return h('span', { class: `badge severity-${severity}`, title: 'Severity' }, severityLabel(severity));
}

// A VIP customer shows one VIP badge: the tier's, not also the "vip" handoff reason's.
export function reasonBadges(reasons = [], tier = null) {
  return reasons.filter((code) => !(code === 'vip' && tier === 'vip'))
    .map((code) => h('span', { class: 'badge reason', dataset: { reason: code } }, reasonLabel(code)));
}

export function tierBadge(tier) {
  return tier ? h('span', { class: `badge tier tier-${tier}`, title: 'Customer tier' }, tierLabel(tier)) : null;
}

// A live "waiting" time, updated by tick().
export function since(iso, prefix = '') {
  return h('span', { class: 'since', dataset: { since: iso, prefix } });
}

// The SLA that matters now: the first response until someone answered, then the resolution.
export function slaTimer(ticket) {
  if (ticket.status === 'resolved') return null;
  const firstPending = !ticket.first_response_at;
  const due = firstPending ? ticket.first_response_due : ticket.resolution_due;
  if (!due) return null;
  const breached = firstPending ? ticket.sla?.first_response_breached : ticket.sla?.resolution_breached;
  return h('span', {
    class: 'sla',
    title: firstPending ? 'First response due' : 'Resolution due',
    dataset: { due, label: firstPending ? 'First reply' : 'Resolve', breached: breached ? 'true' : 'false' },
  });
}

const SOON_MS = 5 * 60_000;

// Rewrites every live time under `root`; called once a second, touches only what changed.
export function tick(root, now) {
  for (const element of root.querySelectorAll('[data-since]')) {
    setText(element, `${element.dataset.prefix}${duration((now - Date.parse(element.dataset.since)) / 1000)}`);
  }
  for (const element of root.querySelectorAll('[data-due]')) {
    const left = Date.parse(element.dataset.due) - now;
    const breached = left <= 0 || element.dataset.breached === 'true';
    const text = left > 0
      ? `${element.dataset.label} in ${duration(left / 1000)}`
      : `${element.dataset.label} overdue ${duration(-left / 1000)}`;
    setText(element, text);
    element.classList.toggle('breached', breached);
    element.classList.toggle('soon', !breached && left < SOON_MS);
  }
}

export function labelChip(label) {
  return h('span', { class: 'badge label', title: 'Label' }, label);
}
