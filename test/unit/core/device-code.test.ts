/** The device authorization grant (RFC 8628): unit tests on in-memory ports with a clock the test moves. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { DEVICE_CODE_GRANT, handleDeviceAuthorization, type DeviceAuthorizationResponse } from '../../../src/core/device/authorization.js';
import { enterUserCode, USER_CODE_LIMITS } from '../../../src/core/device/verify.js';
import { normaliseUserCode, USER_CODE_ALPHABET } from '../../../src/core/device/user-code.js';
import { AppError } from '../../../src/core/errors.js';
import { decideConsent } from '../../../src/core/interaction/flow.js';
import { ISSUER, rejectsWith, world, type World } from './world.js';

const LIMITS = { ip: '192.0.2.1', perIp: 100, total: 1000 };

async function deviceWorld(settings = {}): Promise<World> {
  const w = await world(settings);
  await w.addClient({ clientId: 'tv', public: true, tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE_CODE_GRANT, 'refresh_token'], redirectUris: [] });
  return w;
}

async function start(w: World, params: Record<string, string> = { client_id: 'tv', scope: 'openid read_inbox' }, resources: string[] = []): Promise<DeviceAuthorizationResponse> {
  return handleDeviceAuthorization(w.deps, await w.rs(), { params, authorization: undefined, policy: w.policy, resources, limits: LIMITS });
}

/** The user enters the code (signed in as bob) and decides on the consent page. */
async function decide(w: World, userCode: string, approve: boolean, ip = LIMITS.ip): Promise<string> {
  const outcome = await enterUserCode(w.deps, await w.rs(), w.policy, userCode, w.session, { ...LIMITS, ip });
  assert.equal(outcome.kind, 'consent');
  const parked = (await w.stores.interactions.find((outcome as { interactionId: string }).interactionId, w.clock.now()))!;
  return decideConsent(w.deps, await w.rs(), w.policy, parked, w.session, approve);
}

const poll = (w: World, deviceCode: string) => w.tokenAs('tv', { grant_type: DEVICE_CODE_GRANT, device_code: deviceCode });

async function rejectsPage(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof AppError && err.code === code && message.test(err.message));
}

