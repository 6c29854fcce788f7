import { describe, expect, it } from 'vitest'

import { apiError, json, requestedUrls, stubFetch } from '@/__tests__/fakeFetch'
import { API, pipeline, run } from '@/__tests__/fixtures'
import { mountApp, settle } from '@/__tests__/mountApp'

type Wrapper = Awaited<ReturnType<typeof mountApp>>['wrapper']
const crumbs = (wrapper: Wrapper) => wrapper.findAll('[data-testid="crumbs"] li').map((item) => item.text())

describe('the run page', () => {
  it.each(['/runs/123', '/pipelines/7/runs/123'])('shows the run at %s', async (path) => {
    stubFetch({ [`${API}/runs/123`]: json(run()), [`${API}/pipelines/7`]: json(pipeline()) })
    const { wrapper } = await mountApp(path)
    const page = wrapper.find('[data-testid="run"]')
    expect(page.find('h1').text()).toContain('Run #123')
    expect(page.text()).toContain('succeeded')
    expect(page.text()).toContain('schedule')
    expect(page.text()).toContain('5 min 30 s')
    const metrics = page.findAll('[data-testid="metrics"] tr').map((row) => row.text())
    expect(metrics).toEqual(['error_rate0.0125', 'rows_loaded1200'])
  })

  it.each(['/runs/123', '/pipelines/7/runs/123'])("names the run's pipeline at %s", async (path) => {
    stubFetch({ [`${API}/runs/123`]: json(run()), [`${API}/pipelines/7`]: json(pipeline()) })
    const { wrapper } = await mountApp(path)
    const link = wrapper.find('[data-testid="run-pipeline"] a')
    expect(link.text()).toBe('nightly-etl')
    expect(link.attributes('href')).toBe('/pipelines/7')
    expect(crumbs(wrapper)).toEqual(['Pipelines', 'nightly-etl', 'Run #123'])
    expect(wrapper.find('[data-testid="crumbs"] a[href="/pipelines/7"]').text()).toBe('nightly-etl')
    expect(wrapper.find('[data-testid="crumbs"] [aria-current="page"]').text()).toBe('Run #123')
    expect(wrapper.text()).not.toContain('Pipeline 7')
  })

  it('asks for the pipeline alongside the run when the link names it', async () => {
    const fetch = stubFetch({
      [`${API}/runs/123`]: () => new Promise<Response>(() => {}),
      [`${API}/pipelines/7`]: json(pipeline()),
    })
    await mountApp('/pipelines/7/runs/123')
    expect(requestedUrls(fetch)).toEqual([`${API}/runs/123`, `${API}/pipelines/7`])
  })

  it("still shows the run, under the pipeline's number, when the pipeline cannot be had", async () => {
    stubFetch({ [`${API}/runs/123`]: json(run()), [`${API}/pipelines/7`]: apiError(503, 'Try later') })
    const { wrapper } = await mountApp('/runs/123')
    expect(wrapper.find('[data-testid="run-pipeline"]').text()).toBe('Pipeline 7')
    expect(crumbs(wrapper)).toEqual(['Pipelines', 'Pipeline 7', 'Run #123'])
    expect(wrapper.find('[data-testid="error"]').exists()).toBe(false)
  })

  it('shows a short commit with the full hash on hover and in the copy button', async () => {
    stubFetch({ [`${API}/runs/123`]: json(run()), [`${API}/pipelines/7`]: json(pipeline()) })
    const { wrapper } = await mountApp('/runs/123')
    const commit = wrapper.find('[data-testid="run"] [data-testid="commit"]')
    expect(commit.text()).toBe('0123456')
    expect(commit.attributes('title')).toBe('0123456789abcdef0123456789abcdef01234567')
    expect(wrapper.find('[data-testid="copy-commit"]').attributes('aria-label')).toContain(
      '0123456789abcdef0123456789abcdef01234567',
    )
  })

  it('shows a run that has not finished yet', async () => {
    stubFetch({
      [`${API}/runs/124`]: json(
        run({ id: 124, status: 'running', finished_at: null, duration_seconds: null, metrics: {} }),
      ),
      [`${API}/pipelines/7`]: json(pipeline()),
    })
    const { wrapper } = await mountApp('/runs/124')
    const page = wrapper.find('[data-testid="run"]')
    expect(page.text()).toContain('not yet')
    expect(page.text()).toContain('No metrics recorded.')
  })

  it('says so when the link names a pipeline the run is not part of', async () => {
    stubFetch({ [`${API}/runs/123`]: json(run({ pipeline_id: 7 })), [`${API}/pipelines/8`]: json(pipeline({ id: 8 })) })
    const { wrapper } = await mountApp('/pipelines/8/runs/123')
    expect(wrapper.find('[data-testid="run"]').exists()).toBe(false)
    const error = wrapper.find('[data-testid="error"]')
    expect(error.text()).toContain('Run 123 belongs to pipeline 7, not pipeline 8.')
    expect(error.find('a').attributes('href')).toBe('/pipelines/7/runs/123')
  })

  it('says a missing run is not found, with a way back instead of a retry', async () => {
    stubFetch({ [`${API}/runs/999`]: apiError(404, 'run 999 does not exist') })
    const { wrapper } = await mountApp('/runs/999')
    const errors = wrapper.findAll('[data-testid="error"]')
    expect(errors).toHaveLength(1)
    expect(errors[0]!.text()).toContain('Run not found')
    expect(errors[0]!.text()).toContain('There is no run 999')
    expect(errors[0]!.find('a').attributes('href')).toBe('/')
    expect(errors[0]!.find('[data-testid="retry"]').exists()).toBe(false)
    expect(crumbs(wrapper)).toEqual(['Pipelines', 'Run #999'])
  })

  it('links a missing run back to the pipeline its link named', async () => {
    stubFetch({
      [`${API}/runs/999`]: apiError(404, 'run 999 does not exist'),
      [`${API}/pipelines/7`]: json(pipeline()),
    })
    const { wrapper } = await mountApp('/pipelines/7/runs/999')
    const links = wrapper.findAll('[data-testid="error"] a')
    expect(links.map((link) => [link.text(), link.attributes('href')])).toEqual([
      ['See the runs of nightly-etl', '/pipelines/7'],
      ['See all pipelines', '/'],
    ])
    expect(crumbs(wrapper)).toEqual(['Pipelines', 'nightly-etl', 'Run #999'])
  })

  it('offers to try again after a failure that may pass', async () => {
    let calls = 0
    stubFetch({
      [`${API}/runs/123`]: () => (++calls === 1 ? apiError(503, 'The API is busy') : json(run())),
      [`${API}/pipelines/7`]: json(pipeline()),
    })
    const { wrapper } = await mountApp('/runs/123')
    const error = wrapper.find('[data-testid="error"]')
    expect(error.text()).toContain('Could not load the run')
    expect(error.text()).toContain('The API is busy')
    await error.find('[data-testid="retry"]').trigger('click')
    await settle()
    expect(wrapper.find('[data-testid="error"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="run-pipeline"]').text()).toBe('nightly-etl')
  })

  it('shows the loading state until the run arrives', async () => {
    stubFetch({ [`${API}/runs/123`]: () => new Promise<Response>(() => {}) })
    const { wrapper } = await mountApp('/runs/123')
    expect(wrapper.find('[data-testid="loading"]').text()).toContain('Loading run')
  })
})
