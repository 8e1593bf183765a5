/** Signing keys: generation, RFC 7638 key ids, public JWK export. */
import { createHash, createPrivateKey, generateKeyPair, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';

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

type KeyType = 'ec' | 'rsa' | 'ed25519';
interface KeyPair { publicKey: KeyObject; privateKey: KeyObject }

const KEY_TYPES: Record<SigningAlg, [KeyType, object]> = {
  ES256: ['ec', { namedCurve: 'P-256' }],
  RS256: ['rsa', { modulusLength: 2048 }],
  EdDSA: ['ed25519', {}],
};

function material(alg: SigningAlg, pair: KeyPair): StoredKeyMaterial {
  const privateJwk = pair.privateKey.export({ format: 'jwk' });
  const pub = pair.publicKey.export({ format: 'jwk' });
  const kid = thumbprint(pub);
  return { kid, alg, privateJwk, publicJwk: { ...pub, kid, alg, use: 'sig' } };
}

/**
 * A key made on libuv's thread pool (an RSA key takes 50–100 ms), one at a time per process: a
 * burst of servers needing keys queues here instead of piling up key-generation jobs in one
 * tick (thousands at once once deadlocked Node 20's crypto during a garbage collection).
 */
let queue: Promise<unknown> = Promise.resolve();

export function generateKeyMaterial(alg: SigningAlg): Promise<StoredKeyMaterial> {
  const next = queue.then(() => generatePair(alg)).then((pair) => material(alg, pair));
  queue = next.catch(() => undefined);
  return next;
}

/**
 * A key made at once, for a server's first key inside the transaction that creates the server
 * (so no server is ever seen without one): ES256 and EdDSA keys take well under a millisecond.
 */
export function generateKeyMaterialSync(alg: SigningAlg): StoredKeyMaterial {
  const [type, options] = KEY_TYPES[alg];
  return material(alg, (generateKeyPairSync as (t: string, o: object) => KeyPair)(type, options));
}

function generatePair(alg: SigningAlg): Promise<KeyPair> {
  const [type, options] = KEY_TYPES[alg];
  return new Promise((resolve, reject) => {
    // The overloads of generateKeyPair do not accept a key type chosen at run time.
    (generateKeyPair as (t: string, o: object, cb: (e: Error | null, publicKey: KeyObject, privateKey: KeyObject) => void) => void)(
      type, options, (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })));
  });
}

export function importSigningKey(material: StoredKeyMaterial): SigningKey {
  return {
    kid: material.kid,
    alg: material.alg,
    privateKey: createPrivateKey({ key: material.privateJwk, format: 'jwk' }),
    publicJwk: material.publicJwk,
  };
}
