// The console's start: sign in (fragment, stored token or the sign-in form), then the page of the
// fragment's route, refreshed every POLL_MS while the tab is visible, so that a change made
// elsewhere (the CLI, another operator) shows within two seconds without a reload.
import { api, optional, whenUnauthorized } from './api.js';
import { session } from './session.js';
import { resolve } from './router.js';
import { describe, fill, h } from './dom.js';

const POLL_MS = 1000;
const main = document.getElementById('main');
const banner = document.querySelector('[data-test="banner"]');

let current = null;
let generation = 0;
let timer = null;
let running = false;
let again = false;
let started = false;
let identifying = false;
let refreshes = 0;

// a refused token while a page is open: back to the sign-in form, saying why (begin() says it itself)
whenUnauthorized(err => { if (session.token() && !identifying) signOut('Signed out: ' + err.message); });
document.querySelector('[data-test="sign-out"]').addEventListener('click', () => signOut());
document.addEventListener('visibilitychange', () => { if (!document.hidden) refreshNow(); });

boot();

async function boot() {
  try {
    await session.fromFragment(api);
  } catch (e) {
    session.clear();
    return showSignIn('The sign-in link was not accepted: ' + describe(e));
  }
  if (!session.token()) return showSignIn();
  return begin();
}

async function begin() {
  identifying = true;
  try {
    await session.identify(api, optional);
  } catch (e) {
    session.clear();
    return showSignIn(e.status === 401 || e.status === 403 ? describe(e) : 'Cannot sign in: ' + describe(e));
  } finally {
    identifying = false;
  }
  showChrome();
  if (!started) {
    started = true;
    window.addEventListener('hashchange', navigate);
  }
  if (!location.hash.startsWith('#/')) history.replaceState(null, '', '#/endpoints');
  navigate();
}

async function showSignIn(message) {
  stop();
  document.querySelector('[data-test="nav"]').hidden = true;
  document.querySelector('[data-test="who"]').hidden = true;
  const { mount } = await import('./pages/signin.js');
  main.replaceChildren();
  mount(main, {
    message,
    onToken: token => {
      session.set(token);
      history.replaceState(null, '', '#/endpoints');
      return begin();
    },
  });
}

function signOut(message) {
  session.clear();
  showSignIn(message);
}

function showChrome() {
  const who = session.identity();
  document.querySelector('[data-test="nav"]').hidden = false;
  document.querySelector('[data-test="who"]').hidden = false;
  const name = document.querySelector('[data-test="who-name"]');
  name.textContent = who.name ? `${who.name} (${who.subject})` : who.subject;
  name.title = who.expires_at ? 'token valid until ' + new Date(who.expires_at).toLocaleString() : '';
  const role = document.querySelector('[data-test="who-role"]');
  role.textContent = who.role;
  document.body.dataset.role = who.role;
}

async function navigate() {
  const hash = location.hash;
  if (!hash.startsWith('#/')) {
    // a #token= or #code= link opened in a tab that is signed in already: sign in as that one
    if (/^#(token|code)=/.test(hash)) return boot();
    history.replaceState(null, '', '#/endpoints');
  }
  if (!session.identity()) return; // signed out: the sign-in form stays
  const route = resolve(location.hash.slice(1));
  for (const a of document.querySelectorAll('.nav a')) {
    if (a.dataset.test === 'nav-' + route.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (current && current.route.load === route.load && current.page.update && current.page.update(route.params)) {
    refreshNow();
    return;
  }
  const mine = ++generation;
  unmount();
  let module;
  try {
    module = await route.load();
  } catch (e) {
    fill(main, h('p', { class: 'error-text' }, 'Cannot load this page: ' + e.message));
    return;
  }
  if (mine !== generation) return;
  main.replaceChildren();
  current = { route, page: module.mount(main, route.params) };
  main.focus({ preventScroll: true });
  refreshNow();
}

function unmount() {
  if (current && current.page.unmount) current.page.unmount();
  current = null;
}

function stop() {
  generation++;
  clearTimeout(timer);
  unmount();
}

/** Refreshes the page now, then every POLL_MS; never two refreshes at once. */
async function refreshNow() {
  clearTimeout(timer);
  if (running) {
    again = true;
    return;
  }
  running = true;
  const page = current && current.page;
  if (page && !document.hidden) {
    try {
      await page.refresh();
      banner.hidden = true;
      // the count of refreshes that showed data, as one mark: tests wait on a refresh rather than on time
      performance.clearMarks('inferbus:page-refreshed');
      performance.mark('inferbus:page-refreshed', { detail: ++refreshes });
      if (!page.shown) {
        page.shown = true;
        // when a page first shows its data: the tests read it as the page's load time
        performance.mark('inferbus:page-shown', { detail: location.hash.split('?')[0] });
      }
    } catch (e) {
      if (e.status !== 401) {
        banner.textContent = 'Could not refresh, showing what was read last: ' + describe(e);
        banner.hidden = false;
      }
    }
  }
  running = false;
  if (again) {
    again = false;
    return refreshNow();
  }
  if (current) timer = setTimeout(refreshNow, POLL_MS);
}
