import { ref, shallowRef, type Ref, type ShallowRef } from 'vue'

import { errorMessage, errorStatus } from '@/api/client'

export interface Request<T> {
  data: ShallowRef<T | null>
  loading: Ref<boolean>
  error: Ref<string | null>
  /** The failed call's HTTP status (0: no answer); null while there is no error or no status. */
  status: Ref<number | null>
  run: (load: () => Promise<T>) => Promise<void>
}

/**
 * Loading, error and data for one kind of API call. Only the latest call's answer counts, so a
 * slow answer for a previous filter or page cannot overwrite a newer one.
 */
export function useRequest<T>(): Request<T> {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const status = ref<number | null>(null)
  let latest = 0

  async function run(load: () => Promise<T>): Promise<void> {
    const id = ++latest
    loading.value = true
    error.value = null
    status.value = null
    try {
      const result = await load()
      if (id === latest) data.value = result
    } catch (cause) {
      if (id === latest) {
        error.value = errorMessage(cause)
        status.value = errorStatus(cause)
      }
    } finally {
      if (id === latest) loading.value = false
    }
  }

  return { data, loading, error, status, run }
}
