// The test tab (operators): a request body, pre-filled from the chosen deployment's model
// signature, sent through the gateway by the control plane (POST /endpoints/{e}/test), and the
// answer with its status, time and who served it. The browser never calls the gateway itself.
import { api, enc } from '../api.js';
import { fill, h, needsRole, ms } from '../dom.js';
import { session } from '../session.js';

/** Elements of a template above this are left as a placeholder: a body the user fills in. */
const MAX_TEMPLATE_ELEMENTS = 4096;

export function create({ name }) {
  const el = h('div', { class: 'panel', test: 'test-panel' });
  let built = false;
  let edited = false;
  let deployments = [];
  let endpoint = null;
  let select;
  let textarea;
  let send;
  let result;
  let aad;
  let sending = false;
  /** What the body's template was made from (deployment and model), so a refresh renews it only when that changes. */
  let templatedFrom = null;

  function build() {
    built = true;
    if (!session.can('operator')) {
      fill(el, needsRole('operator', 'Sending a test request'));
      return;
    }
    select = h('select', { id: 'test-deployment', test: 'test-deployment', onchange: () => { if (!edited) template(); } });
    textarea = h('textarea', { id: 'test-body', test: 'test-body', spellcheck: 'false', oninput: () => { edited = true; }, onchange: () => { edited = true; } });
    send = h('button', { type: 'submit', class: 'primary', test: 'test-send' }, 'Send');
    result = h('div', { test: 'test-result', 'aria-live': 'polite' });
    aad = h('p', { class: 'error-text', test: 'test-aad', hidden: true }, 'Callers of this endpoint present a token of the '
      + 'trusted issuer, which the control plane cannot issue: the console cannot test it.');
    fill(el, h('form', { onsubmit: e => { e.preventDefault(); submit(); } },
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: 'test-deployment' }, 'Deployment'), select)),
      h('div', { class: 'field' }, h('label', { for: 'test-body' }, 'Request body (JSON)'), textarea),
      h('p', { class: 'muted small' }, 'Sent to the scoring URI with the endpoint\'s own credential, as a caller would. '
        + 'A pinned deployment answers even at 0 % traffic.'),
      aad,
      h('div', { class: 'actions' }, send,
        h('button', { type: 'button', test: 'test-template', onclick: () => { edited = false; template(); } }, 'Reset to template'))),
    result);
  }

  function options() {
    const wanted = [''].concat(deployments.map(d => d.name)).join(',');
    if (select.dataset.options === wanted) return;
    const chosen = select.value;
    select.dataset.options = wanted;
    fill(select, h('option', { value: '' }, 'by traffic weights'), deployments.map(d => h('option', { value: d.name }, d.name)));
    if (deployments.some(d => d.name === chosen)) select.value = chosen;
  }

  /** The chosen deployment, or the one with the most traffic. */
  function templateDeployment() {
    const d = deployments.find(x => x.name === select.value);
    if (d) return d;
    const traffic = (endpoint && endpoint.traffic) || {};
    return deployments.slice().sort((a, b) => (traffic[b.name] || 0) - (traffic[a.name] || 0))[0];
  }

  function templateSource() {
    const d = templateDeployment();
    return d && d.model ? `${d.name}/${d.model.name}:${d.model.version}/${d.model.inputs ? d.model.inputs.length : 0}` : '';
  }

  /** The template of the chosen deployment's model, or of the one with the most traffic. */
  function template() {
    const d = templateDeployment();
    templatedFrom = templateSource();
    textarea.value = d && d.model && d.model.inputs ? JSON.stringify(requestTemplate(d.model.inputs), null, 2) : '{\n  "input_data": []\n}';
  }

  async function submit() {
    let body = textarea.value;
    try {
      JSON.parse(body);
    } catch (e) {
      fill(result, h('p', { class: 'error-text', role: 'alert', test: 'test-error' }, 'The body is not JSON: ' + e.message));
      return;
    }
    sending = true;
    send.disabled = true;
    fill(result, h('p', { class: 'muted' }, 'Sending…'));
    const query = select.value ? '?deployment=' + enc(select.value) : '';
    try {
      const answer = await api(`/endpoints/${enc(name)}/test${query}`, { method: 'POST', body });
      const ok = answer.status >= 200 && answer.status < 300;
      const headers = answer.headers || {};
      fill(result,
        h('dl', { class: 'kv' },
          h('dt', {}, 'Status'), h('dd', { class: ok ? 'ok-text' : 'error-text', test: 'test-status' }, String(answer.status)),
          h('dt', {}, 'Time'), h('dd', { test: 'test-time' }, ms(answer.duration_ms)),
          h('dt', {}, 'Served by'), h('dd', { test: 'test-served-by' }, headers['azureml-model-deployment'] || '—'),
          h('dt', {}, 'Request id'), h('dd', { class: 'mono' }, headers['x-request-id'] || '—')),
        h('h3', {}, 'Answer'),
        h('pre', { test: 'test-answer' }, typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body, null, 2)),
        answer.truncated ? h('p', { class: 'muted small' }, `Cut at 1 MiB of ${answer.body_bytes} bytes.`) : null);
    } catch (e) {
      fill(result, h('p', { class: 'error-text', role: 'alert', test: 'test-error' },
        `${e.status} ${e.code}: ${e.message}`));
    } finally {
      sending = false;
      send.disabled = !aad.hidden;
    }
  }

  return {
    el,
    async refresh(data) {
      endpoint = data.endpoint;
      deployments = data.deployments;
      if (!built) build();
      if (!select) return;
      options();
      // Renewed only when what it is made from changes: a body the user cleared stays cleared.
      if (!edited && templateSource() !== templatedFrom) template();
      aad.hidden = endpoint.auth_mode !== 'aad_token';
      send.disabled = sending || !aad.hidden;
    },
  };
}

/**
 * A request body for a model's inputs: Azure ML's {"input_data": ...} with one row of zeros (false,
 * "" for booleans and strings) in each input's shape, a dynamic dimension taken as 1.
 */
export function requestTemplate(inputs) {
  const values = inputs.map(input => {
    const shape = (input.shape || []).map(d => (d > 0 ? d : 1));
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > MAX_TEMPLATE_ELEMENTS) return `<${input.datatype} of shape [${shape.join(', ')}]>`;
    const zero = input.datatype === 'BOOL' ? false : input.datatype === 'BYTES' || input.datatype === 'STRING' ? '' : 0;
    const make = dims => (dims.length === 0 ? zero : Array.from({ length: dims[0] }, () => make(dims.slice(1))));
    return make(shape);
  });
  if (inputs.length === 1) return { input_data: values[0] };
  return { input_data: Object.fromEntries(inputs.map((input, i) => [input.name, values[i]])) };
}
