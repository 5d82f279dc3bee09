// Models: every registered name:version with its inputs and outputs, size and sha256.
import { api } from '../api.js';
import { bytes, copyButton, h, renderIf, signature, table, td, when } from '../dom.js';

export function mount(main) {
  let alive = true;
  const list = h('div', { test: 'model-list' });
  main.append(h('div', { class: 'page-head' }, h('h1', {}, 'Models')), list);
  return {
    async refresh() {
      const models = await api('/models');
      if (!alive) return;
      const sorted = models.value.slice().sort((a, b) => a.name.localeCompare(b.name)
        || b.version.localeCompare(a.version, undefined, { numeric: true }));
      renderIf(list, sorted, () => table(['Name', 'Version', 'Inputs', 'Outputs', { text: 'Size', class: 'num' }, 'sha256', 'Registered'],
        sorted.map(m => h('tr', { test: `model-row-${m.name}-${m.version}` },
          td(m.name), td(m.version), td(signature(m.inputs)), td(signature(m.outputs)),
          td(bytes(m.size_bytes), 'num'),
          td(h('span', { class: 'row' }, h('span', { class: 'mono small', title: m.sha256 }, m.sha256.slice(0, 12) + '…'),
            copyButton(m.sha256, `copy-sha-${m.name}-${m.version}`, `the sha256 of ${m.name}:${m.version}`))),
          td([when(m.created_at), m.created_by ? h('div', { class: 'muted small' }, 'by ' + m.created_by) : null]))),
      { test: 'models-table', empty: 'No models are registered yet.' }));
    },
    unmount() {
      alive = false;
    },
  };
}
