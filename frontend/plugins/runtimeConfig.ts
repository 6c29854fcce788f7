import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Plugin } from 'vite'

// Where `make dev` runs the local API.
export const DEFAULT_DEV_API_TARGET = 'http://127.0.0.1:8081'
// Vite's dev server forwards this path to the local API. The local API allows exactly one
// origin (the local edge's, as the real API allows only the site's), so a page served by Vite
// on another port would be refused by CORS; through the proxy its calls are same-origin.
export const DEV_API_PREFIX = '/local-api'

export interface RuntimeConfigBody {
  apiUrl: string
  stage: string
  release: string
}

export function devRuntimeConfig(origin: string, env: NodeJS.ProcessEnv = process.env): RuntimeConfigBody {
  return { apiUrl: env.SKYLINE_API_URL || `${origin}${DEV_API_PREFIX}`, stage: 'local', release: 'dev' }
}

function answerConfig(req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 200
  res.setHeader('Content-Type', 'application/json')
  res.setHeader('Cache-Control', 'no-store')
  res.end(JSON.stringify(devRuntimeConfig(`http://${req.headers.host ?? '127.0.0.1'}`)))
}

/**
 * Answers /config.json on the dev and preview servers, and forwards DEV_API_PREFIX to the local API.
 *
 * The file is deliberately absent from public/ and so from dist/: the release tool writes it
 * per stage next to the built files, which is what lets one build go to every stage.
 */
export function runtimeConfigPlugin(target: string = process.env.SKYLINE_API_TARGET || DEFAULT_DEV_API_TARGET): Plugin {
  const proxy = {
    [DEV_API_PREFIX]: {
      target,
      changeOrigin: true,
      rewrite: (path: string) => path.slice(DEV_API_PREFIX.length) || '/',
    },
  }
  return {
    name: 'skyline-runtime-config',
    apply: 'serve',
    config: () => ({ server: { proxy }, preview: { proxy } }),
    configureServer(server) {
      server.middlewares.use('/config.json', answerConfig)
    },
    configurePreviewServer(server) {
      server.middlewares.use('/config.json', answerConfig)
    },
  }
}
