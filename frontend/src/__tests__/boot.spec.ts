import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { App } from 'vue'
import { createMemoryHistory } from 'vue-router'

import { boot } from '@/boot'

import { json, requestedUrls, stubFetch } from './fakeFetch'
import { API, pipeline } from './fixtures'
import { settle } from './mountApp'

const config = (release: string) => json({ apiUrl: API, stage: 'test', release })

describe('boot', () => {
  let root: HTMLElement
  let app: App | undefined

  beforeEach(() => {
    root = document.createElement('div')
    document.body.append(root)
  })

  afterEach(() => {
    app?.unmount()
    app = undefined
    root.remove()
    vi.useRealTimers()
    window.history.replaceState(null, '', '/')
  })

  it('reads config.json and then talks to the API it names', async () => {
    const fetch = stubFetch({
      '/config.json': config('r-1'),
      [`${API}/pipelines`]: json({ pipelines: [pipeline()] }),
    })
    app = await boot(root, { history: createMemoryHistory() })
    await vi.waitFor(() => expect(root.querySelector('[data-testid="pipeline-list"]')).not.toBeNull())
    expect(requestedUrls(fetch)).toEqual(['/config.json', `${API}/pipelines`])
    expect(root.querySelector('.stage')?.textContent).toBe('test')
  })

  it('shows a readable error when config.json cannot be loaded', async () => {
    stubFetch({ '/config.json': new Response('missing', { status: 404 }) })
    app = await boot(root, { history: createMemoryHistory() })
    await settle()
    const error = root.querySelector('[data-testid="error"]')
    expect(error?.textContent).toContain('Skyline could not start')
    expect(error?.textContent).toContain('Could not load /config.json: the server answered HTTP 404.')
  })

  it('shows a readable error when config.json is malformed', async () => {
    stubFetch({ '/config.json': json({ apiUrl: API, stage: 'test' }) })
    app = await boot(root, { history: createMemoryHistory() })
    await settle()
    expect(root.querySelector('[data-testid="error"]')?.textContent).toContain(
      '/config.json needs "release" as a non-empty string',
    )
  })

  it('shows the release banner once config.json names a newer release (?releaseCheckMs=)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    window.history.replaceState(null, '', '/?releaseCheckMs=5000')
    let release = 'r-1'
    stubFetch({
      '/config.json': () => config(release),
      [`${API}/pipelines`]: json({ pipelines: [] }),
    })
    app = await boot(root, { history: createMemoryHistory() })
    await vi.waitFor(() => expect(root.querySelector('h1')?.textContent).toBe('Pipelines'))
    await vi.advanceTimersByTimeAsync(5000)
    await settle()
    expect(root.querySelector('[data-testid="release-banner"]')).toBeNull()

    release = 'r-2'
    await vi.advanceTimersByTimeAsync(5000)
    await settle()
    const banner = root.querySelector('[data-testid="release-banner"]')
    expect(banner?.textContent).toContain('r-2')
    expect(banner?.querySelector('[data-testid="reload"]')).not.toBeNull()
  })

  it('reloads once when a lazy chunk fails to load', async () => {
    stubFetch({ '/config.json': config('r-1'), [`${API}/pipelines`]: json({ pipelines: [] }) })
    const reload = vi.fn()
    app = await boot(root, { history: createMemoryHistory(), reload })
    window.dispatchEvent(new Event('vite:preloadError', { cancelable: true }))
    window.dispatchEvent(new Event('vite:preloadError', { cancelable: true }))
    expect(reload).toHaveBeenCalledTimes(1)
  })
})
