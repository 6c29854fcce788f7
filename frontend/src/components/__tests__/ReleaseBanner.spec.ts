import { mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { nextTick, ref } from 'vue'

import ReleaseBanner from '@/components/ReleaseBanner.vue'
import { NewReleaseKey } from '@/injection'

function mountBanner(reload = vi.fn()) {
  const newRelease = ref<string | null>(null)
  const wrapper = mount(ReleaseBanner, {
    props: { reload },
    global: { provide: { [NewReleaseKey as symbol]: newRelease } },
  })
  return { wrapper, newRelease, reload }
}

describe('ReleaseBanner', () => {
  it('stays hidden while no new release is known', () => {
    const { wrapper } = mountBanner()
    expect(wrapper.find('[data-testid="release-banner"]').exists()).toBe(false)
  })

  it('offers a reload once a new release is known', async () => {
    const { wrapper, newRelease, reload } = mountBanner()
    newRelease.value = 'r-2'
    await nextTick()
    expect(wrapper.find('[data-testid="release-banner"]').text()).toContain('r-2')
    await wrapper.find('[data-testid="reload"]').trigger('click')
    expect(reload).toHaveBeenCalledTimes(1)
  })
})
