/**
 * `pixie token --device`: the device authorization grant (RFC 8628) from a terminal without a
 * browser. The command asks for a device code, shows the user code and the verification URL
 * (and a QR code of the complete URL, for a phone), then polls the token endpoint at the
 * server's interval: 5 seconds more after each slow_down (RFC 8628 §3.5), until the user
 * approves or denies, or the code expires.
 */
import { FlowError } from './errors.js';
import { postAuthenticatedForm, tokenRequest, type ClientCredentials, type TokenFields } from './exchange.js';
import type { DpopKey } from './dpop.js';
import { renderQr } from './qr.js';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628 §3.2. */
export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval: number;
}

/** Where progress goes, and what the terminal can show. */
export interface DeviceTerminal {
  say: (message: string) => void;
  /** Writes without a line end (the progress line). */
  write: (text: string) => void;
  /** Progress goes to a terminal: a QR code and a live progress line make sense. */
  tty: boolean;
  qr: boolean;
}

/** RFC 8628 §3.1: the device authorization request. */
export async function requestDeviceCode(
  url: string, client: ClientCredentials, scope: string, resources: readonly string[],
): Promise<DeviceAuthorization> {
  const body = new URLSearchParams();
  if (scope) body.set('scope', scope);
  for (const r of resources) body.append('resource', r);
  const { res, text } = await postAuthenticatedForm(url, 'device authorization endpoint', body, client);
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new FlowError(`the device authorization endpoint answered HTTP ${res.status} without JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok || typeof answer.error === 'string') {
    const description = typeof answer.error_description === 'string' ? ` — ${answer.error_description}` : '';
    throw new FlowError(`the device authorization endpoint refused the request (HTTP ${res.status}): ${String(answer.error)}${description}`);
  }
  const { device_code: deviceCode, user_code: userCode, verification_uri: uri, verification_uri_complete: complete, expires_in: expiresIn, interval } = answer;
  if (typeof deviceCode !== 'string' || typeof userCode !== 'string' || typeof uri !== 'string' || typeof expiresIn !== 'number') {
    throw new FlowError('the device authorization response lacks device_code, user_code, verification_uri or expires_in');
  }
  return {
    device_code: deviceCode, user_code: userCode, verification_uri: uri, expires_in: expiresIn,
    ...(typeof complete === 'string' ? { verification_uri_complete: complete } : {}),
    // RFC 8628 §3.2: 5 seconds when the server names none.
    interval: typeof interval === 'number' && interval > 0 ? interval : 5,
  };
}

/** Tells the user where to go: the URL, the code, and a QR code of the complete URL on a terminal. */
export function showInstructions(t: DeviceTerminal, d: DeviceAuthorization): void {
  t.say('To sign in, open this URL on a phone or computer:');
  t.say(`  ${d.verification_uri}`);
  t.say(`and enter the code: ${d.user_code}`);
  if (t.qr && t.tty && d.verification_uri_complete) {
    t.say('Or scan this QR code, which opens the page with the code filled in:');
    t.write(renderQr(d.verification_uri_complete));
  }
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A live "waiting" line on a terminal (redrawn every second), a single line elsewhere. */
function progress(t: DeviceTerminal, deadline: number): { stop: () => void } {
  if (!t.tty) {
    t.say(`Waiting for approval (the code expires in ${Math.round((deadline - Date.now()) / 1000)} s)…`);
    return { stop: () => {} };
  }
  let frame = 0;
  const draw = () => {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    t.write(`\r\x1b[2K${SPINNER[frame++ % SPINNER.length]} Waiting for approval… ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} left`);
  };
  draw();
  const timer = setInterval(draw, 1000);
  return { stop: () => { clearInterval(timer); t.write('\r\x1b[2K'); } };
}

const sleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));

/**
 * Polls until a token, a refusal or the deadline (the code's expiry, or `timeout` if sooner).
 * `authorization_pending` waits the interval again; `slow_down` adds 5 seconds to it.
 */
export async function pollForToken(
  t: DeviceTerminal, tokenEndpoint: string, d: DeviceAuthorization, client: ClientCredentials, resources: readonly string[], timeout: number,
  dpopKey?: DpopKey,
): Promise<TokenFields> {
  const deadline = Date.now() + Math.min(d.expires_in, timeout) * 1000;
  let interval = d.interval;
  const shown = progress(t, deadline);
  try {
    for (;;) {
      if (Date.now() + interval * 1000 > deadline) {
        throw new FlowError(`the code ${d.user_code} was not approved in time (it expires after ${d.expires_in} s); run the command again for a new code`);
      }
      await sleep(interval);
      try {
        return await tokenRequest(tokenEndpoint, { grant_type: DEVICE_GRANT, device_code: d.device_code }, client, resources, dpopKey);
      } catch (err) {
        const reason = err instanceof FlowError ? err.oauthError : null;
        if (reason === 'authorization_pending') continue;
        if (reason === 'slow_down') {
          interval += 5;
          continue;
        }
        if (reason === 'access_denied') throw new FlowError('the request was denied on the verification page');
        if (reason === 'expired_token') throw new FlowError(`the code ${d.user_code} expired before it was approved; run the command again for a new code`);
        throw err;
      }
    }
  } finally {
    shown.stop();
  }
}
