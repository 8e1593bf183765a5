/** Headless Debian Chromium for page tests (installed by .ci/run when missing). */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.PIXIE_CHROMIUM ?? '/usr/bin/chromium';

/** A skip reason for node:test when there is no browser, else false. */
export const NO_CHROMIUM: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * Where page tests save screenshots: a fresh temp folder, so `npm test` leaves the working tree
 * clean; `npm run screenshots` sets PIXIE_SCREENSHOTS=docs/images to refresh the README's images.
 */
export function screenshotDir(): string {
  if (process.env.PIXIE_SCREENSHOTS) {
    const dir = resolve(process.env.PIXIE_SCREENSHOTS);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pixie-shots-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
