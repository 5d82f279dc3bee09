// Endpoints: each with its auth mode, provisioning state, traffic split, and the last five
// minutes' request rate, error share and p95 (GET /metrics/endpoints?minutes=5); search by name.
import { api, optional } from '../api.js';
import { badge, h, ms, num, percent, renderIf, table, td, trafficBar } from '../dom.js';

export function mount(main) {
  let alive = true;
  let latest = null;
  const search = h('input', {
    type: 'search', id: 'endpoint-search', test: 'endpoint-search', placeholder: 'name contains…', autocomplete: 'off',
    oninput: () => latest && draw(latest),
  });
  const list = h('div', { test: 'endpoint-list' });
  const note = h('p', { class: 'muted small', test: 'stats-note' });
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Endpoints')),
    h('div', { class: 'row' }, h('label', { for: 'endpoint-search' }, 'Search'), search),
    h('p'), list, note);

  function draw(data) {
    const q = search.value.trim().toLowerCase();
    const shown = data.endpoints.filter(e => e.name.toLowerCase().includes(q));
    renderIf(list, { shown, stats: data.stats, q }, () => table(
      ['Name', 'Auth mode', 'State', 'Traffic', { text: 'Requests/s', class: 'num' }, { text: 'Errors', class: 'num' },
        { text: 'p95', class: 'num' }],
      shown.map(e => {
        const s = data.stats && data.stats[e.name];
        return h('tr', { test: 'endpoint-row-' + e.name },
          td(h('a', { href: '#/endpoints/' + encodeURIComponent(e.name), test: 'endpoint-link-' + e.name }, e.name)),
          td(e.auth_mode),
          td(badge(e.provisioning_state)),
          td(trafficBar(e.traffic, e.mirror_traffic, { legend: false, test: 'traffic-bar-' + e.name })),
          td(s ? num(s.requests_per_second, 2) : '—', 'num'),
          td(s ? percent(s.error_rate) : '—', 'num'),
          td(s ? ms(s.p95_ms) : '—', 'num'));
      }),
      { test: 'endpoints-table', empty: q ? `No endpoint's name contains "${q}".` : 'No endpoints yet.' }));
    note.textContent = data.stats ? 'Requests, errors and p95 over the last 5 minutes'
      + (data.missingGateways.length ? ` (no answer from gateway ${data.missingGateways.join(', ')})` : '') + '.'
      : 'No statistics yet: this control plane does not gather request statistics.';
  }

  return {
    async refresh() {
      const [endpoints, metrics] = await Promise.all([api('/endpoints'), optional('/metrics/endpoints?minutes=5')]);
      if (!alive) return;
      let stats = null;
      if (metrics) {
        stats = {};
        for (const m of metrics.value || []) stats[m.endpoint] = m;
      }
      latest = { endpoints: endpoints.value, stats, missingGateways: (metrics && metrics.missing_gateways) || [] };
      draw(latest);
    },
    unmount() {
      alive = false;
    },
  };
}
