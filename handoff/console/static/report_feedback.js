// What shoppers' reactions say (docs/METRICS.md): the bot's answers followed by negative feedback
// (Bot tab) and complaint causes (Topics tab), as tables report_views.js draws. Every value is text.

import { humanise } from './format.js';

const share = (value) => (value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)}%`);
const quoted = (text) => (text ? `“${text}”` : '(a photo)');

export function negativeFeedback(now, before) {
  const all = now.negative_feedback;
  const earlier = before?.negative_feedback;
  return {
    title: 'Answers followed by negative feedback',
    note: `${all.negative} of the bot's ${all.answers} answers (${share(all.share)}) were met with “that didn't help”, `
      + `a complaint, a request for a person or anger${earlier ? `; the period before ${share(earlier.share)}` : ''}.`,
    caption: 'Per intent the bot read, most first',
    columns: [['Intent', (r) => humanise(r.key)], ['Answers', (r) => String(r.answers)],
      ['Negative', (r) => String(r.negative)], ['Share', (r) => share(r.share)],
      ['Examples', (r) => r.examples.map((e) => `${quoted(e.asked)} → ${quoted(e.then)}`).join('  ')]],
    rows: all.per_intent,
  };
}

export function complaintCauses(now, before) {
  const causes = now.complaint_causes;
  const earlier = new Map((before?.complaint_causes.causes ?? []).map((r) => [r.key, r.tickets]));
  return {
    title: `Complaint causes (${causes.tickets} tickets)`,
    note: 'Tickets with a complaint, anger, negative feedback or a rating of 1-2, by what the shopper asked the bot '
      + 'about in the day before (a ticket counts under each topic).',
    caption: 'What shoppers complained about, against the period before',
    columns: [['Topic', (r) => (r.key === null ? 'Nothing the bot recognised' : humanise(r.key))],
      ['Tickets', (r) => String(r.tickets)], ['Share', (r) => share(r.share)],
      ['Before', (r) => String(earlier.get(r.key) ?? 0)],
      ['Complaint · anger · feedback · low rating', (r) => `${r.complaint} · ${r.anger} · ${r.negative_feedback} · ${r.low_rating}`],
      ['Examples', (r) => r.examples.map(quoted).join('  ')]],
    rows: causes.causes,
  };
}
