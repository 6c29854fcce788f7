export interface ReleaseWatcherOptions {
  /** The release this page was started with. */
  current: string
  /** Reads the release now deployed; a rejection means "could not tell" and is retried later. */
  fetchRelease: () => Promise<string>
  intervalMs: number
  onNewRelease: (release: string) => void
  target?: Window
}

/**
 * Looks for a newer release while the page is open: on an interval, and whenever the page comes
 * back into view, since a tab left in the background is the one most likely to be stale.
 * Reports once and then stops; returns a function that stops it earlier.
 */
export function watchRelease(options: ReleaseWatcherOptions): () => void {
  const target = options.target ?? window
  const doc = target.document
  let inFlight = false
  let stopped = false

  async function check(): Promise<void> {
    if (inFlight || stopped) return
    inFlight = true
    try {
      const release = await options.fetchRelease()
      if (!stopped && release !== options.current) {
        stop()
        options.onNewRelease(release)
      }
    } catch {
      // A failed check (offline, a deploy in progress) says nothing about the release; the next
      // interval or focus tries again.
    } finally {
      inFlight = false
    }
  }

  function onVisibilityChange(): void {
    if (doc.visibilityState === 'visible') void check()
  }

  function onFocus(): void {
    void check()
  }

  function onInterval(): void {
    // Hidden tabs need not poll: coming back into view triggers a check anyway.
    if (doc.visibilityState === 'visible') void check()
  }

  const timer = target.setInterval(onInterval, options.intervalMs)
  target.addEventListener('focus', onFocus)
  doc.addEventListener('visibilitychange', onVisibilityChange)

  function stop(): void {
    stopped = true
    target.clearInterval(timer)
    target.removeEventListener('focus', onFocus)
    doc.removeEventListener('visibilitychange', onVisibilityChange)
  }

  return stop
}
