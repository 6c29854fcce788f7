import { inject, type InjectionKey, type Ref } from 'vue'

import type { Api } from './api/client'
import type { RuntimeConfig } from './config/runtimeConfig'

export const ApiKey: InjectionKey<Api> = Symbol('api')
export const ConfigKey: InjectionKey<RuntimeConfig> = Symbol('config')
/** The newer release found while the page was open, or null. */
export const NewReleaseKey: InjectionKey<Ref<string | null>> = Symbol('newRelease')

function required<T>(key: InjectionKey<T>, what: string): T {
  const value = inject(key)
  if (value === undefined) throw new Error(`No ${what} provided to the component tree.`)
  return value
}

export const useApi = (): Api => required(ApiKey, 'API client')
export const useConfig = (): RuntimeConfig => required(ConfigKey, 'runtime config')
export const useNewRelease = (): Ref<string | null> => required(NewReleaseKey, 'release state')
