/** Headless Debian Chromium for page tests (installed by .ci/run when missing). */
import { existsSync } from 'node:fs';
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
