import type { Pipeline, Run } from '@/api/types'
import type { RuntimeConfig } from '@/config/runtimeConfig'

export const API = 'https://api.example.test'

export const config: RuntimeConfig = { apiUrl: API, stage: 'test', release: 'r-1' }

export function pipeline(overrides: Partial<Pipeline> = {}): Pipeline {
  return {
    id: 7,
    name: 'nightly-etl',
    description: 'Loads the warehouse every night',
    owner: 'data-team',
    schedule: '0 2 * * *',
    created_at: '2025-01-02T03:04:05Z',
    run_count: 42,
    last_run: { id: 123, status: 'succeeded', started_at: '2025-06-01T02:00:00Z' },
    ...overrides,
  }
}

export function run(overrides: Partial<Run> = {}): Run {
  return {
    id: 123,
    pipeline_id: 7,
    status: 'succeeded',
    trigger: 'schedule',
    commit: '0123456789abcdef0123456789abcdef01234567',
    started_at: '2025-06-01T02:00:00Z',
    finished_at: '2025-06-01T02:05:30Z',
    duration_seconds: 330,
    metrics: { rows_loaded: 1200, error_rate: 0.0125 },
    ...overrides,
  }
}
