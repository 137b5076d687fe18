// The Quality screen. Supervisors and admins draw a random sample of resolved conversations (the
// bot's alone, people's, or both; one agent's or team's), read each transcript, masked as agents
// see it, and score it: resolved, correct, tone 1-5 and a note; a score can be changed by the
// reviewer who gave it. The supervisor who drew a sample (or an admin) discards its unscored
// conversations, or one of them. Agents read the scored reviews of their own tickets. Figures are
// in the Reports screen's Quality tab (docs/METRICS.md). Everything shown is text.

import { byId, h, showError } from './dom.js';
import { channelLabel, humanise } from './format.js';
import { fullScreen } from './screens.js';
import { messageItem } from './transcript.js';

const DAY_MS = 86400000;
const isoDay = (date) => date.toISOString().slice(0, 10);
const KINDS = [['both', 'Bot and people'], ['bot', 'Bot alone'], ['human', 'People']];
const TONES = [[5, '5 – excellent'], [4, '4 – good'], [3, '3 – fair'], [2, '2 – poor'], [1, '1 – very poor']];
const yesNo = (value) => (value === true ? 'yes' : value === false ? 'no' : '–');

export function createQuality({ api }) {
  const state = { agent: null, built: false, sample: null, reviews: [], open: null };
  const view = byId('quality-view');
  const toggle = byId('open-quality');
  const senior = () => state.agent && (state.agent.role === 'supervisor' || state.agent.role === 'admin');

  function build() {
    view.replaceChildren(
      h('div', { class: 'report-head' }, h('h1', { text: senior() ? 'Quality review' : 'Reviews of my tickets' }),
        h('button', { class: 'button ghost', type: 'button', onclick: close }, 'Back to tickets')),
      senior() ? sampleForm() : null,
      h('p', { id: 'quality-error', class: 'form-error', role: 'alert', hidden: true }),
      h('div', { class: 'quality-grid' },
        h('div', { class: 'quality-lists' },
          senior() ? h('h2', { text: 'Samples' }) : null,
          senior() ? h('ul', { id: 'sample-list', class: 'quality-list', 'aria-label': 'Samples' }) : null,
          h('h2', { id: 'review-list-title', text: senior() ? 'Conversations' : 'Reviewed conversations' }),
          senior() ? h('button', { id: 'discard-sample', type: 'button', class: 'button small', hidden: true,
            onclick: () => attempt(() => discard(`/api/reviews/samples/${state.sample.id}`)) }, 'Discard the unscored') : null,
          h('ul', { id: 'review-list', class: 'quality-list', 'aria-label': 'Conversations to review' })),
        h('section', { id: 'review-pane', class: 'quality-pane', 'aria-label': 'Review' },
          h('p', { class: 'muted', text: 'Pick a conversation.' }))));
    state.built = true;
  }

  function sampleForm() {
    const today = new Date();
    const form = h('form', { id: 'sample-form', class: 'report-filters', 'aria-label': 'Draw a sample' },
      h('label', { for: 'sample-size', text: 'How many' }),
      h('input', { id: 'sample-size', type: 'number', min: 1, max: 50, value: 10, required: true }),
      h('label', { for: 'sample-from', text: 'Resolved from' }),
      h('input', { id: 'sample-from', type: 'date', value: isoDay(new Date(today - 6 * DAY_MS)), required: true }),
      h('label', { for: 'sample-to', text: 'to' }), h('input', { id: 'sample-to', type: 'date', value: isoDay(today), required: true }),
      h('select', { id: 'sample-kind', 'aria-label': 'Handled by' }, KINDS.map(([value, text]) => h('option', { value, text }))),
      h('select', { id: 'sample-agent', 'aria-label': 'Agent' }, h('option', { value: '', text: 'Any agent' })),
      h('select', { id: 'sample-team', 'aria-label': 'Team' }, h('option', { value: '', text: 'Any team' })),
      h('input', { id: 'sample-seed', type: 'text', maxlength: 40, placeholder: 'Seed (optional)', 'aria-label': 'Seed',
        title: 'The same seed over the same history draws the same conversations' }),
      h('button', { class: 'button primary', type: 'submit' }, 'Draw sample'));
    form.addEventListener('submit', (event) => { event.preventDefault(); draw(); });
    Promise.all([api.get('/api/agent/agents'), api.get('/api/agent/teams')]).then(([{ agents }, { teams }]) => {
      for (const agent of agents ?? []) byId('sample-agent').append(h('option', { value: agent.id, text: agent.display_name }));
      for (const team of teams ?? []) byId('sample-team').append(h('option', { value: team.name, text: team.title || team.name }));
    }).catch(() => {});
    return form;
  }

  async function attempt(work) {
    try {
      await work();
      showError(byId('quality-error'), '');
    } catch (error) {
      showError(byId('quality-error'), error.message);
    }
  }

  function draw() {
    const body = { size: Number(byId('sample-size').value), from: byId('sample-from').value, to: byId('sample-to').value,
      kind: byId('sample-kind').value };
    if (byId('sample-agent').value) body.agent_id = Number(byId('sample-agent').value);
    if (byId('sample-team').value) body.team = byId('sample-team').value;
    if (byId('sample-seed').value.trim()) body.seed = byId('sample-seed').value.trim();
    return attempt(async () => {
      showSample(await api.post('/api/reviews/samples', body));
      await loadSamples();
    });
  }

  async function loadSamples() {
    const { samples } = await api.get('/api/reviews/samples');
    byId('sample-list').replaceChildren(...samples.map((sample) => h('li', {},
      h('button', { type: 'button', class: 'quality-item', 'aria-current': String(sample.id === state.sample?.id),
        onclick: () => attempt(async () => showSample(await api.get(`/api/reviews/samples/${sample.id}`))) },
      `#${sample.id} · ${sample.from} to ${sample.to} · ${KINDS.find(([k]) => k === sample.kind)?.[1] ?? sample.kind}`
        + `${sample.agent_name ? ` · ${sample.agent_name}` : ''}${sample.team ? ` · ${humanise(sample.team)}` : ''}`
        + ` · ${sample.scored}/${sample.drawn} scored · seed ${sample.seed}`))));
  }

  function showSample(sample) {
    state.sample = sample;
    byId('review-list-title').textContent = `Sample #${sample.id} (seed ${sample.seed}): ${sample.scored} of ${sample.drawn} scored`;
    byId('discard-sample').hidden = !mayDiscard(sample) || sample.scored === sample.drawn;
    showReviews(sample.reviews);
  }

  const mayDiscard = (sample) => state.agent.role === 'admin' || sample.created_by_id === state.agent.id;

  // Discarded conversations go back among those a later sample may draw; scored ones stay.
  async function discard(path) {
    const { sample } = await api.delete(path);
    if (!(sample?.reviews ?? []).some((review) => review.id === state.open)) {
      state.open = null;
      byId('review-pane').replaceChildren(h('p', { class: 'muted', text: 'Pick a conversation.' }));
    }
    if (sample) {
      showSample(sample);
    } else {
      state.sample = null;
      byId('review-list-title').textContent = 'Conversations';
      byId('discard-sample').hidden = true;
      showReviews([]);
    }
    await loadSamples();
  }

  function title(review) {
    const when = (review.occurred_at ?? '').slice(0, 10);
    return review.kind === 'bot' ? `Bot alone · ${channelLabel(review.channel)} · opened ${when}`
      : `${review.agent_name ?? 'Agent'} · ticket #${review.ticket_id} · ${channelLabel(review.channel)} · resolved ${when}`;
  }

  function showReviews(reviews) {
    state.reviews = reviews;
    byId('review-list').replaceChildren(...reviews.map((review) => h('li', {},
      h('button', { type: 'button', class: 'quality-item', dataset: { review: String(review.id) },
        'aria-current': String(review.id === state.open), onclick: () => attempt(() => openReview(review.id)) },
      h('span', { text: title(review) }),
      h('span', { class: `quality-status ${review.scored ? 'scored' : ''}`,
        text: review.scored ? `Scored: ${yesNo(review.resolved)} / ${yesNo(review.correct)} / tone ${review.tone}` : 'To review' })))));
    if (!reviews.length) byId('review-list').append(h('li', { class: 'muted', text: 'No reviews yet.' }));
  }

  async function openReview(id) {
    const { review, messages } = await api.get(`/api/reviews/${id}`);
    state.open = id;
    for (const item of byId('review-list').querySelectorAll('[data-review]')) {
      item.setAttribute('aria-current', String(item.dataset.review === String(id)));
    }
    byId('review-pane').replaceChildren(
      h('h2', { id: 'review-title', text: title(review) }),
      h('ol', { class: 'transcript quality-transcript', 'aria-label': 'Transcript' }, messages.map((m) => messageItem(m))),
      scoreForm(review));
  }

  function choice(name, label, value, editable) {
    return h('fieldset', { class: 'choices quality-choice', disabled: !editable },
      h('legend', { text: label }),
      ...[['yes', true], ['no', false]].map(([word, flag]) => h('label', { class: 'radio' },
        h('input', { id: `score-${name}-${word}`, type: 'radio', name, value: word, checked: value === flag, required: true }),
        ` ${humanise(word)}`)));
  }

  function scoreForm(review) {
    const editable = senior() && (!review.reviewer_id || review.reviewer_id === state.agent.id);
    const form = h('form', { id: 'score-form', class: 'quality-score', 'aria-label': 'Score' },
      choice('resolved', 'Resolved: was the shopper\'s matter settled?', review.resolved, editable),
      choice('correct', 'Correct: was what they were told right?', review.correct, editable),
      h('label', { for: 'score-tone', text: 'Tone' }),
      h('select', { id: 'score-tone', disabled: !editable, required: true },
        h('option', { value: '', text: 'Choose…' }),
        TONES.map(([value, text]) => h('option', { value, text, selected: review.tone === value }))),
      h('label', { for: 'score-note', text: 'Note' }),
      h('textarea', { id: 'score-note', rows: 3, maxlength: 2000, disabled: !editable }, review.note ?? ''),
      h('p', { id: 'score-status', class: 'muted', role: 'status', text: review.scored
        ? `Scored by ${review.reviewer_name ?? 'a reviewer'}${review.updated_at ? ' (changed)' : ''}` : 'Not scored yet' }),
      h('p', { id: 'score-error', class: 'inline-error compact', role: 'alert', hidden: true }),
      h('div', { class: 'dialog-actions start' },
        editable ? h('button', { class: 'button primary', type: 'submit' }, review.scored ? 'Save changes' : 'Save score') : null,
        !review.scored && state.sample && mayDiscard(state.sample) ? h('button', { id: 'discard-review', type: 'button',
          class: 'button', onclick: () => attempt(() => discard(`/api/reviews/${review.id}`)) }, 'Take out of the sample') : null));
    form.addEventListener('submit', (event) => { event.preventDefault(); save(review.id, form); });
    return form;
  }

  async function save(id, form) {
    const picked = (name) => form.querySelector(`input[name="${name}"]:checked`)?.value;
    if (!picked('resolved') || !picked('correct') || !byId('score-tone').value) {
      showError(byId('score-error'), 'Answer resolved and correct, and choose a tone.');
      return;
    }
    try {
      const saved = await api.put(`/api/reviews/${id}`, { resolved: picked('resolved') === 'yes', correct: picked('correct') === 'yes',
        tone: Number(byId('score-tone').value), note: byId('score-note').value });
      if (state.sample) {
        showSample(await api.get(`/api/reviews/samples/${state.sample.id}`));
        await loadSamples();
      } else {
        showReviews(state.reviews.map((review) => (review.id === id ? saved : review)));
      }
      await openReview(id);
    } catch (error) {
      showError(byId('score-error'), error.message);
    }
  }

  async function load() {
    if (!state.built) build();
    await attempt(async () => {
      if (senior()) await loadSamples();
      else showReviews((await api.get('/api/reviews/mine')).reviews);
    });
  }

  const { close } = fullScreen('quality', view, toggle, { onOpen: load });

  return {
    signedIn(agent) {
      state.agent = agent;
      state.built = false;
      toggle.hidden = false;
      toggle.textContent = senior() ? 'Quality' : 'My reviews';
      close();
    },
    signedOut() {
      close();
      toggle.hidden = true;
    },
  };
}
