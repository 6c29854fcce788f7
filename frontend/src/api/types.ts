export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value)
}

export interface LastRun {
  id: number
  status: string
  started_at: string
}

export interface Pipeline {
  id: number
  name: string
  description: string
  owner: string
  schedule: string
  created_at: string
  run_count: number
  last_run: LastRun | null
}

export interface Run {
  id: number
  pipeline_id: number
  status: string
  trigger: 'schedule' | 'manual' | 'push'
  commit: string
  started_at: string
  finished_at: string | null
  duration_seconds: number | null
  metrics: Record<string, number>
}

export interface RunPage {
  runs: Run[]
  next_cursor: string | null
}

export interface RunQuery {
  status?: RunStatus
  limit?: number
  cursor?: string
}
