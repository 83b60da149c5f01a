// Vite build of the console (web/ → web/dist). No React plugin: esbuild compiles TSX with the automatic runtime,
// which is all a production build needs (no fast refresh in `vite dev`, reload instead).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      // antd marks its modules "use client" (for React server components); meaningless in an SPA bundle.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts';
          if (id.includes('node_modules/react') || id.includes('node_modules/scheduler')) return 'react';
          if (id.includes('node_modules/')) return 'antd';
        },
      },
    },
  },
  // `npx vite web` during development: the API runs on `siyu serve` (default port 7300).
  server: {
    proxy: Object.fromEntries(['/api', '/openapi.json', '/healthz'].map((p) => [p, process.env.SIYU_API ?? 'http://127.0.0.1:7300'])),
  },
});
