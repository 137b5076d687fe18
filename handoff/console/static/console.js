// Entry point: signs the agent in, keeps the live feed and the ticket lists (the live queue and
// "Mine", "All open" and "Resolved" from the hub, each with filters and search), and hands the
// open ticket to the ticket view.

import { createApi } from './api.js';
import { createContacts } from './contacts.js';
import { resetSecondFactor, secondFactorCode, secondFactorStep, showRecoveryCodes } from './second_factor.js';
import { tick } from './badges.js';
import { byId, setText, showError } from './dom.js';
import { connectFeed } from './feed.js';
import { createManage } from './manage.js';
import { listKeyboard, renderList } from './queue.js';
import { createQuality } from './quality.js';
import { createReports } from './reports.js';
import { createTicketView } from './ticket.js';
import { TABS, defaultTeamFilter, fillFilters, isLive, matches, readFilters, serverQuery } from './views.js';

const TOKEN_KEY = 'shopdesk.console.token';
const MAX_IGNORED_SKEW_MS = 2000;
const CONNECTION_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };
const REFETCH_MS = 400;
const LIST_LABELS = { queue: 'Queue', mine: 'My tickets', open: 'All open tickets', resolved: 'Resolved tickets' };
const EMPTY_TEXT = {
  queue: 'Nobody is waiting. New tickets appear here live.',
  mine: 'You hold no tickets right now.',
  open: 'No open tickets match.',
  resolved: 'No resolved tickets match.',
};

const state = {
  agent: null,
  queue: [],
  mine: [],
  remote: [],
  remoteLoaded: false,
  tab: 'queue',
  refetchTimer: null,
  fetchAttempt: 0,
  unread: new Set(),
  clockOffset: 0,
  feed: null,
};

const api = createApi({ token: () => sessionStorage.getItem(TOKEN_KEY), onUnauthorized: () => signedOut('Your session ended. Please sign in again.') });
const now = () => Date.now() + state.clockOffset;
const reports = createReports({ api, token: () => sessionStorage.getItem(TOKEN_KEY) });
const manage = createManage({ api, token: () => sessionStorage.getItem(TOKEN_KEY) });
const quality = createQuality({ api });
const ticketView = createTicketView({
  api,
  me: () => state.agent,
  now,
  onChanged: upsertTicket,
  onOpened: (id) => { state.unread.delete(id); renderLists(); },
  onLabelsChanged: loadFilterChoices,
  openContact: (id) => contacts.openContact(id),
});
const contacts = createContacts({ api, me: () => state.agent, token: () => sessionStorage.getItem(TOKEN_KEY),
  onOpenTicket: (id) => ticketView.open(id) });

function start() {
  byId('login-form').addEventListener('submit', logIn);
  byId('logout').addEventListener('click', logOut);
  byId('open-contacts').addEventListener('click', () => contacts.openList());
  byId('status-toggle').addEventListener('click', toggleStatus);
  byId('takes-tickets').addEventListener('change', toggleTakesTickets);
  for (const tab of TABS) byId(`tab-${tab}`).addEventListener('click', () => selectTab(tab));
  byId('filters').addEventListener('submit', (event) => event.preventDefault());
  byId('filters').addEventListener('change', filtersChanged);
  byId('filter-q').addEventListener('input', () => scheduleRefetch());
  listKeyboard(byId('ticket-list'));
  setInterval(() => tick(document.body, now()), 1000);
  ticketView.close();
  if (sessionStorage.getItem(TOKEN_KEY)) resume();
  else showLogin();
}

async function resume() {
  try {
    signedIn(await api.get('/api/agent/me'));
  } catch (error) {
    if (error.status !== 401) showLogin(error.message);
  }
}

async function logIn(event) {
  event.preventDefault();
  const email = byId('login-email').value.trim();
  const password = byId('login-password').value;
  if (!email || !password) {
    showError(byId('login-error'), 'Enter your email and password.');
    return;
  }
  byId('login-submit').disabled = true;
  try {
    const code = secondFactorCode();
    const session = await api.post('/api/agent/login', { email, password, ...(code === undefined ? {} : { code }) });
    sessionStorage.setItem(TOKEN_KEY, session.token);
    byId('login-password').value = '';
    resetSecondFactor();
    if (session.recovery_codes) await showRecoveryCodes(session.recovery_codes);
    signedIn(session.agent);
  } catch (error) {
    const asked = secondFactorStep(error);
    showError(byId('login-error'), asked && error.code === 'second_factor_enrolment' ? '' : error.message);
  } finally {
    byId('login-submit').disabled = false;
  }
}

