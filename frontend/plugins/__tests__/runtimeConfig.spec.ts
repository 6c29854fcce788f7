// @vitest-environment node
import { createServer, type ViteDevServer } from 'vite'
import { afterEach, describe, expect, it } from 'vitest'

import { DEFAULT_DEV_API_URL, devRuntimeConfig, runtimeConfigPlugin } from '../runtimeConfig'

describe('devRuntimeConfig', () => {
  it('points at the local API unless SKYLINE_API_URL says otherwise', () => {
    expect(devRuntimeConfig({})).toEqual({ apiUrl: DEFAULT_DEV_API_URL, stage: 'local', release: 'dev' })
    expect(devRuntimeConfig({ SKYLINE_API_URL: 'http://127.0.0.1:9000' }).apiUrl).toBe('http://127.0.0.1:9000')
  })
})

describe('the dev server', () => {
  let server: ViteDevServer | undefined

  afterEach(async () => {
    await server?.close()
  })

  it('answers /config.json, uncached, from the environment', async () => {
    const previous = process.env.SKYLINE_API_URL
    process.env.SKYLINE_API_URL = 'http://127.0.0.1:9999'
    try {
      server = await createServer({
        configFile: false,
        root: new URL('..', import.meta.url).pathname,
        logLevel: 'silent',
        plugins: [runtimeConfigPlugin()],
        server: { port: 0, host: '127.0.0.1', strictPort: false, ws: false },
      })
      await server.listen()
      const address = server.httpServer?.address()
      if (!address || typeof address === 'string') throw new Error('the dev server did not listen on a TCP port')
      const response = await fetch(`http://127.0.0.1:${address.port}/config.json`)
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await response.json()).toEqual({ apiUrl: 'http://127.0.0.1:9999', stage: 'local', release: 'dev' })
    } finally {
      if (previous === undefined) delete process.env.SKYLINE_API_URL
      else process.env.SKYLINE_API_URL = previous
    }
  })
})
