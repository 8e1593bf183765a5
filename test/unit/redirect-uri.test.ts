import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRegisteredRedirectUri, matchRedirectUri } from '../../src/core/redirect-uri.js';

const client = (redirectUris: string[], oauthDomain: string | null = null) => ({ redirectUris, oauthDomain });

describe('redirect URI matching (SPEC §4.1, RFC 9700 §4.1.3)', () => {
  it('accepts an exact string match only', () => {
    const c = client(['https://app.example.com/cb']);
    assert.equal(matchRedirectUri(c, 'https://app.example.com/cb'), true);
    for (const bad of [
      'https://app.example.com/cb/', 'https://app.example.com/cb?x=1', 'https://app.example.com/CB',
      'https://app.example.com:8443/cb', 'http://app.example.com/cb', 'https://app.example.com/cb#frag',
      'https://app.example.com.evil.com/cb', 'https://evil.com/https://app.example.com/cb',
    ]) assert.equal(matchRedirectUri(c, bad), false, bad);
  });

  it('rejects userinfo tricks', () => {
    const c = client(['https://app.example.com/cb'], 'example.com');
    assert.equal(matchRedirectUri(c, 'https://app.example.com@evil.com/cb'), false);
    assert.equal(matchRedirectUri(c, 'https://user:pw@app.example.com/cb'), false);
    assert.equal(matchRedirectUri(c, 'https://evil.com@app.example.com/cb'), false);
  });

  it('lets a loopback redirect use any port, same host and path (RFC 8252 §7.3)', () => {
    const c = client(['http://127.0.0.1/callback', 'http://[::1]/cb']);
    assert.equal(matchRedirectUri(c, 'http://127.0.0.1:53124/callback'), true);
    assert.equal(matchRedirectUri(c, 'http://127.0.0.1/callback'), true);
    assert.equal(matchRedirectUri(c, 'http://[::1]:8000/cb'), true);
    assert.equal(matchRedirectUri(c, 'http://127.0.0.1:53124/other'), false);
    assert.equal(matchRedirectUri(c, 'http://127.0.0.1:53124/callback?x=1'), false);
    assert.equal(matchRedirectUri(c, 'https://127.0.0.1:53124/callback'), false);
    assert.equal(matchRedirectUri(c, 'http://localhost:53124/callback'), false);
    assert.equal(matchRedirectUri(c, 'http://127.0.0.2:53124/callback'), false);
    assert.equal(matchRedirectUri(c, 'http://[::1]:8000/callback'), false);
  });

  it('does not extend the port rule to non-loopback hosts', () => {
    const c = client(['http://localhost/callback', 'https://app.example.com/cb']);
    assert.equal(matchRedirectUri(c, 'http://localhost:1234/callback'), false);
    assert.equal(matchRedirectUri(c, 'https://app.example.com:444/cb'), false);
  });

  it('accepts https URIs on an OAuth domain or its subdomains, and no lookalikes', () => {
    const c = client([], 'example.com');
    assert.equal(matchRedirectUri(c, 'https://example.com/any/path?x=1'), true);
    assert.equal(matchRedirectUri(c, 'https://team.example.com/cb'), true);
    assert.equal(matchRedirectUri(c, 'https://a.b.example.com/cb'), true);
    for (const bad of [
      'http://example.com/cb', 'https://evilexample.com/cb', 'https://example.com.evil.com/cb',
      'https://example.co/cb', 'https://example.com#x', 'javascript://example.com/%0aalert(1)', 'https://xexample.com/cb',
    ]) assert.equal(matchRedirectUri(c, bad), false, bad);
  });

  it('rejects strings that are not URIs', () => {
    assert.equal(matchRedirectUri(client(['/cb']), '/cb'), false);
    assert.equal(matchRedirectUri(client([], 'example.com'), 'not a uri'), false);
  });

  it('validates registered URIs', () => {
    assert.equal(checkRegisteredRedirectUri('https://app.example.com/cb'), null);
    assert.equal(checkRegisteredRedirectUri('http://127.0.0.1/callback'), null);
    assert.equal(checkRegisteredRedirectUri('com.example.app:/oauth'), null);
    assert.match(checkRegisteredRedirectUri('http://app.example.com/cb')!, /https/);
    assert.match(checkRegisteredRedirectUri('https://app.example.com/cb#x')!, /fragment/);
    assert.match(checkRegisteredRedirectUri('cb')!, /absolute/);
    assert.match(checkRegisteredRedirectUri('javascript:alert(1)')!, /forbidden/);
  });

  it('accepts only https, loopback http and reversed-domain private-use schemes (RFC 8252 §7.1)', () => {
    for (const ok of ['com.example.app:/callback', 'com.example.app:/oauth2redirect?x=1', 'io.github.my-app:/cb', 'http://localhost:8080/cb', 'http://[::1]/cb']) {
      assert.equal(checkRegisteredRedirectUri(ok), null, ok);
    }
    for (const bad of [
      'vbscript:msgbox(1)', 'file:///etc/passwd', 'myapp:/callback', 'data:text/html,x', 'JavaScript:alert(1)',
      'ftp://example.com/cb', 'ws://example.com/cb', 'blob:https://example.com/x', 'about:blank', 'com.:/cb',
    ]) assert.match(checkRegisteredRedirectUri(bad) ?? 'accepted', /forbidden|absolute/, bad);
  });
});
