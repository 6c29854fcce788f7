import { describe, expect, it } from 'vitest'

import { API, pipeline, run } from '@/__tests__/fixtures'
import { apiError, json, requestedUrls, stubFetch } from '@/__tests__/fakeFetch'
import { ApiError, buildUrl, createApi, errorStatus, isTransient } from '@/api/client'

describe('buildUrl', () => {
  it('joins base and path with exactly one slash', () => {
    expect(buildUrl('https://api.example.test/', '/pipelines')).toBe('https://api.example.test/pipelines')
    expect(buildUrl('https://api.example.test', 'pipelines')).toBe('https://api.example.test/pipelines')
  })

  it('keeps a base path such as an API Gateway stage', () => {
    expect(buildUrl('https://abc.execute-api.eu-west-1.amazonaws.com/prod', '/runs/5')).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod/runs/5',
    )
  })

  it('adds query parameters, leaves out empty ones and encodes values', () => {
    const url = buildUrl(API, '/pipelines/7/runs', { status: 'failed', limit: 20, cursor: 'a b&c=d', x: undefined })
    const parsed = new URL(url)
    expect(parsed.pathname).toBe('/pipelines/7/runs')
    expect(parsed.searchParams.get('status')).toBe('failed')
    expect(parsed.searchParams.get('limit')).toBe('20')
    expect(parsed.searchParams.get('cursor')).toBe('a b&c=d')
    expect(parsed.searchParams.has('x')).toBe(false)
  })

  it('rejects a base that is not an absolute URL', () => {
    expect(() => buildUrl('/relative', '/pipelines')).toThrow()
  })
})

describe('createApi', () => {
  const api = createApi(API)

  it('lists pipelines', async () => {
    stubFetch({ [`${API}/pipelines`]: json({ pipelines: [pipeline()] }) })
    await expect(api.listPipelines()).resolves.toEqual([pipeline()])
  })

  it('asks for one pipeline and one run by id', async () => {
    const fetch = stubFetch({
      [`${API}/pipelines/7`]: json(pipeline()),
      [`${API}/runs/123`]: json(run()),
    })
    await expect(api.getPipeline(7)).resolves.toEqual(pipeline())
    await expect(api.getRun(123)).resolves.toEqual(run())
    expect(requestedUrls(fetch)).toEqual([`${API}/pipelines/7`, `${API}/runs/123`])
  })

  it('passes the status filter, page size and cursor for runs', async () => {
    const url = `${API}/pipelines/7/runs?status=failed&limit=20&cursor=abc`
    stubFetch({ [url]: json({ runs: [run()], next_cursor: 'def' }) })
    await expect(api.listRuns(7, { status: 'failed', limit: 20, cursor: 'abc' })).resolves.toEqual({
      runs: [run()],
      next_cursor: 'def',
    })
  })

  it('asks for runs without a query when none is given', async () => {
    stubFetch({ [`${API}/pipelines/7/runs`]: json({ runs: [], next_cursor: null }) })
    await expect(api.listRuns(7)).resolves.toEqual({ runs: [], next_cursor: null })
  })

  it("turns the API's error body into the error message and keeps the status", async () => {
    stubFetch({ [`${API}/pipelines/99`]: apiError(404, 'Pipeline 99 not found') })
    const error = await api.getPipeline(99).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 404, message: 'Pipeline 99 not found' })
  })

  it('describes an error without a JSON body by its status line', async () => {
    stubFetch({
      [`${API}/pipelines`]: new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    })
    await expect(api.listPipelines()).rejects.toMatchObject({
      status: 502,
      message: 'The API answered HTTP 502 Bad Gateway.',
    })
  })

  it('describes an error whose JSON is not the error shape by its status', async () => {
    stubFetch({ [`${API}/pipelines`]: json({ detail: 'nope' }, 500) })
    await expect(api.listPipelines()).rejects.toMatchObject({ status: 500, message: expect.stringContaining('500') })
  })

  it('reports a network failure with the API origin and the cause', async () => {
    stubFetch({ [`${API}/pipelines`]: new TypeError('Failed to fetch') })
    await expect(api.listPipelines()).rejects.toMatchObject({
      status: 0,
      message: `Could not reach the API at ${API} (Failed to fetch).`,
    })
  })

  it('reports a success whose body is not JSON', async () => {
    stubFetch({ [`${API}/runs/1`]: new Response('not json', { status: 200 }) })
    await expect(api.getRun(1)).rejects.toMatchObject({ message: expect.stringContaining('not valid JSON') })
  })

  it('reports a body without the expected list', async () => {
    stubFetch({
      [`${API}/pipelines`]: json({ items: [] }),
      [`${API}/pipelines/7/runs`]: json({ items: [] }),
    })
    await expect(api.listPipelines()).rejects.toMatchObject({ message: expect.stringContaining('expected shape') })
    await expect(api.listRuns(7)).rejects.toMatchObject({ message: expect.stringContaining('expected shape') })
  })
})

describe('isTransient', () => {
  it('says a retry can help with no answer, timeouts, throttling and server errors', () => {
    for (const status of [null, 0, 408, 429, 500, 502, 503, 504]) expect(isTransient(status)).toBe(true)
  })

  it('says a retry cannot help with the other client errors', () => {
    for (const status of [400, 401, 403, 404, 410, 422]) expect(isTransient(status)).toBe(false)
  })

  it("reads the status of an API error and nothing else's", () => {
    expect(errorStatus(new ApiError(404, 'gone'))).toBe(404)
    expect(errorStatus(new Error('boom'))).toBeNull()
  })
})
