// Who is signed in: the operator token, kept in sessionStorage (this tab only, gone when it
// closes), taken from a pasted token, from the URL fragment #token=<jwt>, or from #code=<code>
// (what `inferbus console` prints) exchanged at POST /console/session. The fragment never reaches
// a server; it is removed from the address bar at once.

const KEY = 'inferbus.token';
const ROLES = ['reader', 'operator', 'admin'];

let identity = null;

export const session = {
  token() {
    return sessionStorage.getItem(KEY);
  },

  set(token) {
    sessionStorage.setItem(KEY, token.trim());
    identity = null;
  },

  clear() {
    sessionStorage.removeItem(KEY);
    identity = null;
  },

  /** {subject, role, expires_at, name} once identified. */
  identity() {
    return identity;
  },

  /** Whether the signed-in role includes {@code role}: what the page offers (the server decides anyway). */
  can(role) {
    return identity !== null && ROLES.indexOf(identity.role) >= ROLES.indexOf(role);
  },

  /**
   * Reads #token= or #code= from the fragment; returns the route to show next, or null when the
   * fragment carried neither. Throws an ApiError when a code cannot be exchanged.
   */
  async fromFragment(api) {
    const hash = location.hash.slice(1);
    const params = new URLSearchParams(hash.startsWith('/') ? '' : hash);
    const token = params.get('token');
    const code = params.get('code');
    if (!token && !code) return null;
    // first of all: out of the address bar, the history and any screenshot
    history.replaceState(null, '', location.pathname + location.search + '#/endpoints');
    if (token) {
      this.set(token);
    } else {
      const answer = await api('/console/session', { method: 'POST', body: { code }, auth: false });
      this.set(answer.token);
    }
    return '#/endpoints';
  },

  /**
   * Asks the control plane who the token is (GET /whoami). A control plane without that route: the
   * token is checked by a read, and its claims read for display only (the server decides).
   */
  async identify(api, optional) {
    const who = await optional('/whoami');
    if (who) {
      identity = who;
    } else {
      await api('/endpoints');
      identity = claims(this.token());
    }
    return identity;
  },
};

/** The role and subject a JWT claims, unverified: for showing, never for deciding. */
export function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), c => c.charCodeAt(0))));
    const roles = Array.isArray(json.roles) ? json.roles : json.roles ? [json.roles] : [];
    const role = ROLES.slice().reverse().find(r => roles.includes(r)) || 'reader';
    return {
      subject: json.sub || 'unknown',
      role,
      name: json.token_name || null,
      expires_at: json.exp ? new Date(json.exp * 1000).toISOString() : null,
    };
  } catch (e) {
    return { subject: 'unknown', role: 'reader', name: null, expires_at: null };
  }
}
