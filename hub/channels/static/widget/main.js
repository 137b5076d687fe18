/* ShopDesk web chat widget. Add it to a page with one tag:
 *   <script src="https://hub.example/widget.js" data-title="Need help?" async></script>
 * Options (data- attributes on the tag): data-hub (default: where this file came from),
 * data-title, data-open ("true" opens the chat at once), data-customer-email and data-signature
 * (a signed-in customer: hex HMAC-SHA256 of the email with SHOPDESK_IDENTITY_SECRET).
 * Plain JavaScript, no dependencies; the hub serves it together with markdown.js (the bot's
 * Markdown as DOM nodes) and photos.js (uploads, and showing photos). Every text is put in the
 * page as text nodes, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__shopdeskWidget) return;
  window.__shopdeskWidget = true;

  var hub = (script.getAttribute("data-hub") || new URL(script.src, location.href).origin).replace(/\/$/, "");
  var title = script.getAttribute("data-title") || "Need help?";
  var storageKey = "shopdesk:" + hub;
  var RATING = /^\/csat\s*\{\s*"rating"\s*:\s*"?([1-5])"?\s*\}$/;
  var RATING_WORDS = { 1: "poor", 2: "fair", 3: "good", 4: "very good", 5: "excellent" };
  var NPS = /^\/nps\s*\{\s*"score"\s*:\s*"?(10|[0-9])"?\s*\}$/;
  var MAX_BACKOFF_MS = 10000;

  var saved = load();
  var state = {
    conversationId: saved.conversationId || null,
    token: saved.token || null,
    outbox: saved.outbox || [],   // [{id, text}] not yet acknowledged by the hub, oldest first
    lastSeq: 0,                    // highest seq shown; the hub replays everything after it
    shown: {},                     // seq -> true
    titles: {},                    // button payload -> title, so a tapped button reads as its title
    socket: null,
    ready: false,
    attempts: 0,
    reconnectTimer: null,
    inFlight: []                   // ids sent on the current socket, waiting for their ack
  };

  /* ---------- persistence ---------- */

  function load() {
    try { return JSON.parse(localStorage.getItem(storageKey) || "{}") || {}; } catch (e) { return {}; }
  }

  function save() {
    try {
      localStorage.setItem(storageKey, JSON.stringify({
        conversationId: state.conversationId, token: state.token, outbox: state.outbox
      }));
    } catch (e) { /* private mode or full storage: the chat still works for this page view */ }
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  /* ---------- DOM ---------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  var host = el("div");
  host.id = "shopdesk-widget";
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var style = el("link");
  style.rel = "stylesheet";
  style.href = hub + "/widget.css";
  root.appendChild(style);

  var launcher = el("button", "sd-launcher", "Chat with us");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "sd-panel");

  var panel = el("section", "sd-panel");
  panel.id = "sd-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);

  var header = el("header", "sd-header");
  var heading = el("h2", "sd-title", title);
  var subtitle = el("p", "sd-subtitle", "Our assistant answers right away");
  var close = el("button", "sd-close", "\u00d7");
  close.type = "button";
  close.setAttribute("aria-label", "Close chat");
  var headingBox = el("div");
  headingBox.appendChild(heading);
  headingBox.appendChild(subtitle);
  header.appendChild(headingBox);
  header.appendChild(close);

  var banner = el("p", "sd-banner");
  banner.setAttribute("role", "status");
  banner.hidden = true;

  var queueInfo = el("p", "sd-queue");
  queueInfo.setAttribute("role", "status");
  queueInfo.hidden = true;

  var log = el("div", "sd-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Conversation");
  log.tabIndex = 0;

  var typing = el("div", "sd-typing");
  typing.hidden = true;
  typing.setAttribute("role", "status");
  typing.appendChild(el("span", "sd-dots", "\u2022\u2022\u2022"));
  typing.appendChild(el("span", "sd-sr", "The assistant is typing"));

  var choices = el("div", "sd-choices");
  choices.setAttribute("role", "group");
  choices.hidden = true;

  var form = el("form", "sd-form");
  var label = el("label", "sd-sr", "Your message");
  label.htmlFor = "sd-input";
  var input = el("textarea", "sd-input");
  input.id = "sd-input";
  input.rows = 1;
  input.maxLength = 4000;
  input.placeholder = "Type your message\u2026";
  input.setAttribute("autocomplete", "off");
  var send = el("button", "sd-send", "Send");
  send.type = "submit";
  var attach = el("button", "sd-attach", "\ud83d\udcf7");
  attach.type = "button";
  attach.setAttribute("aria-label", "Add a photo");
  attach.title = "Add a photo (what you typed goes with it)";
  var picker = el("input", "sd-sr");
  picker.type = "file";
  picker.accept = photos.accept;
  picker.tabIndex = -1;
  picker.setAttribute("aria-hidden", "true");
  form.appendChild(attach);
  form.appendChild(picker);
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(send);

  panel.appendChild(header);
  panel.appendChild(banner);
  panel.appendChild(queueInfo);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(choices);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  function mount() { document.body.appendChild(host); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  function openPanel() {
    connect();
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.hidden = true;
    input.focus();
    scrollDown();
  }

  function closePanel() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", openPanel);
  close.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closePanel();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit();
    }
  });
  attach.addEventListener("click", function () { picker.click(); });
  picker.addEventListener("change", function () {
    var file = picker.files && picker.files[0];
    picker.value = "";
    if (file) sendPhoto(file);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit();
  });

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  /* ---------- rendering ---------- */

  function authorLabel(message) {
    if (message.author_kind === "agent") return message.author_name || "Support team";
    if (message.author_kind === "bot") return "Assistant";
    if (message.author_kind === "shopper") return "You";
    return null;
  }

  function displayText(message) {
    var text = message.text || "";
    if (message.author_kind !== "shopper") return text;
    if (state.titles[text]) return state.titles[text];
    var rating = RATING.exec(text);
    if (rating) return "Rated " + rating[1] + " of 5";
    var score = NPS.exec(text);
    return score ? "Scored " + score[1] + " of 10" : text;
  }

  /* The bot writes Markdown; people's words are shown as written, with their links clickable. */
  function bubble(kind, who, text) {
    var item = el("div", "sd-msg sd-msg--" + kind);
    if (who) item.appendChild(el("span", "sd-author", who));
    if (!text) return item;
    if (kind === "shopper") {
      item.appendChild(el("p", "sd-text", text));
    } else {
      var body = el("div", "sd-text");
      body.appendChild(kind === "bot" ? markdown.render(text) : markdown.linkify(text));
      item.appendChild(body);
    }
    return item;
  }

  function insertBySeq(item, seq) {
    item.setAttribute("data-seq", String(seq));
    var nodes = log.children;
    for (var i = 0; i < nodes.length; i++) {
      var other = nodes[i].getAttribute("data-seq");
      if (other === null || Number(other) > seq) {
        log.insertBefore(item, nodes[i]);
        return;
      }
    }
    log.appendChild(item);
  }

  function showMessage(message) {
    if (state.shown[message.seq]) return;
    (message.buttons || []).forEach(function (b) { state.titles[b.payload] = b.title; });
    if (message.author_kind === "shopper" && adoptPending(message)) return;
    var attached = message.attachments || [];
    if (!message.text && !(message.buttons || []).length && !attached.length) { markShown(message.seq); return; }
    var item = bubble(message.author_kind, authorLabel(message), displayText(message));
    attached.forEach(function (photo) {
      photos.show(item, hub, state.conversationId, state.token, photo, message.author_kind === "shopper" ? "Your photo" : "Photo");
    });
    if (message.created_at) item.title = new Date(message.created_at).toLocaleString();
    insertBySeq(item, message.seq);
    markShown(message.seq);
    if (message.author_kind !== "shopper") setTyping(false);
    if (message.seq === state.lastSeq) showChoices(message.buttons || []);
    scrollDown();
  }

  function markShown(seq) {
    state.shown[seq] = true;
    if (seq > state.lastSeq) state.lastSeq = seq;
  }

  /* A message this socket sent and the hub stored comes back before its ack: the pending bubble
     becomes the stored message instead of showing twice. */
  function adoptPending(message) {
    var id = state.inFlight[0];
    var pending = id && pendingBubble(id);
    if (!pending || pending.getAttribute("data-text") !== (message.text || "").trim()) return false;
    confirm(id, message.seq);
    return true;
  }

  function pendingBubble(id) {
    return log.querySelector('[data-pending="' + cssEscape(id) + '"]');
  }

  function cssEscape(value) { return String(value).replace(/["\\]/g, "\\$&"); }

  function confirm(id, seq) {
    state.inFlight = state.inFlight.filter(function (x) { return x !== id; });
    state.outbox = state.outbox.filter(function (m) { return m.id !== id; });
    save();
    var pending = pendingBubble(id);
    if (!pending) return;
    if (seq === null || seq === undefined || state.shown[seq]) { pending.remove(); return; }
    pending.removeAttribute("data-pending");
    pending.classList.remove("sd-msg--pending");
    insertBySeq(pending, seq);
    markShown(seq);
  }

  function showPending(entry, file) {
    var item = bubble("shopper", "You", state.titles[entry.text] || entry.text);
    if (file) photos.preview(item, file);
    item.classList.add("sd-msg--pending");
    item.setAttribute("data-pending", entry.id);
    item.setAttribute("data-text", entry.text);
    log.appendChild(item);
    scrollDown();
    return item;
  }

  function markFailed(pending, why) {
    pending.classList.add("sd-msg--failed");
    pending.appendChild(el("span", "sd-error", "Not sent: " + why));
    pending.removeAttribute("data-pending");
  }

  function showChoices(buttons) {
    choices.textContent = "";
    var every = function (pattern) {
      return buttons.length > 0 && buttons.every(function (b) { return pattern.test(b.payload); });
    };
    var rating = every(RATING);
    var score = every(NPS);
    choices.className = "sd-choices" + (rating || score ? " sd-choices--rating" : "");
    choices.setAttribute("aria-label", rating ? "Rate the help you got, 1 (poor) to 5 (excellent)"
      : score ? "How likely you are to recommend us, 0 (not at all) to 10 (extremely)" : "Suggested replies");
    buttons.forEach(function (b) {
      var button = el("button", "sd-choice", b.title);
      button.type = "button";
      if (rating) {
        var n = RATING.exec(b.payload)[1];
        button.setAttribute("aria-label", "Rate " + n + " of 5, " + RATING_WORDS[n]);
      } else if (score) {
        button.setAttribute("aria-label", NPS.exec(b.payload)[1] + " of 10");
      }
      button.addEventListener("click", function () { sendText(b.payload); });
      choices.appendChild(button);
    });
    choices.hidden = buttons.length === 0;
  }

  function setTyping(active) {
    typing.hidden = !active;
    if (active) scrollDown();
  }

  function waitPhrase(seconds) {
    var minutes = Math.round(seconds / 60);
    if (minutes < 1) return "less than a minute";
    return minutes === 1 ? "about 1 minute" : "about " + minutes + " minutes";
  }

  function showQueue(queue) {
    if (!queue) { queueInfo.hidden = true; return; }
    var text = "You're number " + queue.position + " in line. ";
    text += queue.expected_wait_seconds === null || queue.expected_wait_seconds === undefined
      ? "Nobody from our team is online right now; your message is saved."
      : "Expected wait: " + waitPhrase(queue.expected_wait_seconds) + ".";
    queueInfo.textContent = text;
    queueInfo.hidden = false;
  }

  function showState(conversationState, agentName) {
    if (conversationState === "assigned" && agentName) {
      subtitle.textContent = agentName + " from our team is helping you";
    } else if (conversationState === "queued") {
      subtitle.textContent = "Waiting for a person from our team";
    } else {
      subtitle.textContent = "Our assistant answers right away";
    }
    if (conversationState !== "queued") showQueue(null);
  }

  function showBanner(text) {
    banner.textContent = text || "";
    banner.hidden = !text;
  }

  /* ---------- sending ---------- */

  function submit() {
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendText(text);
  }

  function sendText(text) {
    var entry = { id: newId(), text: text };
    state.outbox.push(entry);
    save();
    showChoices([]);
    showPending(entry);
    if (state.ready) transmit(entry);
  }

  /* The photo goes up first; the message that carries it (with what was typed as its caption)
     then goes like any other, through the outbox, so a dropped connection loses neither. */
  function sendPhoto(file) {
    var why = photos.problem(file);
    if (!why && !(state.ready && state.token)) why = "the chat is not connected yet; please try again in a moment.";
    var entry = { id: newId(), text: input.value.trim(), attachment_ids: [] };
    var pending = showPending(entry, file);
    if (why) { markFailed(pending, why); return; }
    input.value = "";
    showChoices([]);
    photos.upload(hub, state.conversationId, state.token, file).then(function (photo) {
      entry.attachment_ids = [photo.id];
      state.outbox.push(entry);
      save();
      if (state.ready) transmit(entry);
    }, function (error) { markFailed(pending, error.message); });
  }

  function transmit(entry) {
    state.inFlight.push(entry.id);
    var frame = { type: "message", text: entry.text, client_message_id: entry.id };
    if (entry.attachment_ids && entry.attachment_ids.length) frame.attachment_ids = entry.attachment_ids;
    state.socket.send(JSON.stringify(frame));
  }

  /* ---------- the socket ---------- */

  function connect() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    if (state.socket) return;
    var socket;
    try {
      socket = new WebSocket(hub.replace(/^http/, "ws") + "/webchat/ws");
    } catch (e) {
      scheduleReconnect();
      return;
    }
    state.socket = socket;
    socket.onopen = function () {
      var hello = { type: "hello", last_seq: state.lastSeq };
      if (state.conversationId && state.token) {
        hello.conversation_id = state.conversationId;
        hello.token = state.token;
      }
      var email = script.getAttribute("data-customer-email");
      var signature = script.getAttribute("data-signature");
      if (email && signature) hello.identity = { customer_email: email, signature: signature };
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (handlers[data.type]) handlers[data.type](data);
    };
    socket.onclose = function () {
      if (state.socket !== socket) return;
      state.socket = null;
      state.ready = false;
      state.inFlight = [];
      setTyping(false);
      showBanner("Connection lost. Reconnecting\u2026 Messages you write now are sent when we're back.");
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (state.reconnectTimer) return;
    var delay = Math.min(MAX_BACKOFF_MS, 500 * Math.pow(2, state.attempts));
    state.attempts += 1;
    state.reconnectTimer = setTimeout(connect, delay * (0.5 + Math.random() / 2));
  }

  var handlers = {
    welcome: function (data) {
      if (data.reset) {
        log.textContent = "";
        state.shown = {};
        state.lastSeq = 0;
      }
      state.conversationId = data.conversation_id;
      if (data.token) state.token = data.token;
      save();
      state.ready = true;
      state.attempts = 0;
      showBanner("");
      showState(data.state, data.agent_name);
      if (data.state === "queued") showQueue(data.queue);
      state.outbox.forEach(function (entry) {
        if (!pendingBubble(entry.id)) showPending(entry);
        transmit(entry);
      });
    },
    message: function (data) { showMessage(data.message); },
    ack: function (data) { confirm(data.client_message_id, data.seq); },
    typing: function (data) { setTyping(!!data.active); },
    queue: function (data) { showQueue(data); },
    state: function (data) { showState(data.state, data.agent_name); },
    error: function (data) {
      var waiting = data.code === "rate_limited" && data.client_message_id &&
        state.outbox.filter(function (m) { return m.id === data.client_message_id; })[0];
      if (waiting) {
        // Kept in the outbox and sent again once the hub's limit allows it: nothing is lost.
        state.inFlight = state.inFlight.filter(function (x) { return x !== data.client_message_id; });
        setTimeout(function () { if (state.ready) transmit(waiting); }, 1000 * (data.retry_after || 1));
        return;
      }
      if (data.client_message_id) {
        var pending = pendingBubble(data.client_message_id);
        if (pending) markFailed(pending, data.message);
        state.inFlight = state.inFlight.filter(function (x) { return x !== data.client_message_id; });
        state.outbox = state.outbox.filter(function (m) { return m.id !== data.client_message_id; });
        save();
      }
    }
  };

  window.addEventListener("online", function () { state.attempts = 0; connect(); });
  window.addEventListener("offline", function () {
    if (state.socket) state.socket.close();
  });

  // A visitor who never opens the chat costs the hub nothing: a conversation (and its greeting)
  // starts when the panel first opens; one already going reconnects at once for its replies.
  if (state.conversationId) connect();
  if (script.getAttribute("data-open") === "true") openPanel();
})();
