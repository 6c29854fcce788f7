import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { createMemoryHistory } from 'vue-router'

import { run } from '@/__tests__/fixtures'
import RunsTable from '@/components/RunsTable.vue'
import { createAppRouter } from '@/router'

const router = createAppRouter(createMemoryHistory())

function mountTable() {
  return mount(RunsTable, {
    props: { runs: [run(), run({ id: 122, status: 'failed', commit: 'fedcba9876543210fedcba9876543210fedcba98' })], pipelineId: 7 },
    global: { plugins: [router] },
  })
}

describe('RunsTable', () => {
  it('keeps its table roles, so rows shown as cards on a phone still read as a table', () => {
    const wrapper = mountTable()
    expect(wrapper.find('table').attributes('role')).toBe('table')
    expect(wrapper.findAll('[role="columnheader"]').map((th) => th.text())).toEqual([
      'Run',
      'Status',
      'Trigger',
      'Commit',
      'Started',
      'Duration',
    ])
    const rows = wrapper.findAll('tbody [role="row"]')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.findAll('[role="cell"]')).toHaveLength(6)
  })

  it('labels the cells a phone shows without the header row', () => {
    const cells = mountTable().findAll('[data-testid="run-row"]')[0]!.findAll('td')
    expect(cells.map((cell) => cell.attributes('data-label') ?? null)).toEqual([
      null,
      null,
      'Trigger',
      'Commit',
      'Started',
      'Duration',
    ])
  })

  it('shows short commits with the full hash on hover', () => {
    const commits = mountTable().findAll('[data-testid="commit"]')
    expect(commits.map((code) => code.text())).toEqual(['0123456', 'fedcba9'])
    expect(commits[1]!.attributes('title')).toBe('fedcba9876543210fedcba9876543210fedcba98')
  })

  it('links each run under its pipeline', () => {
    const links = mountTable().findAll('a').map((link) => link.attributes('href'))
    expect(links).toEqual(['/pipelines/7/runs/123', '/pipelines/7/runs/122'])
  })
})
