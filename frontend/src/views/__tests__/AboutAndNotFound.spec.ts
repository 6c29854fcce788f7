import { describe, expect, it } from 'vitest'

import { requestedUrls, stubFetch } from '@/__tests__/fakeFetch'
import { mountApp } from '@/__tests__/mountApp'

describe('the about page', () => {
  it('shows the stage and release from config.json', async () => {
    const { wrapper } = await mountApp('/about', {
      apiUrl: 'https://api.prod.example.test',
      stage: 'prod',
      release: '2025-06-01-abc1234',
    })
    const about = wrapper.find('[data-testid="about"]')
    expect(about.find('[data-testid="stage"]').text()).toBe('prod')
    expect(about.find('[data-testid="release"]').text()).toBe('2025-06-01-abc1234')
    expect(about.text()).toContain('https://api.prod.example.test')
  })
})

describe('the not-found page', () => {
  it.each(['/nope', '/pipelines/abc', '/runs/1/extra', '/pipelines/7/runs'])(
    'answers %s on the client without asking the API',
    async (path) => {
      const fetch = stubFetch({})
      const { wrapper } = await mountApp(path)
      const page = wrapper.find('[data-testid="not-found"]')
      expect(page.exists()).toBe(true)
      expect(page.text()).toContain(path)
      expect(page.find('a').attributes('href')).toBe('/')
      expect(requestedUrls(fetch)).toEqual([])
      expect(document.title).toBe('Not found · Skyline')
    },
  )
})
