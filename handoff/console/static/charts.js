// Plots for the Reports screen, drawn by the vendored uPlot (scripts/vendor-uplot; served from our own
// origin under the console's CSP). uPlot draws on a canvas and styles through the CSSOM, which the
// policy allows; nothing here writes HTML.

import uPlot from './uplot.esm.js';
import { h } from './dom.js';

const COLOURS = ['#2456d6', '#9aa5b5', '#167a48', '#c0262d', '#6941c6'];
const HEIGHT = 220;
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function widthOf(element) {
  return Math.max(280, Math.floor(element.getBoundingClientRect().width) || 600);
}

function mount(container, title, make) {
  const figure = h('figure', { class: 'chart', 'aria-label': title }, h('figcaption', { text: title }));
  container.append(figure);
  const plot = make(widthOf(container));
  figure.append(plot.root);
  return plot;
}

// Daily series: days are 'YYYY-MM-DD' (UTC), series are [{label, values}] aligned with them.
export function lineChart(container, title, days, series, { percent = false } = {}) {
  const xs = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
  const options = {
    height: HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    series: [{}, ...series.map((item, n) => ({
      label: item.label, stroke: COLOURS[n % COLOURS.length], width: 2, points: { show: true },
      value: (_u, v) => (v === null || v === undefined ? '–' : percent ? `${Math.round(v * 100)}%` : String(v)),
    }))],
    axes: [{}, { values: (_u, ticks) => ticks.map((v) => (percent ? `${Math.round(v * 100)}%` : String(v))) }],
    scales: percent ? { y: { range: [0, 1] } } : {},
  };
  return mount(container, title, (width) => new uPlot({ ...options, width }, [xs, ...series.map((s) => s.values)]));
}

// Bars over categories (e.g. CSAT stars): labels along x, one value each.
export function barChart(container, title, labels, values, label) {
  const xs = labels.map((_l, n) => n);
  const options = {
    height: HEIGHT,
    scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
    axes: [{ values: (_u, ticks) => ticks.map((t) => labels[t] ?? ''), splits: () => xs }, {}],
    series: [{}, { label, fill: `${COLOURS[0]}cc`, stroke: COLOURS[0], paths: uPlot.paths.bars({ size: [0.6, 80] }),
      points: { show: false } }],
    legend: { show: false },
  };
  return mount(container, title, (width) => new uPlot({ ...options, width }, [xs, values]));
}

// The week as 7 rows of 24 hours, each cell shaded by its count (hour 0 = Monday 00:00 UTC).
export function heatMap(container, title, counts) {
  const top = Math.max(1, ...counts);
  const grid = h('div', { class: 'heatmap', role: 'table', 'aria-label': title });
  grid.append(h('div', { class: 'heat-corner', role: 'columnheader' }),
    ...Array.from({ length: 24 }, (_v, hour) => h('div', { class: 'heat-hour', role: 'columnheader', text: hour % 3 ? '' : hour })));
  DAYS.forEach((day, d) => {
    grid.append(h('div', { class: 'heat-day', role: 'rowheader', text: day }));
    for (let hour = 0; hour < 24; hour += 1) {
      const count = counts[d * 24 + hour] ?? 0;
      const cell = h('div', { class: 'heat-cell', role: 'cell', title: `${day} ${hour}:00–${hour}:59 UTC: ${count}`,
        dataset: { count } });
      cell.style.setProperty('--heat', (count / top).toFixed(3));
      grid.append(cell);
    }
  });
  container.append(h('figure', { class: 'chart' }, h('figcaption', { text: title }), grid));
}
