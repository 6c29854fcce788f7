import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'

import CommitHash from '@/components/CommitHash.vue'

const FULL = '0123456789abcdef0123456789abcdef01234567'

function setClipboard(clipboard: { writeText: (text: string) => Promise<void> } | undefined): void {
  Object.defineProperty(navigator, 'clipboard', { value: clipboard, configurable: true })
}

afterEach(() => {
  setClipboard(undefined)
  vi.useRealTimers()
})

describe('CommitHash', () => {
  it('shows seven characters with the full hash on hover', () => {
    const wrapper = mount(CommitHash, { props: { commit: FULL } })
    const code = wrapper.find('[data-testid="commit"]')
    expect(code.text()).toBe('0123456')
    expect(code.attributes('title')).toBe(FULL)
    expect(wrapper.find('[data-testid="copy-commit"]').exists()).toBe(false)
  })

  it('leaves a commit that is not a long hash as it is', () => {
    const wrapper = mount(CommitHash, { props: { commit: 'v1.2' } })
    expect(wrapper.find('[data-testid="commit"]').text()).toBe('v1.2')
  })

  it('copies the full hash and says so, then clears the message', async () => {
    vi.useFakeTimers()
    const writeText = vi.fn(async () => {})
    setClipboard({ writeText })
    const wrapper = mount(CommitHash, { props: { commit: FULL, copyable: true } })
    const button = wrapper.find('[data-testid="copy-commit"]')
    expect(button.text()).toBe('Copy')
    expect(button.attributes('aria-label')).toBe(`Copy the full commit hash ${FULL}`)

    await button.trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(FULL)
    expect(wrapper.find('[role="status"]').text()).toBe('Copied')

    vi.advanceTimersByTime(2000)
    await flushPromises()
    expect(wrapper.find('[role="status"]').text()).toBe('')
  })

  it('shows the full hash to select by hand when the clipboard is out of reach', async () => {
    setClipboard({ writeText: vi.fn(async () => Promise.reject(new Error('denied'))) })
    const wrapper = mount(CommitHash, { props: { commit: FULL, copyable: true } })
    await wrapper.find('[data-testid="copy-commit"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="commit"]').text()).toBe(FULL)
    expect(wrapper.find('[role="status"]').text()).toContain('Could not copy')
  })

  it('does the same where there is no clipboard at all', async () => {
    setClipboard(undefined)
    const wrapper = mount(CommitHash, { props: { commit: FULL, copyable: true } })
    await wrapper.find('[data-testid="copy-commit"]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid="commit"]').text()).toBe(FULL)
  })
})
