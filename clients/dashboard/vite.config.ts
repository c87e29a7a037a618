// Builds the dashboard (npm run build:dashboard) into clients/dashboard/dist, which the local
// runtime serves at `/` beside `/stream`. Relative asset URLs (base './') let the same build be
// served from any path or bucket. `vite --config clients/dashboard/vite.config.ts` serves it
// live and proxies `/stream` to a local gateway on :3000 (PORT's default).
//
// QUOTE_STREAM_API_ORIGINS (comma-separated origins, e.g. https://abc.execute-api.eu-west-1.amazonaws.com)
// lists the API origins `?api=` may name besides the page's own; it is fixed into the build
// through `define`, never read at run time, so a link cannot widen it (docs/dashboard.md).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { parseApiOrigins } from './src/params.ts';

const apiOrigins = parseApiOrigins(process.env.QUOTE_STREAM_API_ORIGINS);
if ('error' in apiOrigins) throw new Error(apiOrigins.error);

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  define: {
    __QUOTE_STREAM_API_ORIGINS__: JSON.stringify(apiOrigins.origins),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/stream': { target: 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
