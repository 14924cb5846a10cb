import './styles/app.scss'
import { mount } from 'svelte'
import App from './App.svelte'
import NotInDesktopApp from './NotInDesktopApp.svelte'
import { createBackend } from '$lib/backend'

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element')

const choice = await createBackend()
if (choice) {
  mount(App, { target, props: { backend: choice.backend, preview: choice.kind === 'preview' } })
} else {
  mount(NotInDesktopApp, { target })
}
