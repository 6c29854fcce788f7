import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { watchRelease } from '@/release/releaseWatcher'

function setVisibility(state: DocumentVisibilityState): void {
  Object.defineProperty(document, 'visibilityState', { value: state, configurable: true })
}

describe('watchRelease', () => {
  let stop: (() => void) | undefined

  beforeEach(() => {
    vi.useFakeTimers()
    setVisibility('visible')
  })

  afterEach(() => {
    stop?.()
    stop = undefined
    vi.useRealTimers()
    setVisibility('visible')
  })

  function start(releases: Array<string | Error>) {
    const fetchRelease = vi.fn(async () => {
      const next = releases.length > 1 ? releases.shift()! : releases[0]!
      if (next instanceof Error) throw next
      return next
    })
    const onNewRelease = vi.fn()
    stop = watchRelease({ current: 'r-1', fetchRelease, intervalMs: 1000, onNewRelease })
    return { fetchRelease, onNewRelease }
  }

  it('checks on the interval and stays quiet while the release is unchanged', async () => {
    const { fetchRelease, onNewRelease } = start(['r-1'])
    await vi.advanceTimersByTimeAsync(999)
    expect(fetchRelease).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(fetchRelease).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(3000)
    expect(fetchRelease).toHaveBeenCalledTimes(4)
    expect(onNewRelease).not.toHaveBeenCalled()
  })

  it('reports a new release once, then stops checking', async () => {
    const { fetchRelease, onNewRelease } = start(['r-1', 'r-2'])
    await vi.advanceTimersByTimeAsync(2000)
    expect(onNewRelease).toHaveBeenCalledExactlyOnceWith('r-2')
    await vi.advanceTimersByTimeAsync(5000)
    window.dispatchEvent(new Event('focus'))
    await vi.advanceTimersByTimeAsync(0)
    expect(fetchRelease).toHaveBeenCalledTimes(2)
    expect(onNewRelease).toHaveBeenCalledTimes(1)
  })

  it('checks at once when the window regains focus', async () => {
    const { onNewRelease } = start(['r-2'])
    window.dispatchEvent(new Event('focus'))
    await vi.advanceTimersByTimeAsync(0)
    expect(onNewRelease).toHaveBeenCalledWith('r-2')
  })

  it('checks when the page becomes visible, not when it is hidden', async () => {
    const { fetchRelease, onNewRelease } = start(['r-2'])
    setVisibility('hidden')
    document.dispatchEvent(new Event('visibilitychange'))
    await vi.advanceTimersByTimeAsync(5000)
    expect(fetchRelease).not.toHaveBeenCalled()
    setVisibility('visible')
    document.dispatchEvent(new Event('visibilitychange'))
    await vi.advanceTimersByTimeAsync(0)
    expect(onNewRelease).toHaveBeenCalledWith('r-2')
  })

  it('keeps trying after a failed check', async () => {
    const { fetchRelease, onNewRelease } = start([new Error('offline'), 'r-2'])
    await vi.advanceTimersByTimeAsync(1000)
    expect(onNewRelease).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1000)
    expect(fetchRelease).toHaveBeenCalledTimes(2)
    expect(onNewRelease).toHaveBeenCalledWith('r-2')
  })

  it('does not start a second check while one is in flight', async () => {
    let answer: (release: string) => void = () => {}
    const fetchRelease = vi.fn(() => new Promise<string>((resolve) => (answer = resolve)))
    const onNewRelease = vi.fn()
    stop = watchRelease({ current: 'r-1', fetchRelease, intervalMs: 1000, onNewRelease })
    window.dispatchEvent(new Event('focus'))
    window.dispatchEvent(new Event('focus'))
    await vi.advanceTimersByTimeAsync(3000)
    expect(fetchRelease).toHaveBeenCalledTimes(1)
    answer('r-2')
    await vi.advanceTimersByTimeAsync(0)
    expect(onNewRelease).toHaveBeenCalledWith('r-2')
  })

  it('does nothing after it is stopped', async () => {
    const { fetchRelease } = start(['r-2'])
    stop!()
    window.dispatchEvent(new Event('focus'))
    await vi.advanceTimersByTimeAsync(5000)
    expect(fetchRelease).not.toHaveBeenCalled()
  })
})
