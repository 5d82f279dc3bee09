// Signing in: paste an operator token (client.json's, or one from `inferbus token create`), or
// open the link `inferbus console` prints, which signs in by itself.
import { h } from '../dom.js';

export function mount(main, { message, onToken }) {
  const input = h('textarea', {
    id: 'token', test: 'signin-token', rows: 5, autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'token-help', required: true,
  });
  const error = h('p', { class: 'error-text', role: 'alert', test: 'signin-error', hidden: !message }, message || '');
  const submit = h('button', { type: 'submit', class: 'primary', test: 'signin-submit' }, 'Sign in');
  const form = h('form', {
    class: 'signin',
    onsubmit: async e => {
      e.preventDefault();
      const token = input.value.trim();
      if (!token) {
        error.textContent = 'Paste a token first.';
        error.hidden = false;
        input.focus();
        return;
      }
      submit.disabled = true;
      try {
        await onToken(token);
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('h1', {}, 'Sign in to the Inferbus console'),
  error,
  h('div', { class: 'field' },
    h('label', { for: 'token' }, 'Operator token'),
    input,
    h('p', { id: 'token-help', class: 'muted small' },
      'Run ', h('code', {}, 'inferbus console'), ' and open the link it prints, or paste a token: the admin token in ',
      h('code', {}, '.inferbus-data/client.json'), ', or one an admin made with ',
      h('code', {}, 'inferbus token create'), '. The token stays in this tab only and is sent to this control plane only.')),
  h('div', { class: 'actions' }, submit));
  main.append(form);
  input.focus();
  return { refresh: async () => {} };
}
