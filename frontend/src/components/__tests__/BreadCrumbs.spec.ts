import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { createMemoryHistory } from 'vue-router'

import BreadCrumbs from '@/components/BreadCrumbs.vue'
import { createAppRouter } from '@/router'

const router = createAppRouter(createMemoryHistory())

describe('BreadCrumbs', () => {
  it('is a labelled list of links that ends in the current page', () => {
    const wrapper = mount(BreadCrumbs, {
      props: {
        items: [
          { label: 'Pipelines', to: { name: 'pipelines' } },
          { label: 'nightly-etl', to: { name: 'pipeline', params: { id: 7 } } },
          { label: 'Run #123' },
        ],
      },
      global: { plugins: [router] },
    })
    const nav = wrapper.find('nav')
    expect(nav.attributes('aria-label')).toBe('Breadcrumb')
    expect(nav.findAll('li').map((item) => item.text())).toEqual(['Pipelines', 'nightly-etl', 'Run #123'])
    expect(nav.findAll('a').map((link) => link.attributes('href'))).toEqual(['/', '/pipelines/7'])
    const current = nav.find('[aria-current="page"]')
    expect(current.element.tagName).toBe('SPAN')
    expect(current.text()).toBe('Run #123')
  })
})
