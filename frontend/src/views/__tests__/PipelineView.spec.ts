import { describe, expect, it, vi } from 'vitest'

import { apiError, json, requestedUrls, stubFetch } from '@/__tests__/fakeFetch'
import { API, pipeline, run } from '@/__tests__/fixtures'
import { mountApp, settle } from '@/__tests__/mountApp'

const runsUrl = (query: string) => `${API}/pipelines/7/runs?${query}`
type Wrapper = Awaited<ReturnType<typeof mountApp>>['wrapper']
const rowIds = (wrapper: Wrapper) =>
  wrapper.findAll('[data-testid="run-row"] td:first-child').map((cell) => cell.text())
const crumbs = (wrapper: Wrapper) => wrapper.findAll('[data-testid="crumbs"] li').map((item) => item.text())

describe('the pipeline page', () => {
  it('shows the pipeline and its newest runs, each linking to the run', async () => {
    stubFetch({
      [`${API}/pipelines/7`]: json(pipeline()),
      [runsUrl('limit=20')]: json({
        runs: [run({ id: 125, status: 'running', finished_at: null, duration_seconds: null }), run()],
        next_cursor: null,
      }),
    })
    const { wrapper } = await mountApp('/pipelines/7')
    expect(wrapper.find('[data-testid="pipeline"]').text()).toContain('Loads the warehouse every night')
    const table = wrapper.find('[data-testid="runs"]')
    expect(rowIds(wrapper)).toEqual(['#125', '#123'])
    expect(table.text()).toContain('running')
    expect(table.text()).toContain('0123456')
    expect(table.text()).toContain('5 min 30 s')
    expect(table.find('a').attributes('href')).toBe('/pipelines/7/runs/125')
    expect(wrapper.find('[data-testid="load-more"]').exists()).toBe(false)
  })

  it('filters by status through the URL and asks the API for that status', async () => {
    const fetch = stubFetch({
      [`${API}/pipelines/7`]: json(pipeline()),
      [runsUrl('limit=20')]: json({ runs: [run(), run({ id: 122, status: 'failed' })], next_cursor: null }),
      [runsUrl('status=failed&limit=20')]: json({ runs: [run({ id: 122, status: 'failed' })], next_cursor: null }),
    })
    const { wrapper, router } = await mountApp('/pipelines/7')
    expect(rowIds(wrapper)).toEqual(['#123', '#122'])

    await wrapper.find('[data-testid="status-filter"]').setValue('failed')
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/pipelines/7?status=failed')
    expect(rowIds(wrapper)).toEqual(['#122'])
    expect(requestedUrls(fetch)).toContain(runsUrl('status=failed&limit=20'))

    await wrapper.find('[data-testid="status-filter"]').setValue('')
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/pipelines/7')
    expect(rowIds(wrapper)).toEqual(['#123', '#122'])
  })

  it('opens a deep link with a filter already applied', async () => {
    stubFetch({
      [`${API}/pipelines/7`]: json(pipeline()),
      [runsUrl('status=cancelled&limit=20')]: json({ runs: [], next_cursor: null }),
    })
    const { wrapper } = await mountApp('/pipelines/7?status=cancelled')
    expect((wrapper.find('[data-testid="status-filter"]').element as HTMLSelectElement).value).toBe('cancelled')
    expect(wrapper.text()).toContain('No cancelled runs.')
  })

  it('ignores a status the API does not know instead of sending it', async () => {
    stubFetch({
      [`${API}/pipelines/7`]: json(pipeline()),
      [runsUrl('limit=20')]: json({ runs: [run()], next_cursor: null }),
    })
    const { wrapper } = await mountApp('/pipelines/7?status=exploded')
    expect(rowIds(wrapper)).toEqual(['#123'])
  })

  it("loads more runs with the API's cursor and appends them", async () => {
    const fetch = stubFetch({
      [`${API}/pipelines/7`]: json(pipeline()),
      [runsUrl('limit=20')]: json({ runs: [run({ id: 130 }), run({ id: 129 })], next_cursor: 'c1' }),
      [runsUrl('limit=20&cursor=c1')]: json({ runs: [run({ id: 128 })], next_cursor: 'c2' }),
      [runsUrl('limit=20&cursor=c2')]: json({ runs: [run({ id: 127 })], next_cursor: null }),
    })
    const { wrapper } = await mountApp('/pipelines/7')
    expect(rowIds(wrapper)).toEqual(['#130', '#129'])

    await wrapper.find('[data-testid="load-more"]').trigger('click')
    await settle()
    expect(rowIds(wrapper)).toEqual(['#130', '#129', '#128'])

    await wrapper.find('[data-testid="load-more"]').trigger('click')
    await settle()
    expect(rowIds(wrapper)).toEqual(['#130', '#129', '#128', '#127'])
    expect(wrapper.find('[data-testid="load-more"]').exists()).toBe(false)
    expect(requestedUrls(fetch).filter((url) => url.includes('/runs'))).toHaveLength(3)
  })

  it('keeps the cursor with the filter when loading more of a filtered list', async () => {
    stubFetch({
      [`${API}/pipelines/7`]: json(pipeline()),
      [runsUrl('status=failed&limit=20')]: json({ runs: [run({ id: 9, status: 'failed' })], next_cursor: 'f1' }),
      [runsUrl('status=failed&limit=20&cursor=f1')]: json({
        runs: [run({ id: 4, status: 'failed' })],
        next_cursor: null,
      }),
    })
    const { wrapper } = await mountApp('/pipelines/7?status=failed')
    await wrapper.find('[data-testid="load-more"]').trigger('click')
    await settle()
    expect(rowIds(wrapper)).toEqual(['#9', '#4'])
  })

  it('shows a failed page of runs without losing the runs already shown', async () => {
    stubFetch({
      [`${API}/pipelines/7`]: json(pipeline()),
      [runsUrl('limit=20')]: json({ runs: [run({ id: 130 })], next_cursor: 'c1' }),
      [runsUrl('limit=20&cursor=c1')]: apiError(400, 'Invalid cursor'),
    })
    const { wrapper } = await mountApp('/pipelines/7')
    await wrapper.find('[data-testid="load-more"]').trigger('click')
    await settle()
    expect(wrapper.find('[data-testid="error"]').text()).toContain('Invalid cursor')
    expect(rowIds(wrapper)).toEqual(['#130'])
  })

  it('shows the loading state for runs while they load', async () => {
    stubFetch({
      [`${API}/pipelines/7`]: json(pipeline()),
      [runsUrl('limit=20')]: () => new Promise<Response>(() => {}),
    })
    const { wrapper } = await mountApp('/pipelines/7')
    expect(wrapper.find('[data-testid="loading"]').text()).toContain('Loading runs')
  })

  it('says a missing pipeline is not found, once, with a way back and no runs filter', async () => {
    stubFetch({
      [`${API}/pipelines/404`]: apiError(404, 'pipeline 404 does not exist'),
      [`${API}/pipelines/404/runs?limit=20`]: apiError(404, 'pipeline 404 does not exist'),
    })
    const { wrapper } = await mountApp('/pipelines/404')
    const errors = wrapper.findAll('[data-testid="error"]')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.text()).toContain('Pipeline not found')
    expect(errors[0]!.text()).toContain('There is no pipeline 404')
    expect(errors[0]!.find('a').text()).toBe('See all pipelines')
    expect(errors[0]!.find('a').attributes('href')).toBe('/')
    expect(errors[0]!.find('[data-testid="retry"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="status-filter"]').exists()).toBe(false)
    expect(wrapper.find('.runs-header').exists()).toBe(false)
    expect(crumbs(wrapper)).toEqual(['Pipelines'])
  })

  it('shows one error that can be retried when the pipeline fails for a passing reason', async () => {
    let calls = 0
    stubFetch({
      [`${API}/pipelines/7`]: () => (++calls === 1 ? apiError(503, 'The API is busy') : json(pipeline())),
      [runsUrl('limit=20')]: json({ runs: [run()], next_cursor: null }),
    })
    const { wrapper } = await mountApp('/pipelines/7')
    const errors = wrapper.findAll('[data-testid="error"]')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.text()).toContain('Could not load the pipeline')
    expect(errors[0]!.text()).toContain('The API is busy')
    expect(wrapper.find('[data-testid="status-filter"]').exists()).toBe(false)

    await errors[0]!.find('[data-testid="retry"]').trigger('click')
    await settle()
    expect(wrapper.find('[data-testid="error"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="pipeline"] h1').text()).toBe('nightly-etl')
    expect(rowIds(wrapper)).toEqual(['#123'])
  })

  it('ends its breadcrumb in the pipeline, named once it has loaded', async () => {
    let answer: (reply: Response) => void = () => {}
    stubFetch({
      [`${API}/pipelines/7`]: () => new Promise<Response>((resolve) => (answer = resolve)),
      [runsUrl('limit=20')]: json({ runs: [], next_cursor: null }),
    })
    const { wrapper } = await mountApp('/pipelines/7')
    expect(crumbs(wrapper)).toEqual(['Pipelines', 'Pipeline 7'])
    answer(json(pipeline()))
    await settle()
    expect(crumbs(wrapper)).toEqual(['Pipelines', 'nightly-etl'])
    expect(wrapper.find('[data-testid="crumbs"] a').attributes('href')).toBe('/')
    expect(wrapper.find('[data-testid="crumbs"] [aria-current="page"]').text()).toBe('nightly-etl')
  })

  it('shows the runs only under their pipeline, so nothing above them moves when it arrives', async () => {
    let answer: (reply: Response) => void = () => {}
    const fetch = stubFetch({
      [`${API}/pipelines/7`]: () => new Promise<Response>((resolve) => (answer = resolve)),
      [runsUrl('limit=20')]: json({ runs: [run()], next_cursor: null }),
    })
    const { wrapper } = await mountApp('/pipelines/7')
    // Both requests are under way at once...
    expect(requestedUrls(fetch)).toEqual([`${API}/pipelines/7`, runsUrl('limit=20')])
    // ...but the runs wait for the header that goes above them.
    expect(wrapper.find('[data-testid="loading"]').text()).toContain('Loading pipeline')
    expect(wrapper.find('.runs-header').exists()).toBe(false)
    expect(wrapper.find('[data-testid="runs"]').exists()).toBe(false)

    answer(json(pipeline()))
    await settle()
    expect(wrapper.find('[data-testid="pipeline"]').exists()).toBe(true)
    expect(wrapper.find('.runs-header').exists()).toBe(true)
    expect(rowIds(wrapper)).toEqual(['#123'])
  })

  it('does not let a slow answer for an old filter replace the new one', async () => {
    let answerAll: (reply: Response) => void = () => {}
    stubFetch({
      [`${API}/pipelines/7`]: json(pipeline()),
      [runsUrl('limit=20')]: () => new Promise<Response>((resolve) => (answerAll = resolve)),
      [runsUrl('status=failed&limit=20')]: json({ runs: [run({ id: 122, status: 'failed' })], next_cursor: null }),
    })
    const { wrapper } = await mountApp('/pipelines/7')
    await wrapper.find('[data-testid="status-filter"]').setValue('failed')
    await settle()
    answerAll(json({ runs: [run({ id: 1 })], next_cursor: null }))
    await settle()
    await vi.waitFor(() => expect(rowIds(wrapper)).toEqual(['#122']))
  })
})
