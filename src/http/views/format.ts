/** Small view helpers shared by the portal pages: dates, the copy box, notices. */
import { html, type Raw } from './html.js';

// Made at first use: loading the locale data costs ~30 ms, on the server's start-up otherwise.
let dayFormat: Intl.DateTimeFormat | null = null;

export function day(epoch: number): string {
  dayFormat ??= new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  return dayFormat.format(new Date(epoch * 1000));
}

/** "Never", "just now", "5 minutes ago", "3 hours ago", or a date. */
export function ago(epoch: number | null, now: number): string {
  if (epoch === null) return 'Never';
  const s = Math.max(0, now - epoch);
  if (s < 60) return 'Just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return day(epoch);
}

/** The value of a `<input type=date>` for an expiry stored as "the midnight after that day". */
export function dateInputValue(expiresAt: number | null): string {
  return expiresAt === null ? '' : new Date((expiresAt - 86400) * 1000).toISOString().slice(0, 10);
}

export function expiry(expiresAt: number | null, now: number): Raw {
  if (expiresAt === null) return html`<span class="muted">No expiry</span>`;
  if (expiresAt <= now) return html`<span class="badge badge-danger">Expired</span>`;
  return html`${day(expiresAt - 86400)}`;
}

/** A value with a copy button; the button appears only when the script runs. */
export function copyBox(id: string, value: string, secret = false): Raw {
  return html`<div class="copy-box${secret ? ' is-secret' : ''}"><code id="${id}">${value}</code><button type="button" class="secondary small" data-copy="${id}" hidden>Copy</button></div>`;
}

export function notice(message: string | null): Raw {
  return message ? html`<div class="notice" role="status">${message}</div>` : html``;
}

export function errorBox(message: string | null): Raw {
  return message ? html`<div class="error" role="alert">${message}</div>` : html``;
}
