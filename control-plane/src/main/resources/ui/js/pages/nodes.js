// Nodes: the cluster's members, their roles, cores, instances and how long they have been up.
import { api } from '../api.js';
import { badge, h, renderIf, since, table, td, when } from '../dom.js';

export function mount(main) {
  let alive = true;
  const list = h('div', { test: 'node-list' });
  main.append(h('div', { class: 'page-head' }, h('h1', {}, 'Nodes')), list);
  return {
    async refresh() {
      const nodes = await api('/nodes');
      if (!alive) return;
      renderIf(list, nodes.value, () => table(['Node', 'Roles', 'Cores', 'Instances', 'Up since'],
        nodes.value.map(n => {
          const states = {};
          for (const i of n.instances || []) states[i.state] = (states[i.state] || 0) + 1;
          return h('tr', { test: 'node-' + (n.name || n.node_id) },
            td([h('strong', {}, n.name || n.node_id), h('div', { class: 'muted small mono' }, n.node_id),
              h('div', { class: 'muted small' }, n.address)]),
            td((n.roles || []).join(', ')),
            td(String((n.capacity && n.capacity.cores) ?? '—')),
            td((n.instances || []).length
              ? [Object.entries(states).map(([s, c]) => [badge(s), ` ${c} `]),
                h('div', { class: 'small' }, (n.instances || []).map(i => `${i.endpoint}/${i.deployment}`)
                  .filter((v, idx, all) => all.indexOf(v) === idx).join(', '))]
              : h('span', { class: 'muted' }, 'none')),
            td([when(n.started_at), h('div', { class: 'muted small' }, 'up ' + since(n.started_at))]));
        }), { test: 'nodes-table', empty: 'No nodes.' }));
    },
    unmount() {
      alive = false;
    },
  };
}
