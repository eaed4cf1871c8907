import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium (`apt-get install -y chromium`; .ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
/** Added to a browser test's name, so that a skipped one says why and how to run it. */
export const skipReason = hasChromium ? '' : ` [skipped: ${CHROMIUM} is not installed; run apt-get install -y chromium]`;

// Headless, without a sandbox (CI containers run as root) or a GPU, and with nothing that talks to
// the network on its own: the only requests are the test's, to its loopback server.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface HeadlessChromium {
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * The system Chromium through playwright-core (no browser download), headless, with a profile of
 * its own in a temp folder so parallel test files share no state.
 */
export async function launchChromium(opts: { viewport?: { width: number; height: number } } = {}): Promise<HeadlessChromium> {
  const profile = await mkdtemp(path.join(tmpdir(), 'isr-chromium-'));
  const removeProfile = () => rm(profile, { recursive: true, force: true });
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, ...opts });
    return {
      context,
      close: async () => {
        await context.close();
        await removeProfile();
      },
    };
  } catch (err) {
    await removeProfile();
    throw err;
  }
}
