// The traffic tab: new weights and mirror share, applied as one new revision after a confirmation
// that shows before and after (PATCH /endpoints/{e}); the revision history, newest first, with a
// one-click rollback to any earlier revision (POST /endpoints/{e}/traffic/rollback).
import { api, enc } from '../api.js';
import { confirmDialog, fill, h, needsRole, renderIf, table, td, toast, toastError, trafficBar, when } from '../dom.js';
import { session } from '../session.js';

const MAX_MIRROR = 50;

export function create({ name, reload }) {
  const form = h('div', { class: 'panel', test: 'traffic-form' });
  const history = h('div', { test: 'history' });
  const el = h('div', {}, h('h2', {}, 'Change traffic'), form, h('h2', {}, 'Revision history'), history);
  let current = null; // the endpoint as last read
  let shape = null; // the deployments the form was built for
  let dirty = false;
  let inputs = {};
  let mirrorTarget;
  let mirrorShare;
  let sum;
  let problem;
  let apply;

  function build(endpoint, deployments) {
    shape = deployments.map(d => d.name).join(',');
    inputs = {};
    if (!session.can('operator')) {
      fill(form, needsRole('operator', 'Changing traffic'));
      return;
    }
    if (!deployments.length) {
      fill(form, h('p', { class: 'muted' }, 'The endpoint has no deployments yet.'));
      return;
    }
    const rows = deployments.map(d => {
      const input = h('input', {
        type: 'number', min: 0, max: 100, step: 1, inputmode: 'numeric', id: 'weight-' + d.name,
        test: 'weight-' + d.name, oninput: edited, onchange: edited,
      });
      inputs[d.name] = input;
      return h('div', { class: 'field' }, h('label', { for: 'weight-' + d.name }, d.name + ' %'), input);
    });
    mirrorTarget = h('select', { id: 'mirror-deployment', test: 'mirror-deployment', onchange: edited },
      h('option', { value: '' }, 'none'), deployments.map(d => h('option', { value: d.name }, d.name)));
    mirrorShare = h('input', {
      type: 'number', min: 0, max: MAX_MIRROR, step: 1, inputmode: 'numeric', id: 'mirror-percent', test: 'mirror-percent',
      oninput: edited, onchange: edited,
    });
    sum = h('span', { test: 'traffic-sum', 'aria-live': 'polite' });
    problem = h('p', { class: 'error-text', test: 'traffic-problem', role: 'alert', hidden: true });
    apply = h('button', { type: 'button', class: 'primary', test: 'traffic-apply', onclick: confirmAndApply }, 'Apply…');
    const reset = h('button', { type: 'button', test: 'traffic-reset', onclick: () => { dirty = false; load(current); } }, 'Reset');
    fill(form,
      h('div', { class: 'row' }, rows),
      h('p', {}, 'Total: ', sum, h('span', { class: 'muted' }, ' (live weights sum to 100 %, or all are 0)')),
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: 'mirror-deployment' }, 'Mirror to'), mirrorTarget),
        h('div', { class: 'field' }, h('label', { for: 'mirror-percent' }, `Mirror share % (at most ${MAX_MIRROR})`), mirrorShare)),
      h('p', { class: 'muted small' }, 'A mirrored copy goes to a deployment with 0 % live traffic; its answers are measured and dropped.'),
      problem,
      h('div', { class: 'actions' }, apply, reset));
  }

  /** The form shows the endpoint's traffic (unless the user is editing it). */
  function load(endpoint) {
    if (!mirrorTarget) return;
    for (const [n, input] of Object.entries(inputs)) input.value = (endpoint.traffic || {})[n] || 0;
    const mirror = Object.entries(endpoint.mirror_traffic || {}).find(([, v]) => v > 0);
    mirrorTarget.value = mirror ? mirror[0] : '';
    mirrorShare.value = mirror ? mirror[1] : 0;
    check();
  }

  function edited() {
    dirty = true;
    check();
  }

  /** The form's traffic and mirror, and what is wrong with them (null when nothing). */
  function read() {
    const traffic = {};
    let error = null;
    for (const [n, input] of Object.entries(inputs)) {
      const v = Number(input.value === '' ? NaN : input.value);
      if (!Number.isInteger(v) || v < 0 || v > 100) error = error || `${n}: a whole number from 0 to 100`;
      traffic[n] = v;
    }
    const total = Object.values(traffic).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    const target = mirrorTarget.value;
    const share = Number(mirrorShare.value === '' ? 0 : mirrorShare.value);
    if (!error && total !== 100 && total !== 0) error = `the weights sum to ${total} %, not 100 %`;
    if (!Number.isInteger(share) || share < 0 || share > MAX_MIRROR) error = error || `mirror share: a whole number from 0 to ${MAX_MIRROR}`;
    if (!error && target && share > 0 && traffic[target] > 0) error = `mirror traffic goes to a deployment with 0 % live traffic, and ${target} has ${traffic[target]} %`;
    const mirror = target && share > 0 ? { [target]: share } : {};
    return { traffic, mirror, total, error };
  }

  function check() {
    const { total, error, traffic, mirror } = read();
    sum.textContent = total + ' %';
    sum.className = total === 100 || total === 0 ? 'ok-text' : 'error-text';
    problem.textContent = error || '';
    problem.hidden = !error;
    apply.disabled = Boolean(error) || same(traffic, mirror, current);
  }

  async function confirmAndApply() {
    const { traffic, mirror, error } = read();
    if (error) return;
    const before = current;
    const mirrorChange = {};
    for (const [n, v] of Object.entries(before.mirror_traffic || {})) if (v > 0 && !(n in mirror)) mirrorChange[n] = 0;
    Object.assign(mirrorChange, mirror);
    const names = Object.keys(traffic);
    const ok = await confirmDialog({
      title: `Apply new traffic to ${name}?`,
      confirm: 'Apply as a new revision',
      test: 'confirm-traffic',
      body: h('div', {},
        h('p', {}, `The change becomes revision ${before.traffic_revision + 1}; every gateway routes by it within a second.`),
        table(['Deployment', { text: 'Before', class: 'num' }, { text: 'After', class: 'num' }],
          [...names.map(n => h('tr', {}, td(n), td(((before.traffic || {})[n] || 0) + ' %', 'num'), td(traffic[n] + ' %', 'num'))),
            ...Object.keys({ ...(before.mirror_traffic || {}), ...mirror }).map(n => h('tr', {}, td('mirror to ' + n),
              td(((before.mirror_traffic || {})[n] || 0) + ' %', 'num'), td((mirror[n] || 0) + ' %', 'num')))],
          { test: 'traffic-diff' }),
        h('h3', {}, 'Before'), trafficBar(before.traffic, before.mirror_traffic),
        h('h3', {}, 'After'), trafficBar(traffic, mirror)),
    });
    if (!ok) return;
    apply.disabled = true;
    try {
      const body = { traffic };
      if (Object.keys(mirrorChange).length) body.mirror_traffic = mirrorChange;
      const answer = await api('/endpoints/' + enc(name), { method: 'PATCH', body });
      dirty = false;
      toast(answer.traffic_revision > before.traffic_revision
        ? `Traffic of ${name} is now revision ${answer.traffic_revision}` : 'Nothing changed: the traffic was already so');
      await reload();
    } catch (e) {
      toastError(e);
      check();
    }
  }

  async function rollback(revision) {
    try {
      const answer = await api(`/endpoints/${enc(name)}/traffic/rollback`, { method: 'POST', body: { to_revision: revision } });
      dirty = false;
      toast(`Rolled back to revision ${revision}: now revision ${answer.traffic_revision}`);
      await reload();
    } catch (e) {
      toastError(e);
    }
  }

  function historyTable(revisions, endpoint) {
    const operator = session.can('operator');
    return table(['Revision', 'Traffic', 'By', 'When', ''],
      revisions.slice().reverse().map(r => {
        const isCurrent = r.revision === endpoint.traffic_revision;
        let action;
        if (isCurrent) action = h('span', { class: 'badge' }, 'current');
        else if (same(r.traffic, r.mirror_traffic, endpoint)) action = h('span', { class: 'muted small' }, 'same as current');
        else if (operator) {
          action = h('button', { type: 'button', test: 'rollback-' + r.revision, onclick: () => rollback(r.revision) },
            `Roll back to ${r.revision}`);
        }
        return h('tr', { class: isCurrent ? 'current' : '', test: 'revision-' + r.revision },
          td(h('span', {}, String(r.revision), r.rolled_back_to
            ? h('div', { class: 'muted small' }, `rollback to ${r.rolled_back_to}`) : null)),
          td(trafficBar(r.traffic, r.mirror_traffic)),
          td(r.actor),
          td(when(r.time)),
          td(action));
      }), { test: 'history-table', empty: 'No revisions.' });
  }

  return {
    el,
    async refresh({ endpoint, deployments }) {
      const revisions = await api(`/endpoints/${enc(name)}/traffic/history`);
      current = endpoint;
      const names = deployments.map(d => d.name).join(',');
      if (names !== shape) {
        build(endpoint, deployments);
        dirty = false;
      }
      if (!dirty) load(endpoint);
      else if (mirrorTarget) check();
      renderIf(history, { revisions: revisions.value, current: endpoint.traffic_revision,
        traffic: endpoint.traffic, mirror: endpoint.mirror_traffic }, () => historyTable(revisions.value, endpoint));
    },
  };
}

/** Whether weights and mirror equal the endpoint's (a deployment left out counts as 0 %). */
function same(traffic, mirror, endpoint) {
  if (!endpoint) return false;
  const norm = m => JSON.stringify(Object.entries(m || {}).filter(([, v]) => v > 0).sort());
  return norm(traffic) === norm(endpoint.traffic) && norm(mirror) === norm(endpoint.mirror_traffic);
}
