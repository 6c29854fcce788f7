// @vitest-environment node
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { createServer, type ViteDevServer } from 'vite'
import { afterEach, describe, expect, it } from 'vitest'

import { DEV_API_PREFIX, devRuntimeConfig, runtimeConfigPlugin } from '../runtimeConfig'

describe('devRuntimeConfig', () => {
  it('points at the proxied local API on the same origin unless SKYLINE_API_URL says otherwise', () => {
    expect(devRuntimeConfig('http://localhost:5173', {})).toEqual({
      apiUrl: `http://localhost:5173${DEV_API_PREFIX}`,
      stage: 'local',
      release: 'dev',
    })
    expect(devRuntimeConfig('http://localhost:5173', { SKYLINE_API_URL: 'http://127.0.0.1:9000' }).apiUrl).toBe(
      'http://127.0.0.1:9000',
    )
  })
})

describe('the dev server', () => {
  let server: ViteDevServer | undefined
  let api: Server | undefined

  afterEach(async () => {
    await server?.close()
    await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()))
  })

  it('answers /config.json uncached and forwards the API prefix to the local API', async () => {
    const seen: string[] = []
    api = createHttpServer((req, res) => {
      seen.push(req.url ?? '')
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify({ status: 'ok' }))
    })
    await new Promise<void>((resolve) => api?.listen(0, '127.0.0.1', resolve))
    const apiPort = (api.address() as AddressInfo).port

    server = await createServer({
      configFile: false,
      root: new URL('..', import.meta.url).pathname,
      logLevel: 'silent',
      plugins: [runtimeConfigPlugin(`http://127.0.0.1:${apiPort}`)],
      server: { port: 0, host: '127.0.0.1', strictPort: false, ws: false },
    })
    await server.listen()
    const address = server.httpServer?.address()
    if (!address || typeof address === 'string') throw new Error('the dev server did not listen on a TCP port')
    const origin = `http://127.0.0.1:${address.port}`

    const config = await fetch(`${origin}/config.json`)
    expect(config.status).toBe(200)
    expect(config.headers.get('cache-control')).toBe('no-store')
    const body = (await config.json()) as { apiUrl: string }
    expect(body).toEqual({ apiUrl: `${origin}${DEV_API_PREFIX}`, stage: 'local', release: 'dev' })

    const health = await fetch(`${body.apiUrl}/health?x=1`)
    expect(await health.json()).toEqual({ status: 'ok' })
    expect(seen).toEqual(['/health?x=1'])
  })
})
