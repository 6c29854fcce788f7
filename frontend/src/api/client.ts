import type { Pipeline, Run, RunPage, RunQuery } from './types'

/** A failed API call, with a message fit to show to a person. `status` is 0 when no answer came. */
export class ApiError extends Error {
  readonly status: number

  constructor(status: number, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
  }
}

export type QueryValue = string | number | undefined

export function buildUrl(baseUrl: string, path: string, query: Record<string, QueryValue> = {}): string {
  // Joined by hand rather than with `new URL(path, base)`: that would drop a base path such as
  // an API Gateway stage (https://host/prod + /runs must give https://host/prod/runs).
  const url = new URL(baseUrl.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, ''))
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') url.searchParams.set(key, String(value))
  }
  return url.toString()
}

function isErrorBody(body: unknown): body is { error: { message: string } } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false
  const error = (body as { error: unknown }).error
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string' &&
    (error as { message: string }).message !== ''
  )
}

async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '')
  try {
    const body: unknown = JSON.parse(text)
    if (isErrorBody(body)) return new ApiError(response.status, body.error.message)
  } catch {
    // Not JSON (a proxy's HTML error page, say): fall back to the status line below.
  }
  const reason = response.statusText ? ` ${response.statusText}` : ''
  return new ApiError(response.status, `The API answered HTTP ${response.status}${reason}.`)
}

export async function getJson<T>(url: string): Promise<T> {
  let response: Response
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' } })
  } catch (cause) {
    const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : ''
    throw new ApiError(0, `Could not reach the API at ${new URL(url).origin}${detail}.`)
  }
  if (!response.ok) throw await errorFromResponse(response)
  try {
    return (await response.json()) as T
  } catch {
    throw new ApiError(response.status, `The API sent a response that is not valid JSON (${url}).`)
  }
}

function unexpectedShape(path: string): ApiError {
  return new ApiError(200, `The API's answer to ${path} does not have the expected shape.`)
}

export interface Api {
  listPipelines(): Promise<Pipeline[]>
  getPipeline(id: number): Promise<Pipeline>
  listRuns(pipelineId: number, query?: RunQuery): Promise<RunPage>
  getRun(id: number): Promise<Run>
}

export function createApi(baseUrl: string): Api {
  const url = (path: string, query?: Record<string, QueryValue>) => buildUrl(baseUrl, path, query)
  return {
    async listPipelines() {
      const body = await getJson<{ pipelines?: unknown }>(url('/pipelines'))
      if (!Array.isArray(body.pipelines)) throw unexpectedShape('/pipelines')
      return body.pipelines as Pipeline[]
    },
    getPipeline: (id) => getJson<Pipeline>(url(`/pipelines/${id}`)),
    async listRuns(pipelineId, query = {}) {
      const path = `/pipelines/${pipelineId}/runs`
      const body = await getJson<Partial<RunPage>>(
        url(path, { status: query.status, limit: query.limit, cursor: query.cursor }),
      )
      if (!Array.isArray(body.runs)) throw unexpectedShape(path)
      return { runs: body.runs, next_cursor: body.next_cursor ?? null }
    },
    getRun: (id) => getJson<Run>(url(`/runs/${id}`)),
  }
}

/** The HTTP status of a failed call: 0 when no answer came, null when it was not an API call. */
export function errorStatus(error: unknown): number | null {
  return error instanceof ApiError ? error.status : null
}

/**
 * Whether trying the same call again can help: yes for no answer, a timeout, throttling and
 * server errors; no for the other 4xx answers (a pipeline that does not exist stays missing).
 */
export function isTransient(status: number | null): boolean {
  if (status === null || status === 0 || status === 408 || status === 429) return true
  return status < 400 || status >= 500
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message
  return 'Something went wrong.'
}
