// The live feed: one websocket, pushed events, a ping every 30 s, reconnect with backoff.

const PING_MS = 30_000;
const MAX_BACKOFF_MS = 30_000;
const UNAUTHORIZED = 4401;

export function connectFeed({ token, onFrame, onState, onUnauthorized }) {
  let socket = null;
  let attempt = 0;
  let pingTimer = null;
  let retryTimer = null;
  let stopped = false;

  function open() {
    clearTimeout(retryTimer);
    const url = new URL('/api/agent/ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    onState(attempt === 0 ? 'connecting' : 'reconnecting');
    socket = new WebSocket(url);
    socket.addEventListener('open', () => {
      // The token goes in the first frame, never in the URL (proxies and logs keep URLs).
      send({ type: 'auth', token });
      attempt = 0;
      onState('live');
      pingTimer = setInterval(() => send({ type: 'ping' }), PING_MS);
    });
    socket.addEventListener('message', (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === 'string') onFrame(frame);
    });
    socket.addEventListener('close', (event) => {
      clearInterval(pingTimer);
      if (stopped) return;
      if (event.code === UNAUTHORIZED) onUnauthorized();
      else retryLater();
    });
  }

  function retryLater() {
    // Exponential backoff with jitter, so a restarted hub is not hit by every console at once.
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    onState('reconnecting', delay);
    retryTimer = setTimeout(open, delay);
  }

  function send(message) {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function reconnectNow() {
    if (stopped || socket?.readyState === WebSocket.OPEN || socket?.readyState === WebSocket.CONNECTING) return;
    open();
  }

  window.addEventListener('online', reconnectNow);
  open();

  return {
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      window.removeEventListener('online', reconnectNow);
      socket?.close(1000, 'logged out');
    },
  };
}
