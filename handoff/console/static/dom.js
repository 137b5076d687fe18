// DOM helpers. Every piece of data becomes a text node: nothing here parses HTML.

export const byId = (id) => document.getElementById(id);

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key === 'text') element.textContent = String(value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// For a screen whose loads may overlap (a tab clicked while the last one loads, other dates):
// `const current = loads.start()` when a load begins, and only while `current()` is true is it
// the latest, the one that may show its answer.
export function latestOnly() {
  let started = 0;
  return {
    start() {
      const run = ++started;
      return () => run === started;
    },
  };
}

export function showError(element, message) {
  element.textContent = message || '';
  element.hidden = !message;
}

export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

// An export needs the session token, so it is fetched and handed to the browser as a file. The
// answer's headers stay readable for the caller (the audit log's say when an export was cut short).
export async function download(path, token, fallbackName) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token()}` } });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    throw new Error(data?.error?.message ?? `The export failed (HTTP ${response.status}).`);
  }
  const disposition = response.headers.get('content-disposition') ?? '';
  const link = h('a', { href: URL.createObjectURL(await response.blob()),
    download: /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  return response.headers;
}
