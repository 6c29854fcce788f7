import { vi } from 'vitest'

export type Reply = Response | Error | (() => Response | Error | Promise<Response | Error>)

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

export function apiError(status: number, message: string): Response {
  return json({ error: { status, message } }, status)
}

/**
 * Stubs the global fetch with answers keyed by exact URL. A URL with no answer rejects with a
 * message naming it, so a test that asks for something unexpected says what it asked for.
 */
export function stubFetch(routes: Record<string, Reply>) {
  const mock = vi.fn(async (input: RequestInfo | URL, _init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!(url in routes)) throw new Error(`test fetch has no answer for ${url}`)
    const route = routes[url]
    const reply = typeof route === 'function' ? await route() : route
    if (reply instanceof Error) throw reply
    return reply!.clone()
  })
  vi.stubGlobal('fetch', mock)
  return mock
}

export function requestedUrls(mock: ReturnType<typeof stubFetch>): string[] {
  return mock.mock.calls.map(([input]) => String(input))
}
