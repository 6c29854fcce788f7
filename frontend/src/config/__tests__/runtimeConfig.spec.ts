import { describe, expect, it, vi } from 'vitest'

import { json, stubFetch } from '@/__tests__/fakeFetch'
import {
  ConfigError,
  DEFAULT_RELEASE_CHECK_MS,
  loadConfig,
  parseConfig,
  releaseCheckInterval,
} from '@/config/runtimeConfig'

const good = { apiUrl: 'https://api.dev.example.test', stage: 'dev', release: '2025-06-01-abc1234' }

describe('loadConfig', () => {
  it('reads /config.json past every cache', async () => {
    const fetch = stubFetch({ '/config.json': json(good) })
    await expect(loadConfig()).resolves.toEqual(good)
    expect(fetch).toHaveBeenCalledWith('/config.json', expect.objectContaining({ cache: 'no-store' }))
  })

  it('names the HTTP status when the file is missing', async () => {
    stubFetch({ '/config.json': new Response('Not found', { status: 404 }) })
    await expect(loadConfig()).rejects.toThrow('Could not load /config.json: the server answered HTTP 404.')
  })

  it('says when the file is not JSON (an HTML fallback page, say)', async () => {
    stubFetch({ '/config.json': new Response('<!doctype html>', { status: 200 }) })
    await expect(loadConfig()).rejects.toThrow('/config.json is not valid JSON.')
  })

  it('passes on a network failure readably', async () => {
    stubFetch({ '/config.json': new TypeError('Failed to fetch') })
    await expect(loadConfig()).rejects.toThrow('Could not load /config.json: Failed to fetch.')
  })
})

describe('parseConfig', () => {
  it.each([
    [{ ...good, apiUrl: undefined }, '"apiUrl" as a non-empty string'],
    [{ ...good, stage: '' }, '"stage" as a non-empty string'],
    [{ ...good, release: 5 }, '"release" as a non-empty string'],
    [{ ...good, apiUrl: 'api.example.test' }, 'not an absolute URL'],
    [{ ...good, apiUrl: 'ftp://api.example.test' }, 'not http(s)'],
    [{ ...good, releaseCheckSeconds: 0 }, 'releaseCheckSeconds 0'],
    [{ ...good, releaseCheckSeconds: '30' }, 'it must be a positive number'],
    [[good], 'must hold a JSON object'],
    [null, 'must hold a JSON object'],
  ])('rejects %j with a clear message', (body, message) => {
    expect(() => parseConfig(body)).toThrow(ConfigError)
    expect(() => parseConfig(body)).toThrow(message)
  })

  it('keeps an optional release check period', () => {
    expect(parseConfig({ ...good, releaseCheckSeconds: 5 })).toEqual({ ...good, releaseCheckSeconds: 5 })
  })
})

describe('releaseCheckInterval', () => {
  it('defaults to one minute', () => {
    expect(releaseCheckInterval(good, '')).toBe(DEFAULT_RELEASE_CHECK_MS)
    expect(DEFAULT_RELEASE_CHECK_MS).toBe(60_000)
  })

  it('takes releaseCheckSeconds from config.json', () => {
    expect(releaseCheckInterval({ ...good, releaseCheckSeconds: 5 }, '')).toBe(5000)
  })

  it('lets ?releaseCheckMs= in the page URL win', () => {
    expect(releaseCheckInterval({ ...good, releaseCheckSeconds: 5 }, '?releaseCheckMs=250')).toBe(250)
  })

  it('warns about and ignores a bad ?releaseCheckMs=', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(releaseCheckInterval(good, '?releaseCheckMs=soon')).toBe(DEFAULT_RELEASE_CHECK_MS)
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('releaseCheckMs=soon'))
  })
})
