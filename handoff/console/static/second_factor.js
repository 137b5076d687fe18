// The second factor at sign-in (handoff/second_factor.py): the hub answers a right password with
// "second_factor_required" (ask for the app's code) or "second_factor_enrolment" (show the new
// key to add to an app first); the first login after enrolling shows the recovery codes, once.

import { byId, h, setText } from './dom.js';

const CODES = new Set(['second_factor_required', 'second_factor_enrolment', 'second_factor_wrong']);

export function secondFactorStep(error) {
  if (!CODES.has(error.code)) return false;
  byId('login-second-factor').hidden = false;
  const enrolment = error.data?.enrolment;
  if (enrolment) {
    setText(byId('enrol-secret'), enrolment.secret.replace(/(.{4})/g, '$1 ').trim());
    byId('enrol-uri').href = enrolment.uri;
    byId('login-enrolment').hidden = false;
  }
  byId('login-code').value = '';
  byId('login-code').focus();
  return true;
}

export function secondFactorCode() {
  return byId('login-second-factor').hidden ? undefined : byId('login-code').value.trim();
}

export function resetSecondFactor() {
  byId('login-second-factor').hidden = true;
  byId('login-enrolment').hidden = true;
  byId('login-code').value = '';
}

export function showRecoveryCodes(codes) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { id: 'recovery-dialog', 'aria-labelledby': 'recovery-title' },
      h('div', { class: 'dialog-body' },
        h('h2', { id: 'recovery-title' }, 'Your recovery codes'),
        h('p', { class: 'hint' }, 'Each works once, in place of a code from your app. Keep them somewhere safe: '
          + 'they are shown only now.'),
        h('ul', { class: 'recovery-codes', id: 'recovery-codes' }, codes.map((code) => h('li', {}, h('code', {}, code)))),
        h('div', { class: 'dialog-actions' },
          h('button', { class: 'button primary', type: 'button', onclick: () => dialog.close() }, 'I have saved them'))));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
