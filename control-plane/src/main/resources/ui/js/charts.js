// Line charts with uPlot (a WebJar, served from /ui/lib/), loaded the first time a chart is drawn.
// The version is the uplot.version of the project's pom.xml.
const UPLOT = 'lib/uplot/1.6.30/dist/';
/** The deployment colours of console.css (--c0 ... --c7). */
export const COLOURS = ['#1f6feb', '#2da44e', '#bf8700', '#8250df', '#cf222e', '#1b7c83', '#bc4c00', '#57606a'];

let loading = null;

export function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const css = document.createElement('link');
      css.rel = 'stylesheet';
      css.href = UPLOT + 'uPlot.min.css';
      document.head.append(css);
      const script = document.createElement('script');
      script.src = UPLOT + 'uPlot.iife.min.js';
      script.onload = () => resolve(window.uPlot);
      script.onerror = () => {
        loading = null;
        reject(new Error('cannot load the chart library'));
      };
      document.head.append(script);
    });
  }
  return loading;
}

/**
 * A line chart in {@code container}: {@code series} [{label, colour, dash?}], x in epoch seconds.
 * update(xs, ys) redraws with new data; the chart is made again when the series change.
 */
export function lineChart(container, { unit = '', height = 200 } = {}) {
  let plot = null;
  let labels = null;
  const resize = () => plot && plot.setSize({ width: width(container), height });
  window.addEventListener('resize', resize);
  return {
    async update(xs, series) {
      const uPlot = await loadUplot();
      const key = series.map(s => s.label + s.colour).join('|');
      const data = [xs, ...series.map(s => s.values)];
      if (plot && key === labels) {
        plot.setData(data);
        return;
      }
      if (plot) plot.destroy();
      labels = key;
      plot = new uPlot({
        width: width(container),
        height,
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(max || 0, 1) * 1.1] } },
        axes: [{}, { values: (u, ticks) => ticks.map(t => fmt(t) + unit), size: 72 }],
        series: [{}, ...series.map(s => ({
          label: s.label, stroke: s.colour, width: 2, dash: s.dash, spanGaps: false,
          // a step with answers between idle ones (null latency) is a lone point: draw it
          points: { show: (u, si, i0, i1) => u.data[si].slice(i0, i1 + 1).filter(v => v != null).length < 60,
            size: 5, fill: s.colour },
          value: (u, v) => (v === null || v === undefined ? '—' : fmt(v) + unit),
        }))],
        legend: { live: true },
      }, data, container);
    },
    destroy() {
      window.removeEventListener('resize', resize);
      if (plot) plot.destroy();
      plot = null;
    },
  };
}

function width(container) {
  return Math.max(280, container.clientWidth || 600);
}

function fmt(v) {
  return v >= 100 ? Math.round(v).toString() : Number(v.toFixed(2)).toString();
}
