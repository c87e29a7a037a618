/**
 * The browser tests load the built dashboard. `npm test` builds it before vitest runs; this builds
 * it only when `clients/dashboard/dist` is missing, so `npx vitest run --project browser` works on a
 * fresh clone. It never rebuilds a stale dist: run `npm run build:dashboard` after changing the page.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const DASHBOARD = resolve(import.meta.dirname, '../../clients/dashboard');

export default async function buildDashboardIfMissing(): Promise<void> {
  if (existsSync(resolve(DASHBOARD, 'dist/index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: resolve(DASHBOARD, 'vite.config.ts'), logLevel: 'warn' });
}
