// Checks the build against what the site's CSP and the release tool expect, so a change that
// would break the deployed site fails `npm run build` here instead of in a browser.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const problems = []

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  )
}

const indexPath = join(dist, 'index.html')
if (!existsSync(indexPath)) {
  console.error(`check-dist: ${indexPath} is missing; did vite build run?`)
  process.exit(1)
}
const html = readFileSync(indexPath, 'utf8')

// The CSP is script-src 'self' and style-src 'self': anything inline would be blocked.
for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  if (!/\bsrc\s*=/.test(match[1]) || match[2].trim() !== '') problems.push(`inline script: ${match[0].slice(0, 80)}`)
}
if (/<style\b/i.test(html)) problems.push('inline <style> element')
if (/\sstyle\s*=/i.test(html)) problems.push('inline style="" attribute')
if (/\son[a-z]+\s*=/i.test(html)) problems.push('inline event handler attribute')
if (/javascript:/i.test(html)) problems.push('javascript: URL')

for (const [, url] of html.matchAll(/\s(?:src|href)="(\/[^"]*)"/g)) {
  if (!existsSync(join(dist, url))) problems.push(`index.html refers to ${url}, which is not in dist/`)
}

// The release tool writes config.json per stage; one baked into the build would be overwritten
// at best and shipped to the wrong stage at worst.
if (existsSync(join(dist, 'config.json'))) problems.push('dist/config.json exists; it must come from the release tool')
// The same for robots.txt: the release tool lets crawlers in on prod only (infra/edge.py), and
// a robots.txt in public/ would tell every stage the same thing.
if (existsSync(join(dist, 'robots.txt'))) problems.push('dist/robots.txt exists; it must come from the release tool')
// index.html gets its resource hints (preconnect to the stage's API, preload of config.json)
// from the release tool too: the API's address is the stage's, never the build's.
if (/<link\b[^>]*\brel="?(?:preconnect|dns-prefetch)\b/i.test(html)) problems.push('index.html has a preconnect or dns-prefetch hint; the release tool adds the stage\'s')

const manifestPath = join(dist, '.vite', 'manifest.json')
if (!existsSync(manifestPath)) {
  problems.push('dist/.vite/manifest.json is missing (build.manifest)')
} else {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  if (!manifest['index.html']?.isEntry) problems.push('the manifest has no index.html entry')
  const lazy = Object.values(manifest).filter((chunk) => chunk.isDynamicEntry)
  if (lazy.length === 0) problems.push('no lazy chunks: routes are meant to be split')
  for (const chunk of Object.values(manifest)) {
    if (!chunk.file.startsWith('assets/')) problems.push(`${chunk.file} is outside assets/, so it would not be cached as immutable`)
  }
}

const all = files(dist)
for (const file of all) {
  const name = relative(dist, file)
  if (name.endsWith('.map')) problems.push(`source map ${name} would be published`)
}

if (problems.length > 0) {
  console.error(`check-dist: dist/ is not fit to publish:\n  - ${problems.join('\n  - ')}`)
  process.exit(1)
}
const bytes = all.reduce((sum, file) => sum + statSync(file).size, 0)
console.log(`check-dist: ok, ${all.length} files, ${(bytes / 1024).toFixed(1)} KiB in dist/`)
