export const PRELOAD_RELOAD_KEY = 'skyline:preload-reload'

export interface PreloadRecoveryOptions {
  /** The release this page runs. */
  release: string
  reload: () => void
  target?: Window
  storage?: Storage
}

/**
 * Recovers from a lazy chunk that fails to load, which is what a page from a previous release
 * meets once a deploy has replaced the chunks it knows of: reload once to fetch the new release.
 *
 * The guard remembers which release was reloaded. A second failure under the same release means
 * reloading did not help (the chunk is really missing, or the network is down), so the error is
 * left to the router to show instead of reloading forever. A later release may reload again.
 */
export function installPreloadRecovery(options: PreloadRecoveryOptions): () => void {
  const target = options.target ?? window
  const storage = options.storage ?? target.sessionStorage

  function onPreloadError(event: Event): void {
    let reloadedFor: string | null = null
    try {
      reloadedFor = storage.getItem(PRELOAD_RELOAD_KEY)
    } catch {
      // Storage can be disabled; without a guard, never reload (a loop is worse than an error).
      return
    }
    if (reloadedFor === options.release) return
    try {
      storage.setItem(PRELOAD_RELOAD_KEY, options.release)
    } catch {
      return
    }
    // Keeps Vite from rethrowing: the page is about to be replaced.
    event.preventDefault()
    options.reload()
  }

  target.addEventListener('vite:preloadError', onPreloadError)
  return () => target.removeEventListener('vite:preloadError', onPreloadError)
}
