// The conversation transcript: shopper, bot, agent and system messages, each visibly distinct;
// the bot's internal handoff signal becomes a compact "escalated" banner. Everything is text.

import { h } from './dom.js';
import { clockTime, humanise, reasonLabel, severityLabel } from './format.js';

const AUTHORS = { shopper: 'Shopper', bot: 'Bot', agent: 'Agent', system: 'System' };

// The rating and score buttons send a payload; agents read what the shopper meant, not the payload.
const RATING_PAYLOAD = /^\/csat\s*\{\s*"rating"\s*:\s*"?([1-5])"?\s*\}$/;
const NPS_PAYLOAD = /^\/nps\s*\{\s*"score"\s*:\s*"?(10|[0-9])"?\s*\}$/;
const NO_COMMENT_PAYLOAD = '/csat_no_comment';

export function shownText(message) {
  const text = message.text ?? '';
  if (message.author_kind !== 'shopper') return text;
  const rating = RATING_PAYLOAD.exec(text.trim());
  if (rating) return `Rated ${rating[1]}/5`;
  const score = NPS_PAYLOAD.exec(text.trim());
  if (score) return `Would recommend: ${score[1]}/10`;
  if (text.trim() === NO_COMMENT_PAYLOAD) return 'No comment';
  return text;
}

export function messageItem(message, shopperName) {
  const custom = message.custom && typeof message.custom === 'object' ? message.custom : null;
  if (custom?.type === 'handoff') return signalItem(message, custom);
  const kind = AUTHORS[message.author_kind] ? message.author_kind : 'system';
  const time = h('time', { datetime: message.created_at, class: 'msg-time' }, clockTime(message.created_at));
  if (kind === 'system') {
    return h('li', { class: 'msg system', dataset: { seq: String(message.seq) } },
      h('span', { class: 'msg-text' }, message.text ?? ''), time);
  }
  const author = kind === 'shopper' ? (shopperName || message.author_name || 'Shopper')
    : kind === 'bot' ? 'Bot' : (message.author_name || 'Agent');
  return h('li', { class: `msg ${kind}`, dataset: { seq: String(message.seq) } },
    h('div', { class: 'msg-meta' }, h('span', { class: 'msg-author' }, author), time),
    h('div', { class: 'bubble' },
      message.text ? messageText(kind, shownText(message)) : null,
      photos(message.attachments),
      attachment(custom),
      buttons(message.buttons)));
}

// The bot writes a small, safe Markdown subset (lists, tables, links, bold), which the widget
// renders and Telegram converts; the agent reads it the same way (the renderer builds DOM nodes,
// never HTML). What people type stays plain text.
function messageText(kind, text) {
  const renderer = globalThis.markdown;
  if (kind === 'bot' && renderer && typeof renderer.render === 'function') {
    return h('div', { class: 'msg-text msg-md' }, renderer.render(text));
  }
  return h('p', { class: 'msg-text' }, text);
}

function signalItem(message, custom) {
  const reasons = Array.isArray(custom.reasons) ? custom.reasons.map(reasonLabel).join(', ') : 'handed over';
  const parts = [`Escalated: ${reasons}`, severityLabel(custom.severity || 'normal').toLowerCase()];
  const anger = custom.anger && typeof custom.anger.score === 'number' ? custom.anger : null;
  let text = parts.join(', ');
  if (anger) {
    text += `, anger ${anger.score.toFixed(2)}`;
    if (Array.isArray(anger.cues) && anger.cues.length) text += ` — ${anger.cues.join(', ')}`;
  }
  return h('li', { class: `msg signal severity-${custom.severity || 'normal'}`, dataset: { seq: String(message.seq) } },
    h('span', { class: 'signal-icon', 'aria-hidden': 'true' }, '⚑'),
    h('span', { class: 'msg-text' }, text),
    h('time', { datetime: message.created_at, class: 'msg-time' }, clockTime(message.created_at)));
}

function attachment(custom) {
  if (!custom) return null;
  if (custom.type === 'image' && typeof custom.url === 'string') {
    return h('p', { class: 'msg-attachment' }, `Image: ${custom.url}`);
  }
  return h('p', { class: 'msg-attachment' }, `Rich content (${humanise(custom.type || 'custom')})`);
}

function buttons(list) {
  if (!Array.isArray(list) || list.length === 0) return null;
  return h('ul', { class: 'msg-buttons', 'aria-label': 'Buttons offered' },
    list.map((button) => h('li', {}, button.title || button.payload)));
}

// Photos the shopper sent: fetched with the agent's session token (kept where console.js keeps it)
// and shown from a data: URL, as the console's page policy allows; only JPEG and PNG are shown.
const TOKEN_KEY = 'shopdesk.console.token';

function photos(list) {
  if (!Array.isArray(list) || list.length === 0) return null;
  return h('div', { class: 'msg-photos' }, list.map((photo) => {
    const img = h('img', { class: 'msg-photo', alt: `Photo from the shopper (${photo.width}×${photo.height})` });
    loadPhoto(img, photo.id);
    return h('button', { class: 'msg-photo-button', type: 'button', title: 'Larger or smaller',
      onclick: () => img.classList.toggle('msg-photo--large') }, img);
  }));
}

async function loadPhoto(img, id) {
  try {
    const response = await fetch(`/api/agent/attachments/${encodeURIComponent(id)}`,
      { headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` } });
    const blob = response.ok ? await response.blob() : null;
    if (!blob || !['image/jpeg', 'image/png'].includes(blob.type)) throw new Error('not a photo');
    const reader = new FileReader();
    reader.onload = () => { img.src = String(reader.result); };
    reader.readAsDataURL(blob);
  } catch {
    img.replaceWith(document.createTextNode('(photo not available)'));
  }
}
