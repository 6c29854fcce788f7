import { describe, expect, it, vi } from 'vitest'

import { apiError, json, stubFetch, type Reply } from '@/__tests__/fakeFetch'
import { API, config, pipeline } from '@/__tests__/fixtures'
import { mountApp, settle } from '@/__tests__/mountApp'

const many = (count: number) =>
  Array.from({ length: count }, (_, index) => pipeline({ id: index + 1, name: `pipeline-${index + 1}` }))

describe('the pipelines page', () => {
  it('shows a loading state while the API has not answered', async () => {
    let answer: (reply: Response) => void = () => {}
    const pending: Reply = () => new Promise<Response>((resolve) => (answer = resolve))
    stubFetch({ [`${API}/pipelines`]: pending })
    const { wrapper } = await mountApp('/')
    expect(wrapper.find('[data-testid="loading"]').text()).toContain('Loading pipelines')
    expect(wrapper.find('[data-testid="pipeline-list"]').exists()).toBe(false)

    answer(json({ pipelines: [pipeline()] }))
    await settle()
    expect(wrapper.find('[data-testid="loading"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="pipeline-list"]').exists()).toBe(true)
  })

  it('lists every pipeline with a link to it and its last run', async () => {
    stubFetch({
      [`${API}/pipelines`]: json({
        pipelines: [pipeline(), pipeline({ id: 8, name: 'hourly-sync', last_run: null, run_count: 0 })],
      }),
    })
    const { wrapper } = await mountApp('/')
    const items = wrapper.findAll('[data-testid="pipeline-list"] > li')
    expect(items).toHaveLength(2)
    expect(items[0]!.text()).toContain('nightly-etl')
    expect(items[0]!.text()).toContain('data-team')
    expect(items[0]!.text()).toContain('succeeded')
    expect(items[0]!.find('a').attributes('href')).toBe('/pipelines/7')
    expect(items[1]!.text()).toContain('hourly-sync')
    expect(items[1]!.text()).toContain('never')
    expect(document.title).toBe('Pipelines · Skyline')
  })

  it('opens a pipeline when its link is followed', async () => {
    stubFetch({
      [`${API}/pipelines`]: json({ pipelines: [pipeline()] }),
      [`${API}/pipelines/7`]: json(pipeline()),
      [`${API}/pipelines/7/runs?limit=20`]: json({ runs: [], next_cursor: null }),
    })
    const { wrapper, router } = await mountApp('/')
    await wrapper.find('[data-testid="pipeline-list"] a').trigger('click')
    // The pipeline page is a lazy chunk: give its import time to finish.
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/pipelines/7'))
    await settle()
    expect(wrapper.find('[data-testid="pipeline"] h1').text()).toBe('nightly-etl')
  })

  it('says so when there are no pipelines', async () => {
    stubFetch({ [`${API}/pipelines`]: json({ pipelines: [] }) })
    const { wrapper } = await mountApp('/')
    expect(wrapper.text()).toContain('No pipelines yet.')
  })

  it("shows the API's error message and can try again", async () => {
    let calls = 0
    stubFetch({
      [`${API}/pipelines`]: () =>
        ++calls === 1 ? apiError(503, 'The database is waking up') : json({ pipelines: [pipeline()] }),
    })
    const { wrapper } = await mountApp('/')
    const error = wrapper.find('[data-testid="error"]')
    expect(error.text()).toContain('Could not load the pipelines')
    expect(error.text()).toContain('The database is waking up')

    await error.find('button').trigger('click')
    await settle()
    expect(wrapper.find('[data-testid="error"]').exists()).toBe(false)
    expect(wrapper.findAll('[data-testid="pipeline-list"] > li')).toHaveLength(1)
  })

  it('explains a network failure instead of showing a blank page', async () => {
    stubFetch({ [`${API}/pipelines`]: new TypeError('Failed to fetch') })
    const { wrapper } = await mountApp('/')
    expect(wrapper.find('[data-testid="error"]').text()).toContain(
      `Could not reach the API at ${API} (Failed to fetch).`,
    )
  })

  it('shows the first twelve pipelines and the rest on request, moving focus to the first new one', async () => {
    stubFetch({ [`${API}/pipelines`]: json({ pipelines: many(30) }) })
    const host = document.body.appendChild(document.createElement('div'))
    const { wrapper } = await mountApp('/', config, { attachTo: host })
    const cards = () => wrapper.findAll('[data-testid="pipeline-list"] > li')
    const count = () => wrapper.find('[data-testid="pipeline-count"]')
    const more = () => wrapper.find('[data-testid="show-more"]')
    expect(cards()).toHaveLength(12)
    expect(count().text()).toBe('Showing 12 of 30 pipelines.')
    expect(count().attributes('role')).toBe('status')
    expect(more().text()).toBe('Show 12 more pipelines')
    expect(more().element.tagName).toBe('BUTTON')

    await more().trigger('click')
    await settle()
    expect(cards()).toHaveLength(24)
    expect(document.activeElement?.textContent?.trim()).toBe('pipeline-13')
    expect(count().text()).toBe('Showing 24 of 30 pipelines.')
    expect(more().text()).toBe('Show 6 more pipelines')

    await more().trigger('click')
    await settle()
    expect(cards()).toHaveLength(30)
    expect(document.activeElement?.textContent?.trim()).toBe('pipeline-25')
    expect(count().text()).toBe('Showing 30 of 30 pipelines.')
    expect(more().exists()).toBe(false)
    host.remove()
  })

  it('shows a short list whole, without a count or a button', async () => {
    stubFetch({ [`${API}/pipelines`]: json({ pipelines: many(12) }) })
    const { wrapper } = await mountApp('/')
    expect(wrapper.findAll('[data-testid="pipeline-list"] > li')).toHaveLength(12)
    expect(wrapper.find('[data-testid="pipeline-count"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="show-more"]').exists()).toBe(false)
  })
})
