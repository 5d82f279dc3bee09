// A deployment: its state, model and settings, its instances by node and state, scaling (the
// instance count), and its instances' log lines (the last N, followed while the box is ticked).
import { api, enc, optional } from '../api.js';
import { badge, fill, h, needsRole, renderIf, signature, since, table, td, toast, toastError } from '../dom.js';
import { session } from '../session.js';

export function mount(main, { endpoint, deployment }) {
  let alive = true;
  let logsWanted = true;
  const base = `/endpoints/${enc(endpoint)}/deployments/${enc(deployment)}`;
  const head = h('div', { test: 'deployment-head' });
  const settings = h('div', { class: 'panel' });
  const instances = h('div', { test: 'instances' });
  const scale = h('div', { class: 'panel', test: 'scale-panel' });
  const lines = h('select', { id: 'logs-lines', test: 'logs-lines', onchange: () => readLogs() },
    [50, 100, 500, 1000].map(n => h('option', { value: n, selected: n === 100 }, String(n))));
  const follow = h('input', { type: 'checkbox', id: 'logs-follow', test: 'logs-follow', checked: true });
  const logs = h('pre', { class: 'logs', test: 'logs', tabindex: 0, 'aria-label': 'log lines' });
  const logNote = h('p', { class: 'muted small', test: 'logs-note' });
  main.append(
    h('div', { class: 'crumbs' }, h('a', { href: '#/endpoints' }, 'Endpoints'), ' / ',
      h('a', { href: '#/endpoints/' + enc(endpoint) }, endpoint), ' / ', deployment),
    head,
    h('div', { class: 'grid' }, settings, scale),
    h('h2', {}, 'Instances'), instances,
    h('h2', {}, 'Logs'),
    h('div', { class: 'row' },
      h('label', { for: 'logs-lines' }, 'Last'), lines, h('span', {}, 'lines'),
      h('span', {}, follow, ' ', h('label', { for: 'logs-follow' }, 'Follow')),
      h('button', { type: 'button', test: 'logs-refresh', onclick: () => readLogs() }, 'Read again')),
    logNote, logs);

  let count = null;
  if (session.can('operator')) {
    count = h('input', { type: 'number', min: 0, max: 64, step: 1, id: 'scale-count', test: 'scale-count' });
    const apply = h('button', { type: 'submit', class: 'primary', test: 'scale-apply' }, 'Scale');
    fill(scale, h('h2', {}, 'Scale'), h('form', {
      onsubmit: async e => {
        e.preventDefault();
        const n = Number(count.value);
        apply.disabled = true;
        try {
          await api(base, { method: 'PATCH', body: { instance_count: n } });
          delete count.dataset.edited;
          toast(`${deployment} scales to ${n} instance${n === 1 ? '' : 's'}`);
        } catch (err) {
          toastError(err);
        } finally {
          apply.disabled = false;
        }
      },
    }, h('div', { class: 'row' }, h('label', { for: 'scale-count' }, 'Instances (0–64)'), count, apply)));
    // an edit is an input or a change (a value cleared by a script or a tool fires only change)
    for (const type of ['input', 'change']) count.addEventListener(type, () => { count.dataset.edited = '1'; });
  } else {
    fill(scale, h('h2', {}, 'Scale'), needsRole('operator', 'Scaling'));
  }

  async function readLogs() {
    logsWanted = true;
    const answer = await api(`${base}/logs?lines=${lines.value}`);
    if (!alive) return;
    const atEnd = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 8;
    const text = answer.value.map(l => `${l.time} ${l.level.padEnd(5)} ${l.instance}  ${l.message}`).join('\n');
    const shown = text || '(no lines yet)';
    if (logs.textContent !== shown) {
      logs.textContent = shown;
      if (atEnd || follow.checked) logs.scrollTop = logs.scrollHeight;
    }
    const unreachable = answer.unreachable_nodes || [];
    logNote.textContent = unreachable.length ? 'No answer from node ' + unreachable.join(', ') + '.' : '';
    logsWanted = follow.checked;
  }

  return {
    async refresh() {
      let d;
      let nodes;
      try {
        [d, nodes] = await Promise.all([api(base), optional('/nodes')]);
      } catch (e) {
        if (e.status === 404) {
          fill(head, h('p', { class: 'error-text', test: 'deployment-missing' }, e.message));
          return;
        }
        throw e;
      }
      if (!alive) return;
      const names = new Map(((nodes && nodes.value) || []).map(n => [n.node_id, n.name || n.node_id]));
      renderIf(head, d, () => header(d));
      renderIf(settings, { rs: d.request_settings, b: d.batching, m: d.model, n: d.instance_count }, () => details(d));
      renderIf(instances, { i: d.instances, names: [...names] }, () => byNode(d.instances || [], names));
      if (count && !count.dataset.edited && document.activeElement !== count) count.value = d.instance_count;
      if (logsWanted || follow.checked) await readLogs();
    },
    unmount() {
      alive = false;
    },
  };
}

function header(d) {
  const ready = (d.instances || []).filter(i => i.state === 'Ready').length;
  return [
    h('div', { class: 'page-head' }, h('h1', {}, d.name), badge(d.provisioning_state),
      h('span', { class: 'muted', test: 'ready-count' }, `${ready} of ${d.instance_count} ready`)),
    d.failure_reason ? h('p', { class: 'error-text', test: 'failure-reason' }, d.failure_reason) : null,
  ];
}

function details(d) {
  const rs = d.request_settings || {};
  const m = d.model || {};
  return [h('h2', {}, 'Settings'), h('dl', { class: 'kv' },
    h('dt', {}, 'Model'), h('dd', {}, h('a', { href: '#/models' }, `${m.name}:${m.version}`)),
    h('dt', {}, 'sha256'), h('dd', { class: 'mono small' }, m.sha256 || '—'),
    h('dt', {}, 'Inputs'), h('dd', {}, signature(m.inputs)),
    h('dt', {}, 'Outputs'), h('dd', {}, signature(m.outputs)),
    h('dt', {}, 'Instances wanted'), h('dd', {}, String(d.instance_count)),
    h('dt', {}, 'Request timeout'), h('dd', {}, `${rs.request_timeout_ms} ms`),
    h('dt', {}, 'At once per instance'), h('dd', {}, String(rs.max_concurrent_requests_per_instance)),
    h('dt', {}, 'Queue wait'), h('dd', {}, `${rs.max_queue_wait_ms} ms`),
    h('dt', {}, 'Batching'), h('dd', {}, d.batching
      ? `batches of up to ${d.batching.max_batch_size}, waiting up to ${d.batching.max_batch_delay_ms} ms` : 'off'))];
}

function byNode(list, names) {
  const nodes = new Map();
  for (const i of list) {
    if (!nodes.has(i.node)) nodes.set(i.node, []);
    nodes.get(i.node).push(i);
  }
  return table(['Node', 'States', 'Instances'], [...nodes].map(([node, mine]) => {
    const states = {};
    for (const i of mine) states[i.state] = (states[i.state] || 0) + 1;
    return h('tr', { test: 'node-row' },
      td(h('span', { title: node }, names.get(node) || node)),
      td(Object.entries(states).map(([s, n]) => [badge(`${s}`), ` ${n} `])),
      td(mine.map(i => h('div', { class: 'small' }, h('span', { class: 'mono' }, i.id), ' ', badge(i.state),
        h('span', { class: 'muted' }, ` for ${since(i.since)}`)))));
  }), { test: 'instances-table', empty: 'No instances are placed yet.' });
}
