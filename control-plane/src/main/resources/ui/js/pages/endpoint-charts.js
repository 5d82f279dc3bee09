// The charts tab: per deployment over the last 15 or 60 minutes (GET /endpoints/{e}/metrics):
// requests, errors by status code, and p50/p95/p99 latency. A control plane without statistics
// answers 404: the tab says so instead of drawing.
import { enc, optional } from '../api.js';
import { COLOURS, lineChart } from '../charts.js';
import { fill, h, ms, num, percent, renderIf } from '../dom.js';

export function create({ name, reload }) {
  let minutes = 15;
  const choose = h('select', { id: 'chart-minutes', test: 'chart-minutes', onchange: () => { minutes = Number(choose.value); reload(); } },
    h('option', { value: 15 }, 'last 15 minutes'), h('option', { value: 60 }, 'last 60 minutes'));
  const note = h('p', { class: 'muted', test: 'charts-note' });
  const tiles = h('div', { test: 'chart-tiles' });
  const requestsBox = h('div', { class: 'chart', test: 'chart-requests' });
  const errorsBox = h('div', { class: 'chart', test: 'chart-errors' });
  const latencyArea = h('div');
  const charts = h('div', { hidden: true },
    h('h3', {}, 'Requests per step'), requestsBox,
    h('h3', {}, 'Errors by status code'), errorsBox,
    latencyArea);
  const el = h('div', {}, h('div', { class: 'row' }, h('label', { for: 'chart-minutes' }, 'Window'), choose), note, tiles, charts);
  const requests = lineChart(requestsBox);
  const errors = lineChart(errorsBox);
  const latency = new Map();

  async function draw(m, deployments) {
    const names = Object.keys(m.deployments || {}).sort();
    const all = deployments.map(d => d.name).sort();
    const colour = n => COLOURS[Math.max(0, all.indexOf(n)) % COLOURS.length];
    const xs = [...new Set(names.flatMap(n => (m.deployments[n].series || []).map(p => seconds(p.t))))].sort((a, b) => a - b);
    const at = (n, field, zero) => {
      const byT = new Map((m.deployments[n].series || []).map(p => [seconds(p.t), p]));
      return xs.map(x => (byT.has(x) ? byT.get(x)[field] ?? zero : zero));
    };
    renderIf(tiles, { m: names.map(n => [n, summary(m.deployments[n])]), total: m.total && summary(m.total) }, () =>
      h('div', { class: 'tiles' }, names.map(n => tile(n, m.deployments[n]))));
    const points = names.reduce((sum, n) => sum + at(n, 'requests', 0).filter(v => v > 0).length, 0);
    requestsBox.dataset.points = String(points);
    await requests.update(xs, names.map(n => ({ label: n, colour: colour(n), values: at(n, 'requests', 0) })));
    const codes = [...new Set(names.flatMap(n => (m.deployments[n].series || []).flatMap(p => Object.keys(p.errors || {}))))].sort();
    const errorSeries = codes.map(code => ({
      label: code, colour: codeColour(code, codes),
      values: xs.map(x => names.reduce((sum, n) => {
        const p = (m.deployments[n].series || []).find(q => seconds(q.t) === x);
        return sum + ((p && p.errors && p.errors[code]) || 0);
      }, 0)),
    }));
    await errors.update(xs, errorSeries.length ? errorSeries : [{ label: 'none', colour: COLOURS[7], values: xs.map(() => 0) }]);
    for (const [n, chart] of latency) {
      if (!names.includes(n)) {
        chart.destroy();
        latency.delete(n);
      }
    }
    if (renderIf(latencyArea, names, () => names.map(n => h('div', {},
      h('h3', {}, `Latency of ${n}`), h('div', { class: 'chart', test: 'chart-latency-' + n, id: 'latency-' + n }))))) {
      for (const chart of latency.values()) chart.destroy();
      latency.clear();
    }
    for (const n of names) {
      if (!latency.has(n)) latency.set(n, lineChart(latencyArea.querySelector(`[data-test="chart-latency-${n}"]`), { unit: ' ms' }));
      await latency.get(n).update(xs, [
        { label: 'p50', colour: COLOURS[0], values: at(n, 'p50_ms', null) },
        { label: 'p95', colour: COLOURS[2], values: at(n, 'p95_ms', null) },
        { label: 'p99', colour: COLOURS[4], values: at(n, 'p99_ms', null) },
      ]);
    }
  }

  return {
    el,
    async refresh({ deployments }) {
      const m = await optional(`/endpoints/${enc(name)}/metrics?minutes=${minutes}`);
      if (!m) {
        note.textContent = 'No statistics yet: this control plane does not gather request statistics.';
        charts.hidden = true;
        fill(tiles);
        return;
      }
      const missing = m.missing_gateways || [];
      note.textContent = `Step ${m.step_seconds} s` + (missing.length ? `; no answer from gateway ${missing.join(', ')}` : '') + '.';
      charts.hidden = false;
      await draw(m, deployments);
    },
    unmount() {
      requests.destroy();
      errors.destroy();
      for (const chart of latency.values()) chart.destroy();
    },
  };
}

/** Server failures in reds and browns, refusals of the caller's request in ambers and purples. */
function codeColour(code, codes) {
  const family = code.startsWith('5') || code === '408' || code === '429' ? [4, 6, 7] : [2, 3, 5];
  const same = codes.filter(c => (c.startsWith('5') || c === '408' || c === '429')
    === (code.startsWith('5') || code === '408' || code === '429'));
  return COLOURS[family[same.indexOf(code) % family.length]];
}

function summary(d) {
  return [d.requests, d.mirrored_requests, d.error_rate, d.p50_ms, d.p95_ms, d.p99_ms];
}

function tile(name, d) {
  return h('div', { class: 'tile', test: 'tile-' + name },
    h('div', { class: 'muted small' }, name),
    h('b', {}, num(d.requests)), h('span', { class: 'small' }, 'requests'
      + (d.mirrored_requests ? `, ${num(d.mirrored_requests)} mirrored` : '')),
    h('div', { class: 'small' }, `errors ${percent(d.error_rate)}`),
    h('div', { class: 'small' }, `p50 ${ms(d.p50_ms)} · p95 ${ms(d.p95_ms)} · p99 ${ms(d.p99_ms)}`));
}

/** A step's time as epoch seconds, whether it comes as an ISO instant, epoch ms or epoch seconds. */
function seconds(t) {
  if (typeof t === 'string') return Date.parse(t) / 1000;
  return t > 1e11 ? t / 1000 : t;
}
