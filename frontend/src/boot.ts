import { createApp, ref, type App as VueApp } from 'vue'
import type { RouterHistory } from 'vue-router'

import App from './App.vue'
import { createApi, errorMessage } from './api/client'
import BootError from './components/BootError.vue'
import { loadConfig, releaseCheckInterval } from './config/runtimeConfig'
import { ApiKey, ConfigKey, NewReleaseKey } from './injection'
import { installPreloadRecovery } from './release/preloadRecovery'
import { watchRelease } from './release/releaseWatcher'
import { createAppRouter } from './router'

export interface BootOptions {
  history?: RouterHistory
  /** How the page reloads; a seam so tests can observe it. */
  reload?: () => void
}

/**
 * Starts the app: reads the stage's config first, because the API address and the release it
 * watches come from there and nothing stage-specific is in the build.
 */
export async function boot(root: Element, options: BootOptions = {}): Promise<VueApp> {
  const reload = options.reload ?? (() => window.location.reload())
  let config
  try {
    config = await loadConfig()
  } catch (error) {
    const app = createApp(BootError, { message: errorMessage(error) })
    app.mount(root)
    return app
  }

  const stopRecovery = installPreloadRecovery({ release: config.release, reload })

  const newRelease = ref<string | null>(null)
  const stopWatching = watchRelease({
    current: config.release,
    fetchRelease: async () => (await loadConfig()).release,
    intervalMs: releaseCheckInterval(config, window.location.search),
    onNewRelease: (release) => {
      newRelease.value = release
    },
  })

  const app = createApp(App)
  app.provide(ConfigKey, config)
  app.provide(ApiKey, createApi(config.apiUrl))
  app.provide(NewReleaseKey, newRelease)
  app.use(createAppRouter(options.history))
  app.onUnmount(() => {
    stopWatching()
    stopRecovery()
  })
  app.mount(root)
  return app
}