async function logOut() {
  try {
    await api.post('/api/agent/logout');
  } catch {
    // The token is dropped either way; a failed revoke only means it expires on its own.
  }
  signedOut();
}

function signedIn(agent) {
  showError(byId('login-error'), '');
  byId('login-view').hidden = true;
  byId('app-view').hidden = false;
  showAgent(agent);
  reports.signedIn(agent);
  manage.signedIn(agent);
  quality.signedIn(agent);
  state.feed?.close();
  state.feed = connectFeed({
    token: sessionStorage.getItem(TOKEN_KEY),
    onFrame,
    onState: showConnection,
    onUnauthorized: () => signedOut('Your session ended. Please sign in again.'),
  });
  loadMine();
  loadFilterChoices().then(() => {
    byId('filter-team').value = defaultTeamFilter(agent);
    renderLists();
  });
}

async function loadFilterChoices() {
  try {
    const [{ teams }, { labels }] = await Promise.all([api.get('/api/agent/teams'), api.get('/api/agent/labels')]);
    fillFilters({ teams, labels, me: state.agent });
  } catch {
    // Filters keep their last choices; the lists still work without them.
  }
}

function signedOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.feed?.close();
  Object.assign(state, { agent: null, queue: [], mine: [], remote: [], feed: null, unread: new Set() });
  ticketView.close();
  reports.signedOut();
  manage.signedOut();
  quality.signedOut();
  showLogin(message);
}

function showLogin(message) {
  byId('app-view').hidden = true;
  byId('login-view').hidden = false;
  showError(byId('login-error'), message);
  byId('login-email').focus();
}

function showAgent(agent) {
  state.agent = agent;
  const online = agent.status === 'online';
  setText(byId('agent-name'), agent.display_name);
  setText(byId('status-label'), online ? 'Online' : 'Away');
  byId('status-toggle').setAttribute('aria-checked', String(online));
  byId('status-toggle').dataset.status = online ? 'online' : 'away';
  const senior = agent.role === 'supervisor' || agent.role === 'admin';
  byId('takes-tickets-label').hidden = !senior;
  byId('open-contacts').hidden = !senior;
  byId('takes-tickets').checked = Boolean(agent.takes_tickets);
}

async function toggleTakesTickets() {
  try {
    showAgent(await api.put('/api/agent/me/assignment', { takes_tickets: byId('takes-tickets').checked }));
  } catch (error) {
    byId('takes-tickets').checked = Boolean(state.agent?.takes_tickets);
    showConnection('error', 0, error.message);
  }
}

async function toggleStatus() {
  const next = state.agent?.status === 'online' ? 'away' : 'online';
  try {
    showAgent(await api.put('/api/agent/me/status', { status: next }));
  } catch (error) {
    showConnection('error', 0, error.message);
  }
}

function showConnection(connection, delay = 0, message = '') {
  const element = byId('connection');
  element.dataset.state = connection;
  const wait = delay ? ` in ${Math.ceil(delay / 1000)}s` : '';
  setText(element, message || (connection === 'reconnecting' ? `Reconnecting${wait}…` : CONNECTION_TEXT[connection]));
}

function onFrame(frame) {
  if (frame.at) trackClock(frame.at);
  const data = frame.data ?? {};
  switch (frame.type) {
    case 'hello':
      showAgent(data.agent);
      state.queue = data.queue ?? [];
      renderLists();
      loadMine();
      ticketView.refresh();
      break;
    case 'queue.changed':
      state.queue = data.queue ?? [];
      renderLists();
      break;
    case 'message.created':
      onMessage(data.ticket_id, data.message);
      break;
    case 'note.created':
      ticketView.onNote(data.ticket_id, data.note);
      break;
    case 'agent.presence':
      if (data.agent?.id === state.agent?.id) showAgent(data.agent);
      break;
    default:
      if (frame.type.startsWith('ticket.') && data.ticket) {
        upsertTicket(data.ticket);
        if (!isLive(state.tab, readFilters())) scheduleRefetch();
      }
  }
}

