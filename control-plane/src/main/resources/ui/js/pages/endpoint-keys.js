// The keys tab (admins): a key endpoint's two keys, shown on request, copied, regenerated; an
// aml_token endpoint's scoring token on request. Keys are read only when asked for, never polled,
// and forgotten when the tab closes.
import { api, enc } from '../api.js';
import { confirmDialog, copyButton, fill, h, needsRole, time, toast, toastError } from '../dom.js';
import { session } from '../session.js';

export function create({ name }) {
  const el = h('div', { class: 'panel', test: 'keys-panel' });
  let mode = null;
  let keys = null;
  const revealed = { primary: false, secondary: false };

  function draw() {
    if (mode === 'aad_token') {
      fill(el, h('p', {}, `Callers of ${name} present a token of the trusted issuer whose roles claim holds `,
        h('code', {}, 'score:' + name), ' or ', h('code', {}, 'score:*'), '; the control plane holds no key for it.'));
      return;
    }
    if (!session.can('admin')) {
      fill(el, needsRole('admin', mode === 'aml_token' ? 'Getting a scoring token here' : 'Seeing keys here'));
      return;
    }
    if (mode === 'aml_token') {
      fill(el, h('p', {}, 'Callers send a scoring token the control plane issues, valid for an hour.'),
        h('button', { type: 'button', class: 'primary', test: 'token-get', onclick: getToken }, 'Get a scoring token'),
        h('div', { test: 'token-result' }));
      return;
    }
    if (!keys) {
      fill(el, h('p', {}, 'Callers send one of the endpoint\'s two keys as a bearer token.'),
        h('button', { type: 'button', class: 'primary', test: 'keys-show', onclick: showKeys }, 'Show keys'));
      return;
    }
    fill(el,
      ['primary', 'secondary'].map(type => h('div', { class: 'copyline', test: 'key-' + type },
        h('strong', {}, type),
        h('code', { test: `key-${type}-text` }, revealed[type] ? keys[type] : '•'.repeat(24)),
        h('button', {
          type: 'button', test: `key-reveal-${type}`, 'aria-pressed': String(revealed[type]),
          onclick: () => { revealed[type] = !revealed[type]; draw(); },
        }, revealed[type] ? 'Hide' : 'Show'),
        copyButton(keys[type], `key-copy-${type}`, `the ${type} key`),
        h('button', { type: 'button', class: 'danger', test: `key-regenerate-${type}`, onclick: () => regenerate(type) },
          'Regenerate…'))),
      h('div', { class: 'actions' }, h('button', { type: 'button', test: 'keys-hide', onclick: () => { keys = null; draw(); } },
        'Forget keys')));
  }

  async function showKeys() {
    try {
      const answer = await api(`/endpoints/${enc(name)}/keys`, { method: 'POST' });
      keys = { primary: answer.primaryKey, secondary: answer.secondaryKey };
      draw();
    } catch (e) {
      toastError(e);
    }
  }

  async function regenerate(type) {
    const ok = await confirmDialog({
      title: `Regenerate the ${type} key of ${name}?`, danger: true, confirm: `Regenerate ${type} key`, test: 'confirm-regenerate',
      body: h('p', {}, `Callers using the current ${type} key are refused on every gateway within a second. `
        + `The ${type === 'primary' ? 'secondary' : 'primary'} key keeps working: move callers to it first.`),
    });
    if (!ok) return;
    try {
      const answer = await api(`/endpoints/${enc(name)}/keys/regenerate`, { method: 'POST', body: { key_type: type } });
      keys = { primary: answer.primaryKey, secondary: answer.secondaryKey };
      toast(`The ${type} key of ${name} is new`);
      draw();
    } catch (e) {
      toastError(e);
    }
  }

  async function getToken() {
    try {
      const answer = await api(`/endpoints/${enc(name)}/token`, { method: 'POST' });
      fill(el.querySelector('[data-test="token-result"]'),
        h('div', { class: 'copyline' }, h('pre', { test: 'token-text' }, answer.accessToken),
          copyButton(answer.accessToken, 'token-copy', 'the scoring token')),
        h('p', { class: 'muted small' }, `Valid until ${time(new Date(answer.expiryTimeUtc * 1000).toISOString())}; `
          + `refresh after ${time(new Date(answer.refreshAfterTimeUtc * 1000).toISOString())}.`));
    } catch (e) {
      toastError(e);
    }
  }

  return {
    el,
    async refresh({ endpoint }) {
      if (endpoint.auth_mode !== mode) {
        mode = endpoint.auth_mode;
        keys = null;
        draw();
      }
    },
  };
}
