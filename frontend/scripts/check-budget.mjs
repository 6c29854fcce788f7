// The performance budget: what a first visit to each route downloads before it can render (the
// entry chunk, its static imports, the route's lazy chunk and theirs, JS and CSS), gzipped,
// must stay under BUDGET_KIB. Run by `npm run build` after check-dist.mjs; exits 1 naming every
// file and its size when a route goes over.
//
// Gzip at zlib's default level, as a stand-in for the CDN's compression (CloudFront sends gzip
// or Brotli; Brotli comes out smaller, so this errs on the safe side).
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'

/** The most initial JS+CSS, in KiB of gzip, that any route may load. */
export const BUDGET_KIB = 45

/** Every file a chunk loads before it runs: itself, its CSS and its static imports, recursively. */
function staticClosure(manifest, key, files = new Set(), seen = new Set()) {
  if (seen.has(key)) return files
  seen.add(key)
  const chunk = manifest[key]
  if (!chunk) throw new Error(`the manifest has no chunk ${key}`)
  files.add(chunk.file)
  for (const css of chunk.css ?? []) files.add(css)
  for (const imported of chunk.imports ?? []) staticClosure(manifest, imported, files, seen)
  return files
}

/**
 * The initial files of each route: the entry's closure plus that of each chunk the entry loads
 * lazily (in this app the lazy chunks are the routes' views).
 */
export function routeLoads(manifest) {
  const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry)
  if (!entryKey) throw new Error('the manifest has no entry chunk')
  const entry = manifest[entryKey]
  const lazy = [...new Set(entry.dynamicImports ?? [])]
  const routes = lazy.length > 0 ? lazy : [null]
  return routes.map((route) => {
    const files = staticClosure(manifest, entryKey)
    if (route) staticClosure(manifest, route, files)
    return { route: route ?? entryKey, files: [...files].filter((file) => /\.(m?js|css)$/.test(file)) }
  })
}

export function measure(dist) {
  const manifestPath = join(dist, '.vite', 'manifest.json')
  if (!existsSync(manifestPath)) throw new Error(`${manifestPath} is missing (build.manifest in vite.config.ts)`)
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  const sizes = new Map()
  const gzipped = (file) => {
    if (!sizes.has(file)) sizes.set(file, gzipSync(readFileSync(join(dist, file))).length)
    return sizes.get(file)
  }
  return routeLoads(manifest).map(({ route, files }) => {
    const measured = files.map((file) => ({ file, bytes: gzipped(file) })).sort((a, b) => b.bytes - a.bytes)
    return { route, files: measured, bytes: measured.reduce((sum, { bytes }) => sum + bytes, 0) }
  })
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`

export function main(dist, budgetKib = BUDGET_KIB) {
  const budget = budgetKib * 1024
  const routes = measure(dist)
  const over = routes.filter((route) => route.bytes > budget)
  for (const { route, files, bytes } of over) {
    console.error(`check-budget: ${route} loads ${kib(bytes)} of JS+CSS (gzip) at first, over the ${budgetKib} KiB budget:`)
    for (const { file, bytes: size } of files) console.error(`  ${file}  ${kib(size)}`)
  }
  if (over.length > 0) return 1
  const widest = Math.max(...routes.map(({ route }) => route.length))
  console.log(`check-budget: every route's initial JS+CSS is within ${budgetKib} KiB gzip:`)
  for (const { route, bytes } of routes) console.log(`  ${route.padEnd(widest)}  ${kib(bytes)}`)
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dist = process.argv[2] ? resolve(process.argv[2]) : fileURLToPath(new URL('../dist/', import.meta.url))
  try {
    process.exitCode = main(dist)
  } catch (error) {
    console.error(`check-budget: ${error instanceof Error ? error.message : error}`)
    process.exitCode = 1
  }
}
