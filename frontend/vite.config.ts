import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

import { runtimeConfigPlugin } from './plugins/runtimeConfig'

export default defineConfig({
  plugins: [vue(), runtimeConfigPlugin()],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  build: {
    // The release tool reads the manifest to tell hashed assets from the entry document.
    manifest: true,
  },
})
