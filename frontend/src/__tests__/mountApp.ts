import { flushPromises, mount } from '@vue/test-utils'
import { ref } from 'vue'
import { createMemoryHistory } from 'vue-router'

import App from '@/App.vue'
import { createApi } from '@/api/client'
import type { RuntimeConfig } from '@/config/runtimeConfig'
import { ApiKey, ConfigKey, NewReleaseKey } from '@/injection'
import { createAppRouter } from '@/router'

import { config as defaultConfig } from './fixtures'

/**
 * Mounts the whole shell at `path`, with the real API client over whatever fetch is stubbed.
 * `attachTo` puts it in the document, for tests of where the focus goes.
 */
export async function mountApp(
  path: string,
  config: RuntimeConfig = defaultConfig,
  { attachTo }: { attachTo?: Element } = {},
) {
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  await router.isReady()
  const newRelease = ref<string | null>(null)
  const wrapper = mount(App, {
    attachTo,
    global: {
      plugins: [router],
      provide: {
        [ConfigKey as symbol]: config,
        [ApiKey as symbol]: createApi(config.apiUrl),
        [NewReleaseKey as symbol]: newRelease,
      },
    },
  })
  await settle()
  return { wrapper, router, newRelease }
}

/** Lets pending fetches, lazy route imports and re-renders finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}
