// A single-page app as a relying party writes one with oidc-client-ts. esbuild bundles this file
// for the browser when the test starts (test/helpers/spa.ts); the page it runs in carries the
// settings as JSON. Every step records its outcome in window.__log, kept in sessionStorage so the
// record survives the redirects to Pixie and back; the test reads it. (Plain JavaScript: the
// project's TypeScript settings have no DOM types.)
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';

const settings = JSON.parse(document.getElementById('spa-settings').textContent);
const LOG_KEY = 'spa-log';
const log = JSON.parse(sessionStorage.getItem(LOG_KEY) ?? '[]');
window.__log = log;

function record(step, outcome) {
  log.push({ step, ...outcome });
  sessionStorage.setItem(LOG_KEY, JSON.stringify(log));
}

/** Run one step; its result (or its error) goes to the log. */
async function step(name, fn) {
  try {
    record(name, { ok: true, data: await fn() });
  } catch (err) {
    record(name, { ok: false, error: `${err?.name}: ${err?.message}` });
  }
}

const manager = new UserManager({
  authority: settings.authority,
  client_id: settings.client_id,
  redirect_uri: `${location.origin}/callback`,
  post_logout_redirect_uri: `${location.origin}/logged-out`,
  scope: 'openid profile offline_access',
  loadUserInfo: true,
  automaticSilentRenew: false,
  userStore: new WebStorageStateStore({ store: window.sessionStorage }),
});

function summary(user) {
  return {
    profile: user.profile, scope: user.scope, state: user.state ?? null, expired: user.expired,
    access_token: user.access_token, refresh_token: user.refresh_token ?? null, id_token: user.id_token ?? null,
  };
}

async function userinfo() {
  const user = await manager.getUser();
  const metadata = await manager.metadataService.getMetadata();
  const res = await fetch(metadata.userinfo_endpoint, { headers: { authorization: `Bearer ${user.access_token}` } });
  return { status: res.status, body: await res.json() };
}

window.spa = {
  discovery: () => step('discovery', async () => {
    const m = await manager.metadataService.getMetadata();
    return {
      issuer: m.issuer, end_session_endpoint: m.end_session_endpoint ?? null,
      revocation_endpoint: m.revocation_endpoint ?? null, userinfo_endpoint: m.userinfo_endpoint ?? null,
    };
  }),
  // These two navigate away when they work; only a failure is recorded here.
  login: () => step('login', () => manager.signinRedirect({ state: { returnTo: '/inbox' } })),
  userinfo: () => step('userinfo', userinfo),
  refresh: () => step('refresh', async () => summary(await manager.signinSilent())),
  revoke: () => step('revoke', async () => {
    const before = await manager.getUser();
    await manager.revokeTokens();
    const after = await manager.getUser();
    return { access_token: before.access_token, refresh_token: before.refresh_token, refresh_token_after: after?.refresh_token ?? null };
  }),
  /** After revokeTokens: the revoked access token no longer reads userinfo. */
  userinfoAfterRevoke: () => step('userinfo-after-revoke', async () => {
    const user = await manager.getUser();
    const metadata = await manager.metadataService.getMetadata();
    const res = await fetch(metadata.userinfo_endpoint, { headers: { authorization: `Bearer ${user.access_token}` } });
    return { status: res.status };
  }),
  logout: () => step('logout', () => manager.signoutRedirect({ state: { bye: 'see you' } })),
};

if (location.pathname === '/callback') {
  void step('callback', async () => summary(await manager.signinCallback()));
} else if (location.pathname === '/logged-out') {
  void step('signout-callback', async () => {
    const state = new URL(location.href).searchParams.get('state');
    const response = await manager.signoutCallback();
    return { state, userState: response?.userState ?? null, user: (await manager.getUser()) ?? null };
  });
}