describe('device authorization grant', () => {
  it('RFC 8628 §6.1: user codes are 8 of 20 consonants as XXXX-XXXX; what is typed is compared without case, dashes or spaces', async () => {
    const w = await deviceWorld();
    const codes = await Promise.all(Array.from({ length: 20 }, () => start(w)));
    for (const c of codes) assert.match(c.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(new Set(codes.map((c) => c.user_code)).size, 20);
    assert.equal(USER_CODE_ALPHABET.length, 20);
    assert.equal(normaliseUserCode(' bcdf-ghjk '), 'BCDFGHJK');
    assert.equal(normaliseUserCode('bc df gh jk'), 'BCDFGHJK');
    assert.equal(normaliseUserCode('BCDF-GHJA'), null, 'a vowel is never part of a code');
    assert.equal(normaliseUserCode('BCDF-GHJ'), null);
  });

  it('RFC 8628 §3.2: the verification URIs are the issuer\'s /device page, the complete one with the code', async () => {
    const w = await deviceWorld();
    const r = await start(w);
    assert.equal(r.verification_uri, `${ISSUER}/device`);
    assert.equal(r.verification_uri_complete, `${ISSUER}/device?user_code=${r.user_code}`);
    assert.deepEqual([r.expires_in, r.interval], [600, 5]);
    const stored = await w.stores.deviceCodes.find((await import('../../../src/crypto/opaque-token.js')).hashOpaqueToken(r.device_code));
    assert.ok(stored, 'stored under the hash of the device code');
    assert.equal(JSON.stringify(stored).includes(r.device_code), false, 'the device code itself is not stored');
    assert.equal(JSON.stringify(stored).includes(r.user_code.replace('-', '')), false, 'nor the user code');
  });

  it('RFC 8628 §3.1: the client needs the grant type (unauthorized_client), scopes are checked as at authorize', async () => {
    const w = await deviceWorld();
    await rejectsWith(start(w, { client_id: 'spa' }), 'unauthorized_client');
    await rejectsWith(start(w, { client_id: 'tv', scope: 'manage_configuration' }), 'invalid_scope');
    await rejectsWith(start(w, { client_id: 'nobody' }), 'invalid_client');
    const defaults = await start(w, { client_id: 'tv' });
    assert.ok(defaults.device_code, 'no scope: the client\'s default scopes');
  });

  it('RFC 8628 §3.5: authorization_pending, then slow_down adding 5 seconds to the interval for every later poll', async () => {
    const w = await deviceWorld();
    const r = await start(w);
    await rejectsWith(poll(w, r.device_code), 'authorization_pending');
    w.clock.advance(4);
    await rejectsWith(poll(w, r.device_code), 'slow_down'); // interval now 10
    w.clock.advance(9);
    await rejectsWith(poll(w, r.device_code), 'slow_down'); // interval now 15
    w.clock.advance(15);
    await rejectsWith(poll(w, r.device_code), 'authorization_pending');
    w.clock.advance(15);
    await rejectsWith(poll(w, r.device_code), 'authorization_pending', /not yet approved/);
  });

  it('RFC 8628 §3.5: approved, the code gives the token set of the code flow once; then invalid_grant', async () => {
    const w = await deviceWorld();
    const r = await start(w, { client_id: 'tv', scope: 'openid offline_access read_inbox' });
    assert.equal(await decide(w, r.user_code.toLowerCase(), true), `${ISSUER}/device/done?result=approved`);
    const tokens = await poll(w, r.device_code);
    assert.equal(tokens.scope, 'openid offline_access read_inbox');
    assert.ok(tokens.refresh_token);
    assert.equal(decodeJwt(tokens.id_token!).sub, 'bob');
    assert.equal(decodeJwt(tokens.access_token).sub, 'bob');
    await rejectsWith(poll(w, r.device_code), 'invalid_grant', /already used/);
    const grant = await w.stores.grants.find('t', 's', 'tv', 'bob');
    assert.deepEqual(grant?.scopes, ['openid', 'offline_access', 'read_inbox'], 'consent is remembered as a grant (revocable on /account)');
  });

  it('RFC 8628 §5.4: consent is asked every time, even with a remembered grant', async () => {
    const w = await deviceWorld();
    const first = await start(w);
    await decide(w, first.user_code, true);
    const second = await start(w);
    const outcome = await enterUserCode(w.deps, await w.rs(), w.policy, second.user_code, w.session, LIMITS);
    assert.equal(outcome.kind, 'consent');
  });

  it('RFC 8628 §3.5: Deny gives access_denied; an expired code gives expired_token and is no longer found by its user code', async () => {
    const w = await deviceWorld();
    const denied = await start(w);
    assert.equal(await decide(w, denied.user_code, false), `${ISSUER}/device/done?result=denied`);
    await rejectsWith(poll(w, denied.device_code), 'access_denied');
    const late = await start(w);
    w.clock.advance(600);
    await rejectsWith(poll(w, late.device_code), 'expired_token');
    await rejectsPage(enterUserCode(w.deps, await w.rs(), w.policy, late.user_code, w.session, LIMITS), 'validation_failed', /not valid, or it has expired/);
  });

  it('a code that expires while the user is on the consent page is not approved', async () => {
    const w = await deviceWorld();
    const r = await start(w);
    const outcome = await enterUserCode(w.deps, await w.rs(), w.policy, r.user_code, w.session, LIMITS);
    const parked = (await w.stores.interactions.find((outcome as { interactionId: string }).interactionId, w.clock.now()))!;
    w.clock.advance(600);
    await rejectsPage(decideConsent(w.deps, await w.rs(), w.policy, parked, w.session, true), 'not_found', /expired/);
    const rs = await w.rs();
    assert.equal(await w.stores.grants.find(rs.server.tenantId, rs.server.id, 'tv', w.session.userId), null, 'the approval that failed remembered no grant');
  });

  it('an approval revoked on /account before the device redeems it gives no tokens', async () => {
    const w = await deviceWorld();
    const r = await start(w);
    await decide(w, r.user_code, true);
    const grant = (await w.stores.grants.find('t', 's', 'tv', 'bob'))!;
    assert.equal(await w.stores.grants.revoke('t', 'bob', grant.id, w.clock.now()), 1);
    await rejectsWith(poll(w, r.device_code), 'invalid_grant', /revoked access/);
  });

  it('a device code is only good for its client', async () => {
    const w = await deviceWorld();
    await w.addClient({ clientId: 'tv2', public: true, tokenEndpointAuthMethod: 'none', grantTypes: [DEVICE_CODE_GRANT], redirectUris: [] });
    const r = await start(w);
    await decide(w, r.user_code, true);
    await rejectsWith(w.tokenAs('tv2', { grant_type: DEVICE_CODE_GRANT, device_code: r.device_code }), 'invalid_grant');
    await rejectsWith(poll(w, 'pxdc_not-a-code'), 'invalid_grant');
    assert.ok((await poll(w, r.device_code)).access_token);
  });

  it('RFC 8707: resources asked for at the device authorization endpoint become the token\'s audience', async () => {
    const api = 'https://api.example.com/';
    const w = await deviceWorld({ resources: [{ uri: api }] });
    await rejectsWith(start(w, { client_id: 'tv', scope: 'read_inbox' }, ['https://other.example.com/']), 'invalid_target');
    const r = await start(w, { client_id: 'tv', scope: 'read_inbox' }, [api]);
    await decide(w, r.user_code, true);
    assert.equal(decodeJwt((await poll(w, r.device_code)).access_token).aud, api);
  });

  it('codes waiting for approval are capped per IP (429) and in all (503), as sign-ins in progress are', async () => {
    const w = await deviceWorld();
    const ask = async (ip: string, total = 3) => handleDeviceAuthorization(w.deps, await w.rs(), {
      params: { client_id: 'tv' }, authorization: undefined, policy: w.policy, limits: { ip, perIp: 2, total },
    });
    await ask('192.0.2.1');
    await ask('192.0.2.1');
    await rejectsPage(ask('192.0.2.1'), 'rate_limited', /from this address/);
    await ask('192.0.2.2');
    await rejectsPage(ask('192.0.2.3'), 'unavailable', /too many device codes/);
    w.clock.advance(600);
    assert.ok((await ask('192.0.2.1')).device_code, 'expired codes no longer count');
  });

  it('RFC 8628 §5.1: wrong codes lock an IP after its limit, and everyone after the installation\'s limit', async () => {
    const w = await deviceWorld();
    const r = await start(w);
    const rs = await w.rs();
    const enter = (code: string, ip: string) => enterUserCode(w.deps, rs, w.policy, code, w.session, { ...LIMITS, ip });
    for (let i = 0; i < USER_CODE_LIMITS.ip; i++) await rejectsPage(enter('BBBB-BBBB', '192.0.2.7'), 'validation_failed', /not valid/);
    await rejectsPage(enter(r.user_code, '192.0.2.7'), 'rate_limited', /Too many wrong codes/);
    assert.equal((await enter(r.user_code, '192.0.2.8')).kind, 'consent', 'another IP is not held up');
    // From many addresses: the installation-wide counter stops the guessing too.
    // Counted so far: the IP's wrong codes and the attempt its lock refused (the right code taken back its count).
    const spread = USER_CODE_LIMITS.all - USER_CODE_LIMITS.ip - 1;
    for (let i = 0; i < spread; i++) {
      await rejectsPage(enter('BBBB-BBBB', `198.51.100.${i % 200}.${Math.floor(i / 200)}`), 'validation_failed', /not valid/);
    }
    const next = await start(w);
    await rejectsPage(enter(next.user_code, '203.0.113.1'), 'rate_limited', /Too many wrong codes/);
    w.clock.advance(3601);
    const later = await start(w);
    assert.equal((await enter(later.user_code, '203.0.113.1')).kind, 'consent', 'forgotten an hour after the last failure');
  });

  it('RFC 8628 §5.1: the limits are per hour: wrong codes of a busy installation do not add up across hours', async () => {
    const w = await deviceWorld();
    const rs = await w.rs();
    const enter = (code: string, ip: string) => enterUserCode(w.deps, rs, w.policy, code, w.session, { ...LIMITS, ip });
    const typos = Math.floor(USER_CODE_LIMITS.all * 0.6);
    for (let hour = 0; hour < 2; hour++) {
      for (let i = 0; i < typos; i++) {
        await rejectsPage(enter('BBBB-BBBB', `198.51.100.${hour}.${i % 100}`), 'validation_failed', /not valid/);
      }
      w.clock.advance(3600);
    }
    const r = await start(w);
    assert.equal((await enter(r.user_code, '203.0.113.9')).kind, 'consent', 'under the limit in every hour: nobody is locked out');
  });
});
