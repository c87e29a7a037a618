// Builds the dashboard (npm run build:dashboard) into clients/dashboard/dist, which the local
// runtime serves at `/` beside `/stream`. Relative asset URLs (base './') let the same build be
// served from any path or bucket. `vite --config clients/dashboard/vite.config.ts` serves it
// live and proxies `/stream` to a local gateway on :3000 (PORT's default).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
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
