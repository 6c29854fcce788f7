import { enableAutoUnmount } from '@vue/test-utils'
import { afterEach } from 'vitest'

// Unmounting stops each app's watchers and listeners before the next test starts.
enableAutoUnmount(afterEach)

// The dev-server tests run in Node, without a DOM.
if (typeof window !== 'undefined') {
  afterEach(() => {
    sessionStorage.clear()
  })

  // jsdom has no layout, so it leaves scrollTo unimplemented and logs each call the router's
  // scrollBehavior makes; scrolling is not what these tests are about.
  window.scrollTo = () => {}
}
