// @vitest-environment node
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterEach, describe, expect, it } from 'vitest'

const SCRIPT = fileURLToPath(new URL('../check-budget.mjs', import.meta.url))
const KIB = 1024
const dists: string[] = []

/** A build in Vite's shape: an entry with its CSS, a shared chunk and two lazy routes. */
function fakeDist(sizes: Record<string, number>): string {
  const dist = mkdtempSync(join(tmpdir(), 'check-budget-'))
  dists.push(dist)
  mkdirSync(join(dist, 'assets'))
  mkdirSync(join(dist, '.vite'))
  // Random bytes do not compress, so a file's gzip size is about its size.
  for (const [name, size] of Object.entries(sizes)) writeFileSync(join(dist, 'assets', name), randomBytes(size))
  const manifest = {
    'index.html': {
      file: 'assets/index.js',
      isEntry: true,
      css: ['assets/index.css'],
      dynamicImports: ['src/views/Small.vue', 'src/views/Big.vue', 'src/views/Big.vue'],
    },
    _shared: { file: 'assets/shared.js', imports: ['index.html'], css: ['assets/shared.css'] },
    'src/views/Small.vue': { file: 'assets/Small.js', isDynamicEntry: true, imports: ['index.html'] },
    'src/views/Big.vue': {
      file: 'assets/Big.js',
      isDynamicEntry: true,
      imports: ['index.html', '_shared'],
      css: ['assets/Big.css'],
    },
  }
  writeFileSync(join(dist, '.vite', 'manifest.json'), JSON.stringify(manifest))
  return dist
}

function check(dist: string) {
  const result = spawnSync(process.execPath, [SCRIPT, dist], { encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

afterEach(() => {
  for (const dist of dists.splice(0)) rmSync(dist, { recursive: true, force: true })
})

const base = { 'index.css': 1 * KIB, 'shared.js': 1 * KIB, 'shared.css': 1 * KIB, 'Small.js': 1 * KIB }

describe('check-budget', () => {
  it("passes and prints each route's initial gzip size when all are within the budget", () => {
    const result = check(fakeDist({ ...base, 'index.js': 30 * KIB, 'Big.js': 2 * KIB, 'Big.css': 1 * KIB }))
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/within 45 KiB gzip/)
    // Small: index.js + index.css + Small.js; Big: index.js + index.css + Big.js + Big.css + shared.
    expect(result.stdout).toMatch(/src\/views\/Small\.vue\s+32\.\d KiB/)
    expect(result.stdout).toMatch(/src\/views\/Big\.vue\s+36\.\d KiB/)
    // A route imported from two places is counted once.
    expect(result.stdout.match(/Big\.vue/g)).toHaveLength(1)
  })

  it('fails naming the route, each file it loads and its size when a route is over', () => {
    const result = check(fakeDist({ ...base, 'index.js': 30 * KIB, 'Big.js': 14 * KIB, 'Big.css': 1 * KIB }))
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/src\/views\/Big\.vue loads 48\.\d KiB .*over the 45 KiB budget/)
    expect(result.stderr).toMatch(/assets\/Big\.js\s+14\.\d KiB/)
    expect(result.stderr).toMatch(/assets\/shared\.css\s+1\.\d KiB/)
    expect(result.stderr).not.toMatch(/Small\.vue/)
  })

  it('fails with the reason when there is no manifest', () => {
    const dist = mkdtempSync(join(tmpdir(), 'check-budget-'))
    dists.push(dist)
    const result = check(dist)
    expect(result.status).toBe(1)
    expect(result.stderr).toMatch(/manifest\.json is missing/)
  })
})
