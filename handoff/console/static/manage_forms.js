// What the management screens share: labelled fields, tables, a two-click confirmation (no script
// dialogs), a status line, and audit details as "field: before → after". Every value is text.

import { h } from './dom.js';

let fieldSeq = 0;

export function field(label, input, hint) {
  if (!input.id) input.id = `manage-field-${++fieldSeq}`;
  return h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input,
    hint ? h('p', { class: 'hint', text: hint }) : null);
}

export function checkbox(label, props = {}) {
  return h('label', { class: 'check' }, h('input', { type: 'checkbox', ...props }), ` ${label}`);
}

export function section(title, ...content) {
  return h('section', { class: 'report-section manage-section', 'aria-label': title }, h('h2', { text: title }), ...content);
}

export function table(caption, headings, rows, emptyText) {
  if (!rows.length) return h('p', { class: 'muted', text: emptyText });
  return h('table', { class: 'report-table manage-table' }, h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, headings.map((heading) => h('th', { scope: 'col', text: heading })))),
    h('tbody', {}, rows));
}

export function statusLine() {
  const element = h('p', { class: 'manage-status', role: 'status', 'aria-live': 'polite', hidden: true });
  const show = (kind) => (message) => {
    element.textContent = message;
    element.dataset.kind = kind;
    element.hidden = !message;
  };
  return { element, ok: show('ok'), fail: show('error') };
}

// Runs a change; on success the tab reloads and the line above it says what happened, on failure
// the hub's message shows in the tab (nothing reloads, so what was typed stays).
export async function change(context, note, work, done) {
  try {
    await work();
  } catch (error) {
    context.flash('');
    note.fail(error.message);
    return false;
  }
  context.flash(done);
  await context.reload();
  return true;
}

// A destructive action asks once more on the same button, for a few seconds.
export function confirmButton(label, confirmLabel, props, action) {
  const button = h('button', { type: 'button', class: 'button small', ...props }, label);
  let timer = null;
  button.addEventListener('click', () => {
    if (button.dataset.armed !== 'true') {
      button.dataset.armed = 'true';
      button.textContent = confirmLabel;
      timer = setTimeout(() => { button.dataset.armed = 'false'; button.textContent = label; }, 5000);
      return;
    }
    clearTimeout(timer);
    button.dataset.armed = 'false';
    button.textContent = label;
    action();
  });
  return button;
}

// One line per changed value, nested settings flattened to their leaves: "targets.normal.first_response_minutes: 60 → 7".
export function detailLines(details) {
  if (!details || typeof details !== 'object') return [];
  return Object.entries(details).flatMap(([name, value]) => (isChange(value)
    ? changedLeaves(name, value.before, value.after) : [`${name}: ${shown(value)}`]));
}

function isChange(value) {
  return value && typeof value === 'object' && !Array.isArray(value) && 'before' in value && 'after' in value;
}

function changedLeaves(path, before, after) {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => changedLeaves(`${path}.${key}`, before[key], after[key]));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (before === null || before === undefined) return [`${path}: ${shown(after)}`];
  return [`${path}: ${shown(before)} → ${shown(after)}`];
}

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

function shown(value) {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.length ? value.map(shown).join(', ') : '(none)';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
