// Labels and times, the way an agent reads them.

export const REASONS = {
  explicit_request: 'Asked for a person',
  anger: 'Angry',
  repeated_fallback: 'Bot did not understand',
  unresolved_loop: 'Going in circles',
  complaint: 'Complaint',
  negative_feedback: 'Negative feedback',
  bot_cannot_complete: 'Bot could not finish',
  vip: 'VIP',
};

export const SEVERITIES = { normal: 'Normal', serious: 'Serious', urgent: 'Urgent' };
export const TIERS = { vip: 'VIP', regular: 'Regular', new: 'New customer' };
export const STATUSES = { queued: 'Waiting', assigned: 'Assigned', resolved: 'Resolved' };
// The hub's channel names (hub/channels, the shopper API): what conversations and filters carry.
export const CHANNELS = { webchat: 'Web chat', telegram: 'Telegram', api: 'API' };

export function humanise(code) {
  const words = String(code ?? '').replace(/^(action|utter|validate)_/, '').replace(/_/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : '';
}

export const reasonLabel = (code) => REASONS[code] ?? humanise(code);
export const severityLabel = (code) => SEVERITIES[code] ?? humanise(code);
export const tierLabel = (code) => TIERS[code] ?? humanise(code);
export const channelLabel = (code) => CHANNELS[code] ?? humanise(code);

// "1 ticket", "3 tickets".
export const counted = (count, noun) => `${count} ${noun}${count === 1 ? '' : 's'}`;

export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function clockTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const sameDay = date.toDateString() === new Date().toDateString();
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return sameDay ? time : `${date.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

export function shortDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' });
}

export function money(amount, currency) {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${amount ?? ''} ${currency ?? ''}`.trim();
  try {
    return new Intl.NumberFormat([], { style: 'currency', currency: currency || 'EUR' }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency ?? ''}`.trim();
  }
}
