import { afterEach, describe, expect, it, vi } from 'vitest'

import { installPreloadRecovery, PRELOAD_RELOAD_KEY } from '@/release/preloadRecovery'

function preloadError(): Event {
  // The event Vite dispatches when a lazy chunk or its CSS fails to load.
  return new Event('vite:preloadError', { cancelable: true })
}

describe('installPreloadRecovery', () => {
  let uninstall: (() => void) | undefined

  afterEach(() => {
    uninstall?.()
    uninstall = undefined
  })

  it('reloads once and stops Vite from rethrowing', () => {
    const reload = vi.fn()
    uninstall = installPreloadRecovery({ release: 'r-1', reload })
    const event = preloadError()
    window.dispatchEvent(event)
    expect(reload).toHaveBeenCalledTimes(1)
    expect(event.defaultPrevented).toBe(true)
    expect(sessionStorage.getItem(PRELOAD_RELOAD_KEY)).toBe('r-1')
  })

  it('does not reload again for the same release after the reload (no loop)', () => {
    const reload = vi.fn()
    const firstPage = installPreloadRecovery({ release: 'r-1', reload })
    window.dispatchEvent(preloadError())
    firstPage()
    // After the reload: a fresh page, the same session storage, the chunk still missing.
    uninstall = installPreloadRecovery({ release: 'r-1', reload })
    const second = preloadError()
    window.dispatchEvent(second)
    expect(reload).toHaveBeenCalledTimes(1)
    expect(second.defaultPrevented).toBe(false)
  })

  it('allows one more reload once a newer release is running', () => {
    sessionStorage.setItem(PRELOAD_RELOAD_KEY, 'r-1')
    const reload = vi.fn()
    uninstall = installPreloadRecovery({ release: 'r-2', reload })
    window.dispatchEvent(preloadError())
    window.dispatchEvent(preloadError())
    expect(reload).toHaveBeenCalledTimes(1)
  })

  it('never reloads when session storage is unusable', () => {
    const reload = vi.fn()
    const broken = {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError')
      },
    } as unknown as Storage
    uninstall = installPreloadRecovery({ release: 'r-1', reload, storage: broken })
    window.dispatchEvent(preloadError())
    expect(reload).not.toHaveBeenCalled()
  })

  it('stops listening once uninstalled', () => {
    const reload = vi.fn()
    installPreloadRecovery({ release: 'r-1', reload })()
    window.dispatchEvent(preloadError())
    expect(reload).not.toHaveBeenCalled()
  })
})
