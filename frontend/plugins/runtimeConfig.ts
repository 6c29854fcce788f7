import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Plugin } from 'vite'

export const DEFAULT_DEV_API_URL = 'http://127.0.0.1:8081'

export interface RuntimeConfigBody {
  apiUrl: string
  stage: string
  release: string
}

export function devRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfigBody {
  return { apiUrl: env.SKYLINE_API_URL || DEFAULT_DEV_API_URL, stage: 'local', release: 'dev' }
}

function answerConfig(_req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 200
  res.setHeader('Content-Type', 'application/json')
  res.setHeader('Cache-Control', 'no-store')
  res.end(JSON.stringify(devRuntimeConfig()))
}

/**
 * Answers /config.json on the dev and preview servers.
 *
 * The file is deliberately absent from public/ and so from dist/: the release tool writes it
 * per stage next to the built files, which is what lets one build go to every stage.
 */
export function runtimeConfigPlugin(): Plugin {
  return {
    name: 'skyline-runtime-config',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/config.json', answerConfig)
    },
    configurePreviewServer(server) {
      server.middlewares.use('/config.json', answerConfig)
    },
  }
}
