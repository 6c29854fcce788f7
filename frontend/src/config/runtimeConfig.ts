export const CONFIG_PATH = '/config.json'
export const DEFAULT_RELEASE_CHECK_MS = 60_000

/** What the release tool writes to /config.json for each stage. */
export interface RuntimeConfig {
  apiUrl: string
  stage: string
  release: string
  /** Optional: how often to look for a new release, in seconds. */
  releaseCheckSeconds?: number
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key]
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`${CONFIG_PATH} needs "${key}" as a non-empty string, got ${JSON.stringify(value)}.`)
  }
  return value
}

export function parseConfig(body: unknown): RuntimeConfig {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ConfigError(`${CONFIG_PATH} must hold a JSON object.`)
  }
  const record = body as Record<string, unknown>
  const apiUrl = requireString(record, 'apiUrl')
  let parsed: URL
  try {
    parsed = new URL(apiUrl)
  } catch {
    throw new ConfigError(`${CONFIG_PATH} has an apiUrl that is not an absolute URL: "${apiUrl}".`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(`${CONFIG_PATH} has an apiUrl that is not http(s): "${apiUrl}".`)
  }
  const config: RuntimeConfig = {
    apiUrl,
    stage: requireString(record, 'stage'),
    release: requireString(record, 'release'),
  }
  const seconds = record.releaseCheckSeconds
  if (seconds !== undefined) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
      throw new ConfigError(
        `${CONFIG_PATH} has releaseCheckSeconds ${JSON.stringify(seconds)}; it must be a positive number.`,
      )
    }
    config.releaseCheckSeconds = seconds
  }
  return config
}

/**
 * Reads the stage's runtime config. `no-store` because the file keeps its name across releases
 * and a cached copy would hide the very release change the app watches for.
 *
 * The first read at boot is answered by the `<link rel="preload" href="/config.json" as="fetch"
 * crossorigin>` the release tool (and the local edge) put in index.html (infra/edge.py,
 * `stage_hints`). The preload is only used if this request matches it: a plain fetch() of the
 * same URL is mode "cors" with credentials "same-origin", which is what `crossorigin`
 * (anonymous) asks for. A `credentials` or `mode` option here would make Chromium download the
 * file twice and warn in the console (the browser tests fail on that warning).
 */
export async function loadConfig(): Promise<RuntimeConfig> {
  let response: Response
  try {
    response = await fetch(CONFIG_PATH, { cache: 'no-store', headers: { Accept: 'application/json' } })
  } catch (cause) {
    const detail = cause instanceof Error && cause.message ? `: ${cause.message}` : ''
    throw new ConfigError(`Could not load ${CONFIG_PATH}${detail}.`)
  }
  if (!response.ok) {
    throw new ConfigError(`Could not load ${CONFIG_PATH}: the server answered HTTP ${response.status}.`)
  }
  let body: unknown
  try {
    body = await response.json()
  } catch {
    throw new ConfigError(`${CONFIG_PATH} is not valid JSON.`)
  }
  return parseConfig(body)
}

/**
 * How often to look for a new release: `?releaseCheckMs=` in the page URL wins (tests use it to
 * avoid waiting a minute), then `releaseCheckSeconds` from config.json, then one minute.
 */
export function releaseCheckInterval(config: RuntimeConfig, search: string): number {
  const fromQuery = new URLSearchParams(search).get('releaseCheckMs')
  if (fromQuery !== null) {
    const ms = Number(fromQuery)
    if (Number.isInteger(ms) && ms > 0) return ms
    console.warn(`Ignoring releaseCheckMs=${fromQuery}: it must be a positive whole number of milliseconds.`)
  }
  if (config.releaseCheckSeconds !== undefined) return config.releaseCheckSeconds * 1000
  return DEFAULT_RELEASE_CHECK_MS
}
