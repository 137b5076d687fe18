// What each report looks like: figures with their change against the previous period, tables and
// plots (charts.js). Every value is put in as text.

import { barChart, heatMap, lineChart } from './charts.js';
import { h } from './dom.js';
import { channelLabel, duration, humanise, reasonLabel, severityLabel } from './format.js';
import { complaintCauses, negativeFeedback } from './report_feedback.js';

export const REPORT_TABS = [['bot', 'Bot'], ['service', 'Service'], ['agents', 'Agents'], ['volume', 'Volume'],
  ['topics', 'Topics'], ['staffing', 'Staffing'], ['quality', 'Quality']];

const percent = (value) => (value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)}%`);
const seconds = (value) => (value === null || value === undefined ? '–' : duration(value));
const number = (value) => (value === null || value === undefined ? '–' : String(value));
const signed = (value) => `${value > 0 ? '+' : value < 0 ? '−' : ''}${Math.abs(value).toFixed(1)}`;
const FORMATS = { percent, seconds, number, rating: (v) => (v === null || v === undefined ? '–' : `${v} / 5`),
  nps: (v) => (v === null || v === undefined ? '–' : signed(v)) };

function change(kind, now, before) {
  if (now === null || now === undefined || before === null || before === undefined) return null;
  if (kind === 'percent') {
    const points = (now - before) * 100;
    return { text: `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(1)} pts`, sign: Math.sign(points) };
  }
  if (kind === 'nps') {
    const points = now - before;
    return { text: `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(1)} pts`, sign: Math.sign(points) };
  }
  if (kind === 'seconds') {
    const diff = now - before;
    return { text: `${diff >= 0 ? '+' : '−'}${duration(Math.abs(diff))}`, sign: Math.sign(diff) };
  }
  if (!before) return null;
  const rel = ((now - before) / before) * 100;
  return { text: `${rel >= 0 ? '+' : '−'}${Math.abs(rel).toFixed(0)}%`, sign: Math.sign(rel) };
}

// A figure: `better` says which way is good (1 up, -1 down, 0 neither) for colouring the change.
function figure(label, kind, now, before, better = 1, hint = '') {
  const moved = change(kind, now, before);
  const verdict = !moved || !better || !moved.sign ? 'same' : moved.sign === better ? 'better' : 'worse';
  return h('div', { class: 'figure', title: hint || null },
    h('div', { class: 'figure-label', text: label }),
    h('div', { class: 'figure-value', text: FORMATS[kind](now) }),
    moved ? h('div', { class: `figure-change ${verdict}`, text: `${moved.text} vs before` }) : null);
}

function figures(...items) {
  return h('div', { class: 'figures' }, items);
}

function table(caption, columns, rows) {
  return h('table', { class: 'report-table' }, h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, columns.map(([title]) => h('th', { scope: 'col', text: title })))),
    h('tbody', {}, rows.length
      ? rows.map((row) => h('tr', {}, columns.map(([, cell]) => h('td', { text: cell(row) }))))
      : h('tr', {}, h('td', { colspan: columns.length, class: 'muted', text: 'Nothing in this period.' }))));
}

function section(title, ...children) {
  return h('section', { class: 'report-section' }, h('h2', { text: title }), children);
}

// A section of one table (report_feedback.js says what is in it).
function tabled({ title, note, caption, columns, rows }) {
  return section(title, h('p', { class: 'muted', text: note }), table(caption, columns, rows));
}

const CONTAINMENT_COLUMNS = [
  ['Conversations', (r) => number(r.conversations)], ['Bot alone', (r) => number(r.contained)],
  ['To a person', (r) => number(r.handed_off)], ['Containment', (r) => percent(r.containment)]];

function renderBot(body, now, before) {
  const o = now.overall;
  const b = before?.overall ?? {};
  body.append(figures(
    figure('Containment', 'percent', o.containment, b.containment, 1, 'Conversations the bot handled without a person'),
    figure('Net of returns', 'percent', now.containment_net_of_returns, before?.containment_net_of_returns, 1,
      'Containment, not counting shoppers who came back within 7 days about the same thing'),
    figure('Conversations', 'number', o.conversations, b.conversations, 0),
    figure('Handed to a person', 'number', o.handed_off, b.handed_off, -1),
    figure('Came back within 7 days', 'number', now.came_back_7d, before?.came_back_7d, -1),
  ));
  const days = section('Containment per day');
  body.append(days);
  lineChart(days, 'Containment per day (UTC)', now.per_day.map((d) => d.key),
    [{ label: 'Containment', values: now.per_day.map((d) => d.containment) }], { percent: true });
  const previousReasons = Object.fromEntries((before?.handoffs_by_reason ?? []).map((r) => [r.reason, r.tickets]));
  body.append(
    section('Per intent', table('Conversations per intent the bot read (one conversation can count under several)',
      [['Intent', (r) => humanise(r.key)], ...CONTAINMENT_COLUMNS], now.per_intent)),
    section('Per channel', table('Conversations per channel', [['Channel', (r) => channelLabel(r.key)], ...CONTAINMENT_COLUMNS],
      now.per_channel)),
    section('Handoffs by reason', table(`Tickets per reason (${now.outage_tickets} more opened while the bot was down)`,
      [['Reason', (r) => reasonLabel(r.reason)], ['Tickets', (r) => number(r.tickets)],
        ['Period before', (r) => number(previousReasons[r.reason] ?? 0)]], now.handoffs_by_reason)));
  body.append(tabled(negativeFeedback(now, before)));
}

function renderService(body, now, before) {
  const t = now.times;
  const p = before?.times;
  body.append(figures(
    figure('Tickets', 'number', now.tickets, before?.tickets, 0),
    figure('Resolved', 'percent', now.resolution_rate, before?.resolution_rate, 1),
    figure('First-contact resolution', 'percent', now.first_contact_resolution, before?.first_contact_resolution, 1,
      'Resolved with no transfer and not reopened within 7 days'),
    figure('Reopened', 'percent', now.reopen_rate, before?.reopen_rate, -1),
    figure('First response (median)', 'seconds', t.first_response.median_seconds, p?.first_response.median_seconds, -1),
    figure('Resolution (median)', 'seconds', t.resolution.median_seconds, p?.resolution.median_seconds, -1),
    figure('End to end (median)', 'seconds', t.end_to_end.median_seconds, p?.end_to_end.median_seconds, -1),
    figure('CSAT', 'rating', now.csat.average, before?.csat.average, 1),
    figure('Rated 4 or 5', 'percent', now.csat.share_4_5, before?.csat.share_4_5, 1),
    figure('NPS', 'nps', now.nps.score, before?.nps.score, 1,
      '% who would recommend us (9-10) minus % who would not (0-6), of those who answered'),
  ));
  body.append(section('SLA per severity', table('Met and breached, tickets of the period (not yet due: not counted)', [
    ['Severity', (r) => severityLabel(r.severity)], ['Tickets', (r) => number(r.tickets)],
    ['First response met', (r) => percent(r.first_response.attainment)], ['Breached', (r) => number(r.first_response.breached)],
    ['Resolution met', (r) => percent(r.resolution.attainment)], ['Breached', (r) => number(r.resolution.breached)],
  ], now.sla)));
  const csat = section('Ratings');
  body.append(csat);
  barChart(csat, `Ratings (${now.csat.rated})`, ['1', '2', '3', '4', '5'], ['1', '2', '3', '4', '5'].map((s) => now.csat.distribution[s]),
    'Tickets');
  csat.append(h('ul', { class: 'comments', 'aria-label': 'Latest comments' },
    now.csat.comments.map((c) => h('li', {}, h('span', { class: 'comment-rating', text: `Rated ${c.rating}/5` }), ' ',
      h('span', { text: c.comment })))));
  const scores = Object.keys(now.nps.distribution);
  const nps = section('Would recommend us (NPS)');
  body.append(nps);
  nps.append(h('p', { class: 'muted', text: `${now.nps.responses} answers to "How likely are you to recommend us to a friend, `
    + '0-10?", asked after the rating when the shop turns the question on (Manage, Feedback).' }));
  const share = (part, all) => (all ? ` (${((part / all) * 100).toFixed(0)}%)` : '');
  const npsRow = (label, key) => ({ label, now: now.nps[key], before: before?.nps[key], all: key !== 'responses' });
  nps.append(table('NPS against the period before', [
    ['', (r) => r.label],
    ['This period', (r) => `${number(r.now)}${r.all ? share(r.now, now.nps.responses) : ''}`],
    ['Period before', (r) => (before ? `${number(r.before)}${r.all ? share(r.before, before.nps.responses) : ''}` : '–')],
  ], [npsRow('Promoters (9-10)', 'promoters'), npsRow('Passives (7-8)', 'passives'), npsRow('Detractors (0-6)', 'detractors'),
    npsRow('Answers', 'responses'), { label: 'NPS', now: FORMATS.nps(now.nps.score), before: FORMATS.nps(before?.nps.score), all: false }]));
  barChart(nps, `Scores 0-10 (${now.nps.responses})`, scores, scores.map((s) => now.nps.distribution[s]), 'Answers');
}

