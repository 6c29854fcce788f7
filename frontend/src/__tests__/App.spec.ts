import { describe, expect, it, vi } from 'vitest'

import { stubFetch } from './fakeFetch'
import { mountApp, settle } from './mountApp'

describe('the app shell', () => {
  it('says which page could not be opened when its code fails to load', async () => {
    stubFetch({})
    const { wrapper, router } = await mountApp('/about')
    router.addRoute({
      path: '/broken',
      component: () => Promise.reject(new TypeError('Failed to fetch dynamically imported module')),
    })
    await router.push('/broken').catch(() => {})
    await settle()
    const error = wrapper.find('[data-testid="error"]')
    expect(error.text()).toContain('Could not open this page')
    expect(error.text()).toContain('Failed to fetch dynamically imported module')
    // The previous page stays usable underneath.
    expect(wrapper.find('[data-testid="about"]').exists()).toBe(true)

    await router.push('/nope')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="not-found"]').exists()).toBe(true))
    expect(wrapper.find('[data-testid="error"]').exists()).toBe(false)
  })

  it('links to the pipelines and about pages and shows the stage', async () => {
    stubFetch({})
    const { wrapper } = await mountApp('/about')
    const links = wrapper.findAll('.site-nav a').map((a) => a.attributes('href'))
    expect(links).toEqual(['/', '/', '/about'])
    expect(wrapper.find('.stage').text()).toBe('test')
  })
})
