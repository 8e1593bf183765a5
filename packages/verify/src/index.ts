/**
 * @module @pixie-auth/verify
 * Verify Pixie access tokens and API keys in a resource server.
 *
 * @example
 * import { createVerifier, fastifyAuth } from '@pixie-auth/verify';
 * const verifier = createVerifier({ issuer: 'https://id.example.com/default/default' });
 * app.get('/me', { preHandler: fastifyAuth(verifier, { scopes: ['read_inbox'] }) }, (req) => req.auth);
 */
export { createVerifier, type Verifier } from './verifier.js';
export type { VerifierOptions, VerifyOptions, VerifiedCredential, CredentialKind, BoundChallenge, FetchLike, IntrospectionCredentials } from './types.js';
export {
  memoryReplayStore, rotatingNonces, DPOP_SUPPORTED_ALGS, DpopPolicy,
  type DpopOptions, type DpopRequest, type DpopReplayStore, type DpopNonceSource, type DpopAlgorithm,
} from './dpop.js';
export {
  VerifyError, InvalidRequestError, InvalidTokenError, MissingTokenError, InsufficientScopeError, VerifierUnavailableError,
  InvalidDpopProofError, UseDpopNonceError,
  type VerifyErrorCode, type VerifyFailure, type ChallengeExtras,
} from './errors.js';
export {
  protectedResource, protectedResourceMetadataUrl,
  type ProtectedResource, type ProtectedResourceOptions, type ProtectedResourceMetadata,
  type FastifyLikeApp, type MetadataReply, type ExpressLikeMetadataRequest, type ExpressLikeMetadataResponse,
} from './resource-metadata.js';
export { extractToken, extractCredentials, extractPkceVerifier, type ExtractOptions, type HeaderBag, type PresentedCredentials } from './extract.js';
export { checkBinding, challengeFromClaims } from './binding.js';
export { fastifyAuth, type AdapterOptions, type FastifyLikeRequest, type FastifyLikeReply } from './adapters/fastify.js';
export { expressAuth, type ExpressLikeRequest, type ExpressLikeResponse } from './adapters/express.js';