function renderAgents(body, now) {
  body.append(section('Agents', table('Tickets resolved in the period, time online and occupancy', [
    ['Agent', (r) => r.display_name], ['Handled', (r) => number(r.handled)],
    ['First response (avg)', (r) => seconds(r.average_first_response_seconds)],
    ['Resolution (avg)', (r) => seconds(r.average_resolution_seconds)],
    ['CSAT', (r) => (r.csat_average === null ? '–' : `${r.csat_average} (${r.rated})`)],
    ['Online', (r) => seconds(r.online_seconds)], ['Occupancy', (r) => percent(r.occupancy)],
  ], now.agents)));
}

function renderVolume(body, now) {
  const messages = section('Shopper messages by hour of the week (UTC)');
  const handoffs = section('Handoffs by hour of the week (UTC)');
  body.append(messages, handoffs);
  heatMap(messages, 'Shopper messages', now.messages_by_hour_of_week);
  const perHour = Array.from({ length: 24 }, (_v, hour) =>
    now.messages_by_hour_of_week.filter((_c, n) => n % 24 === hour).reduce((a, b) => a + b, 0));
  barChart(messages, 'Shopper messages per hour of the day', perHour.map((_v, n) => String(n)), perHour, 'Messages');
  heatMap(handoffs, 'Handoffs', now.handoffs_by_hour_of_week);
}

