import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's chromium, headless, with everything that would reach the network off. Playwright makes a fresh
 * profile for each launch. No browser is downloaded: the README's test command installs chromium with apt.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CSM_TEST_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
