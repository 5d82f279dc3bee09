// The console's routes: #/<path> in the fragment, one page module each, loaded when first needed.
// A page module exports mount(main, params) returning {refresh(), update(params)?, unmount()?}.

const routes = [
  { pattern: /^\/endpoints\/?$/, load: () => import('./pages/endpoints.js'), nav: 'endpoints' },
  { pattern: /^\/endpoints\/([^/]+)\/deployments\/([^/]+)\/?$/, load: () => import('./pages/deployment.js'),
    nav: 'endpoints', params: m => ({ endpoint: m[1], deployment: m[2] }) },
  { pattern: /^\/endpoints\/([^/]+)(?:\/(overview|traffic|charts|keys|test))?\/?$/, load: () => import('./pages/endpoint.js'),
    nav: 'endpoints', params: m => ({ endpoint: m[1], tab: m[2] || 'overview' }) },
  { pattern: /^\/models\/?$/, load: () => import('./pages/models.js'), nav: 'models' },
  { pattern: /^\/nodes\/?$/, load: () => import('./pages/nodes.js'), nav: 'nodes' },
  { pattern: /^\/audit\/?$/, load: () => import('./pages/audit.js'), nav: 'audit' },
];

const notFound = {
  load: async () => ({
    mount(main, params) {
      const p = document.createElement('p');
      p.textContent = `There is no page ${params.path}.`;
      main.append(p);
      return { refresh: async () => {} };
    },
  }),
  nav: null,
};

/** The route of a fragment path such as /endpoints/credit/traffic, with its decoded parameters. */
export function resolve(path) {
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (m) {
      const raw = route.params ? route.params(m) : {};
      const params = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, decodeURIComponent(v)]));
      return { ...route, params };
    }
  }
  return { ...notFound, params: { path } };
}
