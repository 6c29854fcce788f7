import { createRouter, createWebHistory, type RouterHistory } from 'vue-router'

// Digits only, so /pipelines/abc falls through to the not-found page instead of asking the API.
const ID = '(\\d+)'

export function createAppRouter(history: RouterHistory = createWebHistory(import.meta.env.BASE_URL)) {
  const router = createRouter({
    history,
    routes: [
      {
        path: '/',
        name: 'pipelines',
        component: () => import('@/views/PipelinesView.vue'),
        meta: { title: 'Pipelines' },
      },
      {
        path: `/pipelines/:id${ID}`,
        name: 'pipeline',
        component: () => import('@/views/PipelineView.vue'),
        meta: { title: 'Pipeline' },
      },
      {
        path: `/runs/:id${ID}`,
        name: 'run',
        component: () => import('@/views/RunView.vue'),
        meta: { title: 'Run' },
      },
      {
        path: `/pipelines/:pipelineId${ID}/runs/:id${ID}`,
        name: 'pipeline-run',
        component: () => import('@/views/RunView.vue'),
        meta: { title: 'Run' },
      },
      {
        path: '/about',
        name: 'about',
        component: () => import('@/views/AboutView.vue'),
        meta: { title: 'About' },
      },
      {
        path: '/:pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/NotFoundView.vue'),
        meta: { title: 'Not found' },
      },
    ],
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  })
  router.afterEach((to, _from, failure) => {
    if (failure) return
    const title = typeof to.meta.title === 'string' ? to.meta.title : ''
    document.title = title ? `${title} · Skyline` : 'Skyline'
  })
  return router
}
