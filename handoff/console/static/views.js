// The ticket lists' views and filters. The queue and "Mine" are live (pushed by the feed) and
// filtered here; "All open", "Resolved" and any search are asked of the hub, which searches
// the whole conversation text too.

import { byId, h } from './dom.js';
import { CHANNELS, REASONS, SEVERITIES } from './format.js';

export const TABS = ['queue', 'mine', 'open', 'resolved'];
const SERVER_VIEW = { queue: 'unassigned', mine: 'mine', open: 'open', resolved: 'resolved' };
const FIELDS = ['team', 'severity', 'reason', 'channel', 'label'];

export function readFilters() {
  const filters = { q: byId('filter-q').value.trim() };
  for (const name of FIELDS) filters[name] = byId(`filter-${name}`).value;
  return filters;
}

export function isLive(tab, filters) {
  return (tab === 'queue' || tab === 'mine') && !filters.q;
}

export function serverQuery(tab, filters) {
  const params = new URLSearchParams({ view: SERVER_VIEW[tab], limit: '200' });
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  return `/api/agent/tickets?${params}`;
}

export function matches(ticket, filters, me) {
  if (filters.team === 'none' && ticket.team) return false;
  if (filters.team === 'mine' && ticket.team && me?.teams?.length && !me.teams.includes(ticket.team)) return false;
  if (filters.team && !['none', 'mine'].includes(filters.team) && ticket.team !== filters.team) return false;
  if (filters.severity && ticket.severity !== filters.severity) return false;
  if (filters.reason && !(ticket.reasons ?? []).includes(filters.reason)) return false;
  if (filters.channel && ticket.channel !== filters.channel) return false;
  if (filters.label && !(ticket.labels ?? []).includes(filters.label)) return false;
  return true;
}

function options(select, entries, keep) {
  const current = select.value;
  const first = select.options[0];
  select.replaceChildren(first, ...entries.map(([value, label]) => h('option', { value }, label)));
  select.value = entries.some(([value]) => value === current) ? current : keep;
}

// Team choices depend on who is signed in: "My teams" (and the general queue) for agents with teams.
export function fillFilters({ teams, labels, me }) {
  const mine = me?.teams?.length ? [['mine', 'My teams + general']] : [];
  options(byId('filter-team'), [...mine, ['none', 'General queue'], ...teams.map((team) => [team, `Team ${team}`])],
    '');
  options(byId('filter-severity'), Object.entries(SEVERITIES), '');
  options(byId('filter-reason'), Object.entries(REASONS), '');
  options(byId('filter-channel'), Object.entries(CHANNELS), '');
  options(byId('filter-label'), labels.map(({ label }) => [label, label]), '');
  byId('label-suggestions').replaceChildren(...labels.map(({ label }) => h('option', { value: label })));
}

export function defaultTeamFilter(me) {
  return me?.teams?.length ? 'mine' : '';
}
