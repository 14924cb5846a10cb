import './styles/app.scss'
import { mount } from 'svelte'
import App from './App.svelte'
import NotInDesktopApp from './NotInDesktopApp.svelte'
import { BRIDGE_COMMAND, createBackend } from '$lib/backend'

const target = document.getElementById('app')
if (!target) throw new Error('index.html has no #app element')

const choice = await createBackend()
if (choice.kind === 'tauri' || choice.kind === 'bridge') {
  mount(App, { target, props: { backend: choice.backend, preview: choice.kind === 'bridge' } })
} else {
  mount(NotInDesktopApp, {
    target,
    props: { bridgeCommand: choice.kind === 'needs-bridge' ? BRIDGE_COMMAND : null },
  })
}
