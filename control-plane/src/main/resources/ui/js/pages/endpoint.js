// An endpoint: its state and URIs, and five tabs: overview (how to call it, its deployments),
// traffic (weights, mirror, revision history, rollback), charts, keys and test. Every refresh reads
// the endpoint and its deployments; the open tab reads what else it shows.
import { api, enc } from '../api.js';
import { badge, copyLine, fill, h, renderIf, table, td, trafficBar } from '../dom.js';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'traffic', label: 'Traffic' },
  { id: 'charts', label: 'Charts' },
  { id: 'keys', label: 'Keys' },
  { id: 'test', label: 'Test' },
];

export function mount(main, params) {
  const name = params.endpoint;
  let tab = null;
  let panel = null;
  let alive = true;
  let generation = 0;
  let opening = Promise.resolve();

  const head = h('div', { test: 'endpoint-head' });
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Endpoint sections' },
    TABS.map(t => h('a', { href: `#/endpoints/${enc(name)}/${t.id}`, test: 'tab-' + t.id }, t.label)));
  const body = h('section', { test: 'tab-panel' });
  main.append(
    h('div', { class: 'crumbs' }, h('a', { href: '#/endpoints' }, 'Endpoints'), ' / ', name),
    head, tabs, body);

  /** Shows tab {@code id}; the next refresh fills it (the app refreshes after every route change). */
  function open(id) {
    if (tab === id) return;
    tab = id;
    const mine = ++generation;
    for (const a of tabs.children) {
      if (a.dataset.test === 'tab-' + id) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (panel && panel.unmount) panel.unmount();
    panel = null;
    body.replaceChildren();
    opening = loadTab(id).then(module => {
      if (mine !== generation || !alive) return;
      panel = module.create({ name, reload: () => refresh() });
      body.append(panel.el);
    });
  }

  async function refresh() {
    let endpoint;
    let deployments;
    try {
      [endpoint, deployments] = await Promise.all([api('/endpoints/' + enc(name)),
        api('/endpoints/' + enc(name) + '/deployments')]);
    } catch (e) {
      if (e.status === 404 && alive) {
        fill(head, h('h1', {}, name));
        fill(body, h('p', { class: 'error-text', test: 'endpoint-missing' }, `There is no endpoint '${name}' (${e.message}).`));
        return;
      }
      throw e;
    }
    if (!alive) return;
    const data = { endpoint, deployments: deployments.value.sort((a, b) => a.name.localeCompare(b.name)) };
    renderIf(head, endpoint, header);
    await opening;
    if (panel && alive) await panel.refresh(data);
  }

  open(params.tab);
  return {
    refresh,
    update(next) {
      if (next.endpoint !== name) return false;
      open(next.tab);
      return true;
    },
    unmount() {
      alive = false;
      if (panel && panel.unmount) panel.unmount();
    },
  };
}

async function loadTab(id) {
  switch (id) {
    case 'overview': return { create: overview };
    case 'traffic': return import('./endpoint-traffic.js');
    case 'charts': return import('./endpoint-charts.js');
    case 'keys': return import('./endpoint-keys.js');
    case 'test': return import('./endpoint-test.js');
    default: throw new Error('no tab ' + id);
  }
}

function header(e) {
  return [
    h('div', { class: 'page-head' },
      h('h1', { test: 'endpoint-name' }, e.name),
      badge(e.provisioning_state),
      h('span', { class: 'badge', title: 'auth mode' }, e.auth_mode),
      h('span', { class: 'badge', title: 'public network access', test: 'network-access' },
        e.public_network_access === 'disabled'
          ? 'private: ' + (e.allowed_networks || ['loopback and private ranges']).join(', ')
          : 'public network access'),
      h('span', { class: 'muted small', test: 'traffic-revision' }, 'traffic revision ' + e.traffic_revision)),
    e.description ? h('p', { class: 'muted' }, e.description) : null,
    trafficBar(e.traffic, e.mirror_traffic, { large: true, test: 'traffic-current' }),
  ];
}

/** The overview tab: how to call the endpoint, and its deployments. */
function overview({ name }) {
  const calls = h('div', { class: 'panel' });
  const list = h('div');
  const el = h('div', {}, h('h2', {}, 'Call it'), calls, h('h2', {}, 'Deployments'), list);
  return {
    el,
    async refresh({ endpoint, deployments }) {
      renderIf(calls, { uri: endpoint.scoring_uri, openapi: endpoint.openapi_uri, mode: endpoint.auth_mode },
        () => callIt(name, endpoint));
      renderIf(list, { deployments, traffic: endpoint.traffic, mirror: endpoint.mirror_traffic },
        () => deploymentsTable(name, endpoint, deployments));
    },
  };
}

function callIt(name, e) {
  const credential = e.auth_mode === 'key'
    ? `KEY=$(inferbus online-endpoint get-credentials --name ${name} -o tsv --query primaryKey)`
    : e.auth_mode === 'aml_token'
      ? `KEY=$(inferbus online-endpoint get-credentials --name ${name} -o tsv --query accessToken)`
      : 'KEY=<a token of the trusted issuer whose roles claim holds score:' + name + '>';
  const curl = `${credential}\ncurl --cacert ca.pem -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \\\n`
    + `     --data-binary @request.json ${e.scoring_uri}`;
  const cli = `inferbus online-endpoint invoke --name ${name} --request-file request.json`;
  return h('dl', { class: 'kv' },
    h('dt', {}, 'Scoring URI'), h('dd', {}, copyLine(e.scoring_uri, 'copy-scoring-uri', 'the scoring URI')),
    h('dt', {}, 'OpenAPI URI'), h('dd', {}, copyLine(e.openapi_uri, 'copy-openapi-uri', 'the OpenAPI URI')),
    h('dt', {}, 'curl'), h('dd', {}, copyLine(curl, 'copy-curl', 'the curl command', true)),
    h('dt', {}, 'CLI'), h('dd', {}, copyLine(cli, 'copy-cli', 'the CLI command', true)));
}

function deploymentsTable(name, e, deployments) {
  return table(['Deployment', 'State', { text: 'Ready / desired', class: 'num' }, 'Model', 'Request settings', 'Batching',
    { text: 'Traffic', class: 'num' }, { text: 'Mirror', class: 'num' }],
  deployments.map(d => {
    const ready = (d.instances || []).filter(i => i.state === 'Ready').length;
    const rs = d.request_settings || {};
    return h('tr', { test: 'deployment-row-' + d.name },
      td(h('a', { href: `#/endpoints/${enc(name)}/deployments/${enc(d.name)}`, test: 'deployment-link-' + d.name }, d.name)),
      td([badge(d.provisioning_state), d.failure_reason ? h('div', { class: 'error-text small' }, d.failure_reason) : null]),
      td(`${ready} / ${d.instance_count}`, 'num'),
      td(h('a', { href: '#/models', title: d.model && d.model.sha256 }, d.model ? `${d.model.name}:${d.model.version}` : '—')),
      td(h('span', { class: 'small' }, `timeout ${rs.request_timeout_ms} ms, ${rs.max_concurrent_requests_per_instance} at once, `
        + `queue wait ${rs.max_queue_wait_ms} ms`)),
      td(d.batching ? `up to ${d.batching.max_batch_size}, ${d.batching.max_batch_delay_ms} ms` : 'off'),
      td(`${(e.traffic || {})[d.name] || 0} %`, 'num'),
      td((e.mirror_traffic || {})[d.name] ? `${e.mirror_traffic[d.name]} %` : '—', 'num'));
  }), { test: 'deployments-table', empty: 'No deployments yet.' });
}