// Server times have whole seconds, so only a real skew (a wrong clock on this machine) is corrected.
function trackClock(at) {
  const skew = Date.parse(at) - Date.now();
  if (Number.isFinite(skew)) state.clockOffset = Math.abs(skew) > MAX_IGNORED_SKEW_MS ? skew : 0;
}

function onMessage(ticketId, message) {
  if (!message) return;
  const shown = ticketView.onMessage(ticketId, message);
  const mine = state.mine.some((ticket) => ticket.id === ticketId);
  if (!shown && mine && message.author_kind === 'shopper') {
    state.unread.add(ticketId);
    renderLists();
  }
}

function upsertTicket(ticket) {
  const isMine = ticket.status === 'assigned' && ticket.agent?.id === state.agent?.id;
  state.mine = state.mine.filter((other) => other.id !== ticket.id);
  if (isMine) state.mine = [ticket, ...state.mine].sort((a, b) => b.id - a.id);
  if (ticket.status !== 'queued' || ticket.snoozed_until) {
    state.queue = state.queue.filter((other) => other.id !== ticket.id);
  }
  state.remote = state.remote.map((other) => (other.id === ticket.id ? ticket : other));
  ticketView.onTicket(ticket);
  renderLists();
}

async function loadMine() {
  try {
    state.mine = (await api.get('/api/agent/tickets?status=assigned&mine=true')).tickets;
    renderLists();
  } catch {
    // The feed's next hello retries; the queue stays usable meanwhile.
  }
}

function selectTab(tab) {
  state.tab = tab;
  state.remoteLoaded = false;
  renderLists();
  byId(`tab-${tab}`).focus();
  if (!isLive(tab, readFilters())) refetch();
}

function filtersChanged() {
  renderLists();
  if (!isLive(state.tab, readFilters())) refetch();
}

function scheduleRefetch() {
  clearTimeout(state.refetchTimer);
  state.refetchTimer = setTimeout(() => {
    if (isLive(state.tab, readFilters())) renderLists();
    else refetch();
  }, REFETCH_MS);
}

async function refetch() {
  const attempt = ++state.fetchAttempt;
  const tab = state.tab;
  try {
    const { tickets } = await api.get(serverQuery(tab, readFilters()));
    if (attempt !== state.fetchAttempt || tab !== state.tab) return;
    state.remote = tickets;
    state.remoteLoaded = true;
    renderLists();
  } catch (error) {
    if (attempt === state.fetchAttempt) showConnection('error', 0, error.message);
  }
}

function shownTickets(filters) {
  if (!isLive(state.tab, filters)) return state.remoteLoaded ? state.remote : [];
  const live = state.tab === 'queue' ? state.queue : state.mine;
  return live.filter((ticket) => matches(ticket, filters, state.agent));
}

function renderLists() {
  const filters = readFilters();
  for (const tab of TABS) byId(`tab-${tab}`).setAttribute('aria-selected', String(tab === state.tab));
  byId('list-panel').setAttribute('aria-labelledby', `tab-${state.tab}`);
  byId('ticket-list').setAttribute('aria-label', LIST_LABELS[state.tab]);
  const queued = state.queue.filter((ticket) => matches(ticket, { ...filters, q: '' }, state.agent));
  setText(byId('queue-count'), String(queued.length));
  document.title = `${queued.length ? `(${queued.length}) ` : ''}ShopDesk · Agent console`;
  setText(byId('mine-count'), String(state.mine.length));
  const loading = !isLive(state.tab, filters) && !state.remoteLoaded;
  renderList(byId('ticket-list'), shownTickets(filters), {
    selectedId: ticketView.openId(),
    unread: state.unread,
    onOpen: (id) => ticketView.open(id),
    emptyText: loading ? 'Loading…' : EMPTY_TEXT[state.tab],
    empty: byId('list-empty'),
  });
  tick(byId('ticket-list'), now());
}

start();
