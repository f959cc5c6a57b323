// Shared by the browser tests: headless Chromium (playwright-core from npm ci in the work folder)
// with a throwaway profile and nothing that phones home; a page whose requests off `origin` are
// collected in `external`, so that a test can check that none left the local server.
import { createRequire } from 'node:module';
import path from 'node:path';

export async function openBrowser(work, chromiumPath, profileDir, origin) {
  const { chromium } = createRequire(path.resolve(work, 'package.json'))('playwright-core');
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1100, height: 1000 },
  });
  const page = context.pages()[0] || await context.newPage();
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(origin)) external.push(r.url()); });
  return { context, page, external };
}
