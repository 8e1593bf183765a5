/**
 * Encryption at rest of stored secrets (the private signing keys), with AES-256-GCM under a
 * 32-byte "secrets key" that lives outside the database (PIXIE_SECRETS_KEY, a key file, or a
 * `secrets.key` generated next to an SQLite database).
 *
 * A stored value reads `enc:v1:<key id>:<iv>:<ciphertext and tag>` (base64url parts). The key id
 * is derived from the key, so a row names the key that can open it and a wrong key is recognised
 * as wrong instead of failing as bad data. The row's identity is authenticated with it (GCM's
 * additional data): a value copied onto another row does not open there.
 *
 * A keyring holds the current key (used to encrypt) and older ones (only to decrypt, while rows
 * are re-encrypted to the current key). Values with no `enc:` prefix are plaintext written by an
 * older release, read as they are and re-encrypted at start-up.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = 'enc:v1:';
/** 43 base64url characters: 32 bytes without padding. */
const KEY_TEXT = /^[A-Za-z0-9_-]{43}$/;

export class SecretsKeyError extends Error {}

interface SecretsKey {
  id: string;
  key: Buffer;
}

/** The id of a key: 8 base64url characters of a hash of it (nothing of the key can be recovered). */
function keyId(key: Buffer): string {
  return createHash('sha256').update('pixie secrets key\0').update(key).digest('base64url').slice(0, 8);
}

/** A new random secrets key, as PIXIE_SECRETS_KEY takes it. */
export function generateSecretsKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url');
}

/**
 * Splits a list of keys ("new,old", or one per line), newest first. Throws SecretsKeyError naming
 * `source` (never the key itself) when one is not 32 bytes of base64url.
 */
export function parseSecretsKeys(text: string, source: string): string[] {
  const keys = text.split(/[\s,]+/).filter(Boolean);
  if (keys.length === 0) throw new SecretsKeyError(`${source} holds no key`);
  keys.forEach((k, i) => {
    if (!KEY_TEXT.test(k)) {
      throw new SecretsKeyError(`${source}: key ${i + 1} is not a secrets key (32 random bytes in base64url, 43 characters; \`pixie secrets-key generate\` prints one)`);
    }
  });
  return keys;
}

export class SecretsKeyring {
  private readonly keys: SecretsKey[];

  /** `keys`: base64url keys, newest (the one to encrypt with) first; none: values stay plaintext. */
  constructor(keys: readonly string[]) {
    this.keys = keys.map((text) => {
      const key = Buffer.from(text, 'base64url');
      if (key.length !== KEY_BYTES) throw new SecretsKeyError('a secrets key must be 32 bytes');
      return { id: keyId(key), key };
    });
  }

  /** True when values are encrypted (a key is configured). */
  get encrypts(): boolean {
    return this.keys.length > 0;
  }

  /** Ids of the keys held, newest first. */
  get ids(): string[] {
    return this.keys.map((k) => k.id);
  }

  /** The start of every value written now (`enc:v1:<id>:`), or null when values stay plaintext. */
  get currentPrefix(): string | null {
    return this.keys.length ? `${PREFIX}${this.keys[0].id}:` : null;
  }

  /** Encrypts `plaintext`, bound to `context` (the row it is stored in); plaintext when no key is held. */
  seal(plaintext: string, context: string): string {
    if (!this.keys.length) return plaintext;
    const { id, key } = this.keys[0];
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}${id}:${iv.toString('base64url')}:${ct.toString('base64url')}`;
  }

  /** Decrypts a stored value (plaintext values are returned as they are). */
  open(stored: string, context: string): string {
    if (!isEncrypted(stored)) return stored;
    const [id, ivText, ctText] = stored.slice(PREFIX.length).split(':');
    const k = this.keys.find((x) => x.id === id);
    if (!k) throw new SecretsKeyError(unknownKeyMessage(id, this.ids));
    const iv = Buffer.from(ivText ?? '', 'base64url');
    const data = Buffer.from(ctText ?? '', 'base64url');
    if (iv.length !== IV_BYTES || data.length < TAG_BYTES) throw new SecretsKeyError('a stored secret is damaged (not a valid encrypted value)');
    const decipher = createDecipheriv('aes-256-gcm', k.key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretsKeyError(`a stored secret does not decrypt with secrets key ${id}: it was altered or copied from another row`);
    }
  }

  /** True when `stored` is written as this keyring writes now (no re-encryption needed). */
  isCurrent(stored: string): boolean {
    const prefix = this.currentPrefix;
    return prefix ? stored.startsWith(prefix) : !isEncrypted(stored);
  }
}

export function isEncrypted(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** The id of the key a stored value was encrypted with, or null for plaintext. */
export function encryptedWith(stored: string): string | null {
  return isEncrypted(stored) ? stored.slice(PREFIX.length).split(':')[0] : null;
}

export function unknownKeyMessage(id: string, held: string[]): string {
  if (!held.length) {
    return `signing keys in the database are encrypted with secrets key ${id}, and no secrets key is configured: `
      + 'set PIXIE_SECRETS_KEY (or PIXIE_SECRETS_KEY_FILE) to the key they were written with';
  }
  return `signing keys in the database are encrypted with secrets key ${id}, which is not among the configured keys (${held.join(', ')}): `
    + 'start with the key they were written with; to change keys, give the new key first and the old one after it ("new,old")';
}
