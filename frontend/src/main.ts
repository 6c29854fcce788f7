import './assets/main.css'

import { boot } from './boot'

const root = document.getElementById('app')
if (!root) throw new Error('index.html has no #app element to mount Skyline on.')
void boot(root)
