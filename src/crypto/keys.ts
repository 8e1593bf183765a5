/** Signing keys: generation, RFC 7638 key ids, public JWK export. */
import { createHash, createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';

export const SIGNING_ALGS = ['ES256', 'RS256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: SigningAlg;
  use: 'sig';
}

/** What is persisted for a key (private JWK as JSON). */
export interface StoredKeyMaterial {
  kid: string;
  alg: SigningAlg;
  privateJwk: JsonWebKey;
  publicJwk: PublicJwk;
}

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

function thumbprint(jwk: JsonWebKey): string {
  const members: Record<string, string[]> = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'], OKP: ['crv', 'kty', 'x'] };
  const names = members[jwk.kty as string];
  if (!names) throw new Error(`unsupported key type ${jwk.kty}`);
  const canonical = `{${names.map((n) => `"${n}":"${(jwk as Record<string, string>)[n]}"`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

export function generateKeyMaterial(alg: SigningAlg): StoredKeyMaterial {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  const privateJwk = pair.privateKey.export({ format: 'jwk' });
  const pub = pair.publicKey.export({ format: 'jwk' });
  const kid = thumbprint(pub);
  return { kid, alg, privateJwk, publicJwk: { ...pub, kid, alg, use: 'sig' } };
}

export function importSigningKey(material: StoredKeyMaterial): SigningKey {
  return {
    kid: material.kid,
    alg: material.alg,
    privateKey: createPrivateKey({ key: material.privateJwk, format: 'jwk' }),
    publicJwk: material.publicJwk,
  };
}
