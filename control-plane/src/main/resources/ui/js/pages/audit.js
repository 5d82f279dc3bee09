// The audit log: every change, newest first, filtered by endpoint and by actor. Read as the API
// pages it (oldest first, 1,000 at a time from a time on), kept in memory, asked only for what is new.
import { api, enc } from '../api.js';
import { fill, h, renderIf, table, td, when } from '../dom.js';

const PAGE = 1000;
const KEEP = 20000;
const SHOW = 500;

export function mount(main) {
  let alive = true;
  const records = new Map();
  let last = null;
  const endpoint = h('select', { id: 'audit-endpoint', test: 'audit-endpoint', onchange: () => draw() }, h('option', { value: '' }, 'all'));
  const actor = h('select', { id: 'audit-actor', test: 'audit-actor', onchange: () => draw() }, h('option', { value: '' }, 'all'));
  const list = h('div', { test: 'audit-list' });
  const count = h('p', { class: 'muted small', test: 'audit-count' });
  main.append(h('div', { class: 'page-head' }, h('h1', {}, 'Audit log')),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'audit-endpoint' }, 'Endpoint'), endpoint),
      h('div', { class: 'field' }, h('label', { for: 'audit-actor' }, 'Actor'), actor)),
    count, list);

  function choices(select, values) {
    const wanted = [...values].sort();
    if (select.dataset.options === wanted.join(',')) return;
    const chosen = select.value;
    select.dataset.options = wanted.join(',');
    fill(select, h('option', { value: '' }, 'all'), wanted.map(v => h('option', { value: v }, v)));
    select.value = wanted.includes(chosen) ? chosen : '';
  }

  function draw() {
    const all = [...records.values()].sort((a, b) => b.seq - a.seq);
    choices(endpoint, new Set(all.map(r => endpointOf(r.target)).filter(Boolean)));
    choices(actor, new Set(all.map(r => r.actor)));
    const e = endpoint.value;
    const who = actor.value;
    const shown = all.filter(r => (!e || endpointOf(r.target) === e) && (!who || r.actor === who));
    count.textContent = `${shown.length} change${shown.length === 1 ? '' : 's'}`
      + (shown.length > SHOW ? `, the newest ${SHOW} shown` : '') + '.';
    renderIf(list, { seqs: shown.slice(0, SHOW).map(r => r.seq) }, () => table(['When', 'Actor', 'Action', 'Target', 'Details'],
      shown.slice(0, SHOW).map(r => h('tr', { test: 'audit-row' },
        td(when(r.time)), td(r.actor, 'audit-actor'), td(h('code', {}, r.action)), td(r.target),
        td(h('details', {}, h('summary', {}, 'before / after'),
          r.request_id ? h('div', { class: 'small muted' }, 'request ' + r.request_id) : null,
          h('pre', {}, JSON.stringify({ before: r.before, after: r.after }, null, 2)))))),
    { test: 'audit-table', empty: 'No changes match.' }));
  }

  return {
    async refresh() {
      for (let i = 0; i < 50; i++) {
        const answer = await api('/audit' + (last ? '?since=' + enc(last) : ''));
        if (!alive) return;
        let fresh = 0;
        for (const r of answer.value) {
          if (!records.has(r.seq)) fresh++;
          records.set(r.seq, r);
        }
        if (answer.value.length) last = answer.value[answer.value.length - 1].time;
        if (answer.value.length < PAGE || fresh === 0) break;
      }
      if (records.size > KEEP) {
        const drop = [...records.keys()].sort((a, b) => a - b).slice(0, records.size - KEEP);
        for (const seq of drop) records.delete(seq);
      }
      draw();
    },
    unmount() {
      alive = false;
    },
  };
}

/** The endpoint a change's target is about: endpoints/<name>[/...]. */
function endpointOf(target) {
  const m = /^endpoints\/([^/]+)/.exec(target || '');
  return m ? m[1] : null;
}
