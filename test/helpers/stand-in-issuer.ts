/**
 * A tiny stand-in issuer for the verifier's tests: discovery, a JWKS with one ES256 key, and an
 * introspection endpoint that answers what the test decides for each token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';

export interface StandInIssuer {
  issuer: string;
  /** Signs tokens the JWKS publishes (kid `k1`, ES256). */
  privateKey: CryptoKey;
  close(): Promise<void>;
}

/** `introspect` answers for one token (RFC 7662 body); the issuer listens on a random loopback port. */
export async function startStandInIssuer(introspect: (token: string | null) => Record<string, unknown>): Promise<StandInIssuer> {
  const pair = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, introspection_endpoint: `${issuer}/introspect` }));
    }
    if (req.url === '/jwks') return res.end(JSON.stringify({ keys: [jwk] }));
    if (req.url === '/introspect' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.end(JSON.stringify(introspect(new URLSearchParams(body).get('token')))));
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, privateKey: pair.privateKey as CryptoKey, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
