// Entry point: signs the agent in, keeps the live feed, the queue and "My tickets" lists, and
// hands the open ticket to the ticket view.

import { createApi } from './api.js';
import { tick } from './badges.js';
import { byId, setText, showError } from './dom.js';
import { connectFeed } from './feed.js';
import { listKeyboard, renderList } from './queue.js';
import { createTicketView } from './ticket.js';

const TOKEN_KEY = 'shopdesk.console.token';
const MAX_IGNORED_SKEW_MS = 2000;
const CONNECTION_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

const state = {
  agent: null,
  queue: [],
  mine: [],
  tab: 'queue',
  unread: new Set(),
  clockOffset: 0,
  feed: null,
};

const api = createApi({ token: () => sessionStorage.getItem(TOKEN_KEY), onUnauthorized: () => signedOut('Your session ended. Please sign in again.') });
const now = () => Date.now() + state.clockOffset;
const ticketView = createTicketView({
  api,
  me: () => state.agent,
  now,
  onChanged: upsertTicket,
  onOpened: (id) => { state.unread.delete(id); renderLists(); },
});

function start() {
  byId('login-form').addEventListener('submit', logIn);
  byId('logout').addEventListener('click', logOut);
  byId('status-toggle').addEventListener('click', toggleStatus);
  byId('tab-queue').addEventListener('click', () => selectTab('queue'));
  byId('tab-mine').addEventListener('click', () => selectTab('mine'));
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
    const session = await api.post('/api/agent/login', { email, password });
    sessionStorage.setItem(TOKEN_KEY, session.token);
    byId('login-password').value = '';
    signedIn(session.agent);
  } catch (error) {
    showError(byId('login-error'), error.message);
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
  state.feed?.close();
  state.feed = connectFeed({
    token: sessionStorage.getItem(TOKEN_KEY),
    onFrame,
    onState: showConnection,
    onUnauthorized: () => signedOut('Your session ended. Please sign in again.'),
  });
  loadMine();
}

function signedOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.feed?.close();
  Object.assign(state, { agent: null, queue: [], mine: [], feed: null, unread: new Set() });
  ticketView.close();
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
      if (frame.type.startsWith('ticket.') && data.ticket) upsertTicket(data.ticket);
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
  renderLists();
  byId(`tab-${tab}`).focus();
}

function renderLists() {
  const queueTab = state.tab === 'queue';
  byId('tab-queue').setAttribute('aria-selected', String(queueTab));
  byId('tab-mine').setAttribute('aria-selected', String(!queueTab));
  byId('list-panel').setAttribute('aria-labelledby', queueTab ? 'tab-queue' : 'tab-mine');
  byId('ticket-list').setAttribute('aria-label', queueTab ? 'Queue' : 'My tickets');
  setText(byId('queue-count'), String(state.queue.length));
  document.title = `${state.queue.length ? `(${state.queue.length}) ` : ''}ShopDesk · Agent console`;
  setText(byId('mine-count'), String(state.mine.length));
  renderList(byId('ticket-list'), queueTab ? state.queue : state.mine, {
    selectedId: ticketView.openId(),
    unread: state.unread,
    onOpen: (id) => ticketView.open(id),
    emptyText: queueTab ? 'Nobody is waiting. New tickets appear here live.' : 'You hold no tickets right now.',
    empty: byId('list-empty'),
  });
  tick(byId('ticket-list'), now());
}

start();
