import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

import { runtimeConfigPlugin } from './plugins/runtimeConfig'

export default defineConfig({
  plugins: [vue(), runtimeConfigPlugin()],
  define: {
    // Every component is <script setup>: leaving out the Options API saves ~2 KiB gzip of the
    // entry chunk that every route loads (see scripts/check-budget.mjs).
    __VUE_OPTIONS_API__: 'false',
  },
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  build: {
    // dist/.vite/manifest.json maps each route to the files it loads: scripts/check-dist.mjs
    // checks that routes are split and scripts/check-budget.mjs sizes each route's first load.
    // The release tool neither reads nor publishes it (it skips .vite/).
    manifest: true,
  },
})