function renderTopics(body, now, before) {
  body.append(section('Hot topics', table('Shopper messages per intent, against the period before', [
    ['Intent', (r) => humanise(r.key)], ['Messages', (r) => number(r.messages)], ['Before', (r) => number(r.previous)],
    ['Change', (r) => (r.change === null ? 'new' : `${r.change >= 0 ? '+' : '−'}${Math.abs(r.change * 100).toFixed(0)}%`)],
    ['', (r) => (r.rising ? 'Rising' : '')],
  ], now.hot_topics)));
  body.append(section('Spikes', table('Products and carriers shoppers named: share of conversations, against the period before', [
    ['', (r) => humanise(r.kind)], ['Name', (r) => r.key], ['Conversations', (r) => number(r.conversations)],
    ['Share', (r) => percent(r.share)], ['Before', (r) => percent(r.previous_share)],
    ['', (r) => (r.spike ? 'Spike' : '')],
  ], now.spikes)));
  body.append(section(`Knowledge gaps (${now.unanswered} messages the bot could not answer)`,
    table('Grouped by wording: each a candidate help article', [
      ['Topic', (r) => r.topic], ['Messages', (r) => number(r.messages)],
      ['Examples', (r) => r.examples.map((e) => `“${e}”`).join('  ')],
    ], now.knowledge_gaps)));
  body.append(tabled(complaintCauses(now, before)));
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function renderStaffing(body, now) {
  const week = section(`Next week from ${now.forecast_week_from} (UTC)`);
  body.append(week);
  const labels = now.handoffs_forecast.map((_v, n) => (n % 24 === 0 ? WEEKDAYS[n / 24] : ''));
  barChart(week, 'Expected handoffs per hour', labels, now.handoffs_forecast, 'Handoffs');
  barChart(week, 'Agents needed per hour (Erlang C)', labels, now.agents_needed, 'Agents');
  week.append(h('p', { class: 'muted', text: `${Math.round(now.target.share * 100)}% answered within `
    + `${duration(now.target.first_response_seconds)}, handling time ${duration(now.handle_seconds)}; one ticket per agent `
    + 'at a time, so an upper bound. Forecast: the last four weeks, the latest weighing most (docs/METRICS.md).' }));
  heatMap(week, 'Agents needed by hour of the week', now.agents_needed);
}

const QUALITY_COLUMNS = [
  ['Reviewed', (r) => number(r.reviewed)], ['Resolved', (r) => percent(r.resolved_share)],
  ['Correct', (r) => percent(r.correct_share)], ['Tone', (r) => FORMATS.rating(r.tone_average)],
  ['Not scored yet', (r) => number(r.pending)]];

function renderQuality(body, now, before) {
  const o = now.overall;
  const b = before?.overall ?? {};
  body.append(figures(
    figure('Reviewed', 'number', o.reviewed, b.reviewed, 0, 'Conversations scored in quality review'),
    figure('Judged resolved', 'percent', o.resolved_share, b.resolved_share),
    figure('Judged correct', 'percent', o.correct_share, b.correct_share),
    figure('Tone', 'rating', o.tone_average, b.tone_average, 1, 'Average tone, 1 to 5'),
  ));
  body.append(
    section('Bot and people', table('Reviews of the conversations the bot handled alone and of those people resolved',
      [['Handled by', (r) => (r.key === 'bot' ? 'Bot alone' : 'People')], ...QUALITY_COLUMNS], now.by_kind)),
    section('Per agent', table('Reviews of each agent\'s resolved tickets',
      [['Agent', (r) => r.display_name ?? `#${r.agent_id}`], ...QUALITY_COLUMNS], now.per_agent)));
}

const RENDERERS = { bot: renderBot, service: renderService, agents: renderAgents, volume: renderVolume,
  topics: renderTopics, staffing: renderStaffing, quality: renderQuality };

export function renderReport(body, name, answer) {
  const period = `${answer.filter.from} to ${answer.filter.to}`;
  const before = answer.previous_filter ? `, compared with ${answer.previous_filter.from} to ${answer.previous_filter.to}` : '';
  body.append(h('p', { class: 'report-period muted', text: `${period} (UTC)${before}` }));
  RENDERERS[name](body, answer.current, answer.previous);
}
