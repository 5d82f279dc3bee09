// Building the page: elements from data with textContent only (never HTML from data), formatting,
// and the few shared pieces (toasts, copy buttons, confirmation dialog, traffic bar).
import { session } from './session.js';

/**
 * h('button', {class: 'primary', test: 'apply', onclick: fn}, 'Apply'): an element. Props: class,
 * test (data-test), text, on<event> handlers, hidden/disabled/checked/value as properties, anything
 * else as an attribute. Children: nodes, strings, numbers, arrays of them; null and false are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'test') el.dataset.test = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces the children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * Re-renders a region only when its data changed, so that polling does not take the focus from a
 * button the user is on, or re-draw what did not change.
 */
export function renderIf(el, data, render) {
  const key = JSON.stringify(data);
  if (el.dataset.rendered === key) return false;
  el.dataset.rendered = key;
  fill(el, render(data));
  return true;
}

// ---------------------------------------------------------------- formatting

export function num(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function ms(n) {
  if (n === null || n === undefined) return '—';
  return n < 10 ? num(n, 1) + ' ms' : num(n) + ' ms';
}

export function percent(fraction) {
  if (fraction === null || fraction === undefined) return '—';
  const p = fraction * 100;
  return (p === 0 || p >= 10 ? num(p) : num(p, p < 1 ? 2 : 1)) + ' %';
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? num(n) : num(n, 1)) + ' ' + units[i];
}

export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

/** '3 min ago' / 'up 2 h' style durations. */
export function since(iso) {
  if (!iso) return '—';
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return Math.round(s) + ' s';
  if (s < 3600) return Math.round(s / 60) + ' min';
  if (s < 86400) return num(s / 3600, 1) + ' h';
  return num(s / 86400, 1) + ' d';
}

/** A <time> element showing a date, the full instant in its title. */
export function when(iso) {
  return h('time', { datetime: iso, title: iso }, time(iso));
}

export function badge(text, extra = '') {
  return h('span', { class: `badge state-${text} ${extra}` }, text);
}

// ---------------------------------------------------------------- traffic

/** A deployment's colour class, stable by its position in the endpoint's deployments (sorted). */
export function colour(names, name) {
  const i = [...names].sort().indexOf(name);
  return 'c' + ((i < 0 ? 0 : i) % 8);
}

/** The traffic split as a bar, with a legend unless compact; mirror traffic named beside it. */
export function trafficBar(traffic, mirror, { large = false, legend = true, test } = {}) {
  const names = Object.keys(traffic || {});
  const live = names.filter(n => traffic[n] > 0);
  const label = live.length ? live.map(n => `${n} ${traffic[n]} %`).join(', ') : 'no live traffic';
  const bar = h('div', { class: 'bar' + (large ? ' large' : ''), role: 'img', 'aria-label': 'traffic: ' + label });
  for (const n of live) {
    const seg = h('span', { class: colour(names, n), title: `${n} ${traffic[n]} %` });
    seg.style.width = traffic[n] + '%';
    bar.append(seg);
  }
  const mirrored = Object.entries(mirror || {}).filter(([, v]) => v > 0);
  const wrap = h('div', { test }, bar);
  if (legend) {
    wrap.append(h('div', { class: 'legend' },
      names.map(n => h('span', {}, h('i', { class: colour(names, n), 'aria-hidden': 'true' }), `${n} ${traffic[n]} %`)),
      mirrored.map(([n, v]) => h('span', { class: 'muted' }, `mirror: ${n} ${v} %`))));
  } else {
    wrap.append(h('div', { class: 'legend muted' },
      [label, ...mirrored.map(([n, v]) => `mirror ${n} ${v} %`)].join(' · ')));
  }
  return wrap;
}

// ---------------------------------------------------------------- feedback

const toasts = () => document.querySelector('.toasts');

/** A message that goes away by itself (errors stay longer). */
export function toast(message, { error = false, ms: duration } = {}) {
  const t = h('div', { class: 'toast' + (error ? ' error' : ''), test: error ? 'toast-error' : 'toast' }, message);
  toasts().append(t);
  setTimeout(() => t.remove(), duration || (error ? 10000 : 4000));
  return t;
}

/** An API failure as the user reads it: code, message, and the field it is about. */
export function describe(err) {
  if (err && err.code) return `${err.status} ${err.code}: ${err.message}` + (err.target ? ` (${err.target})` : '');
  return String(err && err.message || err);
}

export function toastError(err) {
  return toast(describe(err), { error: true });
}

/** A button that copies text to the clipboard; {@code what} names it for screen readers. */
export function copyButton(text, test, what) {
  return h('button', {
    type: 'button', test, 'aria-label': 'Copy ' + what,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text);
        toast('Copied ' + what);
      } catch (e) {
        toast('The browser did not allow copying; select the text instead', { error: true });
      }
    },
  }, 'Copy');
}

/** A line of text with a copy button beside it. */
export function copyLine(text, test, what, pre = false) {
  return h('div', { class: 'copyline' }, h(pre ? 'pre' : 'code', { test: test + '-text' }, text),
    copyButton(text, test, what));
}

/**
 * A modal confirmation (native <dialog>: focus moves into it, Escape cancels). Resolves true when
 * confirmed.
 */
export function confirmDialog({ title, body, confirm = 'Confirm', danger = false, test = 'confirm' }) {
  return new Promise(resolve => {
    const ok = h('button', { type: 'button', class: danger ? 'danger' : 'primary', test: test + '-ok' }, confirm);
    const cancel = h('button', { type: 'button', test: test + '-cancel' }, 'Cancel');
    const dialog = h('dialog', { test, 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, title), body, h('div', { class: 'actions' }, ok, cancel));
    let result = false;
    ok.addEventListener('click', () => { result = true; dialog.close(); });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => { dialog.remove(); resolve(result); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** A table: head cells and rows of cells (a cell may be {value, class}). */
export function table(head, rows, { test, empty = 'Nothing yet.' } = {}) {
  if (!rows.length) return h('p', { class: 'muted', test: test && test + '-empty' }, empty);
  return h('div', { class: 'table-wrap' }, h('table', { test },
    h('thead', {}, h('tr', {}, head.map(c => typeof c === 'object' && !(c instanceof Node)
      ? h('th', { class: c.class, scope: 'col' }, c.text) : h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows)));
}

export function td(content, cls) {
  return h('td', { class: cls }, content);
}

/** A note in place of a control the signed-in role may not use (the server would refuse it anyway). */
export function needsRole(role, what) {
  const who = session.identity();
  return h('p', { class: 'muted', test: 'needs-' + role }, `${what} needs the ${role} role; you are signed in as `
    + `${who ? who.role : 'nobody'}.`);
}

/** A model's inputs or outputs: name, datatype and shape of each. */
export function signature(list) {
  if (!list || !list.length) return '—';
  return h('span', { class: 'mono small' }, list.map(i => `${i.name} ${i.datatype} [${(i.shape || []).join(', ')}]`).join('; '));
}
