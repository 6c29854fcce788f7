import { describe, expect, it } from 'vitest'

import { apiError, json, stubFetch } from '@/__tests__/fakeFetch'
import { API, run } from '@/__tests__/fixtures'
import { mountApp } from '@/__tests__/mountApp'

describe('the run page', () => {
  it.each(['/runs/123', '/pipelines/7/runs/123'])('shows the run at %s', async (path) => {
    stubFetch({ [`${API}/runs/123`]: json(run()) })
    const { wrapper } = await mountApp(path)
    const page = wrapper.find('[data-testid="run"]')
    expect(page.find('h1').text()).toContain('Run #123')
    expect(page.text()).toContain('succeeded')
    expect(page.text()).toContain('schedule')
    expect(page.text()).toContain('0123456789abcdef0123456789abcdef01234567')
    expect(page.text()).toContain('5 min 30 s')
    expect(page.find('a[href="/pipelines/7"]').exists()).toBe(true)
    const metrics = page.findAll('[data-testid="metrics"] tr').map((row) => row.text())
    expect(metrics).toEqual(['error_rate0.0125', 'rows_loaded1200'])
  })

  it('shows a run that has not finished yet', async () => {
    stubFetch({
      [`${API}/runs/124`]: json(
        run({ id: 124, status: 'running', finished_at: null, duration_seconds: null, metrics: {} }),
      ),
    })
    const { wrapper } = await mountApp('/runs/124')
    const page = wrapper.find('[data-testid="run"]')
    expect(page.text()).toContain('not yet')
    expect(page.text()).toContain('No metrics recorded.')
  })

  it('says so when the link names a pipeline the run is not part of', async () => {
    stubFetch({ [`${API}/runs/123`]: json(run({ pipeline_id: 7 })) })
    const { wrapper } = await mountApp('/pipelines/8/runs/123')
    expect(wrapper.find('[data-testid="run"]').exists()).toBe(false)
    const error = wrapper.find('[data-testid="error"]')
    expect(error.text()).toContain('Run 123 belongs to pipeline 7, not pipeline 8.')
    expect(error.find('a').attributes('href')).toBe('/pipelines/7/runs/123')
  })

  it("shows the API's message for a run that does not exist", async () => {
    stubFetch({ [`${API}/runs/999`]: apiError(404, 'Run 999 not found') })
    const { wrapper } = await mountApp('/runs/999')
    expect(wrapper.find('[data-testid="error"]').text()).toContain('Run 999 not found')
  })

  it('shows the loading state until the run arrives', async () => {
    stubFetch({ [`${API}/runs/123`]: () => new Promise<Response>(() => {}) })
    const { wrapper } = await mountApp('/runs/123')
    expect(wrapper.find('[data-testid="loading"]').text()).toContain('Loading run')
  })
})
