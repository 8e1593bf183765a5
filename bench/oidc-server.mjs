// node-oidc-provider 8 configured for the bench workloads (bench/fixture.ts): in-memory adapter,
// the same two clients, one ES256 key, PKCE S256, opaque or JWT access tokens per resource
// server (RFC 8707). Plain JavaScript so that it runs without a TypeScript loader, like Pixie's dist/.
// Authorization codes are minted inside this process through its models, on request over IPC.
import Provider from 'oidc-provider';

const cfg = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${cfg.port}`;

const resourceServers = {
  [cfg.resources.opaque]: { scope: cfg.apiScope, audience: cfg.resources.opaque, accessTokenTTL: 3600, accessTokenFormat: 'opaque' },
  [cfg.resources.jwt]: {
    scope: cfg.apiScope, audience: cfg.resources.jwt, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } },
  },
};

/**
 * oidc-provider's own memory adapter is an LRU of 1000 entries: under load it would drop the
 * minted codes and the token being introspected. This one keeps everything until it expires,
 * as Pixie keeps every row (same semantics otherwise: lib/adapters/memory_adapter.js).
 */
const storage = new Map();
const grantable = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

function load(key) {
  const entry = storage.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt < Date.now()) {
    storage.delete(key);
    return undefined;
  }
  return entry.value;
}

function store(key, value, expiresIn) {
  storage.set(key, { value, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
}

class BenchAdapter {
  constructor(model) { this.model = model; }
  key(id) { return `${this.model}:${id}`; }
  async destroy(id) { storage.delete(this.key(id)); }
  async consume(id) { load(this.key(id)).consumed = Math.floor(Date.now() / 1000); }
  async find(id) { return load(this.key(id)); }
  async findByUid(uid) { return this.find(load(`sessionUid:${uid}`)); }
  async findByUserCode(userCode) { return this.find(load(`userCode:${userCode}`)); }
  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    if (this.model === 'Session') store(`sessionUid:${payload.uid}`, id, expiresIn);
    if (grantable.has(this.model) && payload.grantId) {
      const grant = load(`grant:${payload.grantId}`);
      if (grant) grant.push(key);
      else store(`grant:${payload.grantId}`, [key], 0);
    }
    if (payload.userCode) store(`userCode:${payload.userCode}`, id, expiresIn);
    store(key, payload, expiresIn);
  }
  async revokeByGrantId(grantId) {
    for (const key of load(`grant:${grantId}`) ?? []) storage.delete(key);
    storage.delete(`grant:${grantId}`);
  }
}

const provider = new Provider(issuer, {
  adapter: BenchAdapter,
  clients: [
    {
      client_id: cfg.publicClient, token_endpoint_auth_method: 'none', grant_types: ['authorization_code'],
      response_types: ['code'], redirect_uris: [cfg.redirectUri], id_token_signed_response_alg: 'ES256',
    },
    {
      client_id: cfg.confidentialClient, client_secret: cfg.secret, token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'], response_types: [], redirect_uris: [], id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [cfg.jwk] },
  findAccount: async (_ctx, id) => (id === cfg.user.id ? {
    accountId: id,
    claims: async () => ({ sub: id, name: cfg.user.name, email: cfg.user.email }),
  } : undefined),
  claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
  scopes: ['openid', 'profile', 'email', cfg.apiScope],
  pkce: { methods: ['S256'], required: () => true },
  ttl: { AccessToken: 3600, ClientCredentials: 3600, IdToken: 3600, AuthorizationCode: 60, Grant: 3600, Session: 3600 },
  cookies: { keys: ['bench-cookie-key-not-secret'] },
  features: {
    devInteractions: { enabled: false },
    // The default policy, without its "you should change this" notice on every request.
    introspection: { enabled: true, allowedPolicy: async (ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client.clientId },
    clientCredentials: { enabled: true },
    // Workload 3d: DPoP-bound tokens (RFC 9449), replay detection on (its default), no nonce required, as on Pixie's default `dpop: allow`.
    dPoP: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // client_credentials without `resource` gets the JWT resource server (workload 3).
      defaultResource: async (ctx) => (ctx.oidc.params?.grant_type === 'client_credentials' ? cfg.resources.jwt : undefined),
      getResourceServerInfo: async (_ctx, resource) => {
        const info = resourceServers[resource];
        if (!info) throw new Error(`unknown resource ${resource}`);
        return info;
      },
      // The code's resource decides the token format, also with `openid` (workload 2).
      useGrantedResource: async () => true,
    },
  },
});

/** A grant per batch: a replayed code revokes its grant, which would break the codes after it. */
async function mintCodes({ count, scope, resource, nonce }) {
  const client = await provider.Client.find(cfg.publicClient);
  const grant = new provider.Grant({ accountId: cfg.user.id, clientId: cfg.publicClient });
  const oidcScope = scope.split(' ').filter((s) => s !== cfg.apiScope).join(' ');
  if (oidcScope) grant.addOIDCScope(oidcScope);
  grant.addResourceScope(resource, cfg.apiScope);
  const grantId = await grant.save();
  const authTime = Math.floor(Date.now() / 1000);
  const codes = [];
  for (let i = 0; i < count; i++) {
    const code = new provider.AuthorizationCode({
      accountId: cfg.user.id, authTime, client, grantId, scope, resource, nonce,
      redirectUri: cfg.redirectUri, codeChallenge: cfg.challenge, codeChallengeMethod: 'S256',
    });
    codes.push(await code.save());
  }
  return codes;
}

process.on('message', (msg) => {
  if (msg.type !== 'mint') return;
  mintCodes(msg).then(
    (codes) => process.send({ type: 'minted', id: msg.id, codes }),
    (err) => process.send({ type: 'minted', id: msg.id, error: String(err?.stack ?? err) }),
  );
});

provider.listen(cfg.port, '127.0.0.1', () => process.send?.({ type: 'ready' }));
