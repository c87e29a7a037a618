/**
 * `npm run screenshot [-- FILE]`: rewrite docs/dashboard.png (or FILE) from the real thing. Starts the local gateway with
 * its embedded simulator and the built dashboard (run `npm run build:dashboard` first), opens ten
 * symbols in Chromium at 1440 × 820, charts NVDA, waits until the sparklines have history, and
 * takes the picture. A documentation step, so it lives here and not in the test suite.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT, startLocalGateway } from '../dev/gateway.ts';
import { staticFallback } from '../dev/static.ts';
import { launchBrowser } from '../test/helpers/browser.ts';

const DIST = resolve(PROJECT_ROOT, 'clients/dashboard/dist');
const OUTPUT = resolve(process.argv[2] ?? resolve(PROJECT_ROOT, 'docs/dashboard.png'));
const SYMBOLS = 'AAPL,MSFT,NVDA,AMZN,GOOGL,TSLA,BTC-USD,ETH-USD,ES=F,^GSPC';
/** Sparklines with at least this many points, in at least six rows, make a picture worth keeping. */
const MIN_POINTS = 30;
const WAIT_MS = 30_000;

async function main(): Promise<number> {
  if (!existsSync(resolve(DIST, 'index.html'))) {
    process.stderr.write('screenshot: no dashboard build; run "npm run build:dashboard" first\n');
    return 1;
  }
  const gateway = await startLocalGateway({
    env: { LOG_LEVEL: 'error' },
    functionTimeoutS: 900,
    host: '127.0.0.1',
    port: 0,
    fallback: staticFallback(DIST),
    simulator: { profile: 'busy', seed: 7 },
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 820 } });
    await page.goto(`${gateway.url}/?symbols=${SYMBOLS}`);
    await page.locator('#connection[data-phase="live"]').waitFor({ timeout: WAIT_MS });
    await page.getByRole('button', { name: 'NVDA', exact: true }).click();
    await page.waitForFunction(
      (minPoints) =>
        [...document.querySelectorAll('tbody polyline')].filter(
          (line) => (line.getAttribute('points') ?? '').split(' ').length >= minPoints,
        ).length >= 6,
      MIN_POINTS,
      { timeout: WAIT_MS },
    );
    await page.screenshot({ path: OUTPUT });
    process.stdout.write(`screenshot: wrote ${OUTPUT}\n`);
    return 0;
  } finally {
    await browser.close();
    await gateway.close();
  }
}

process.exitCode = await main();
