import { svelte } from '@sveltejs/vite-plugin-svelte'
import { svelteTesting } from '@testing-library/svelte/vite'
import { fileURLToPath } from 'node:url'
import type { Plugin, ProxyOptions } from 'vite'
import { defineConfig } from 'vitest/config'

/**
 * govuk-frontend's service navigation carries an IE 9–11 hack,
 * `@media … and (min-width: 0\0)`, that Lightning CSS refuses to minify.
 * Doorstep runs in a modern webview, so the block is dropped.
 */
function dropIeMediaHack(): Plugin {
  // Sass turns the `\0` escape into U+FFFD, so match either spelling.
  const hack = /@media[^{]*\(min-width:\s*0(?:\\0|\uFFFD)\)\s*\{(?:[^{}]*\{[^{}]*\})*\s*\}/g
  return {
    name: 'doorstep:drop-ie-media-hack',
    transform(code, id) {
      if (!/\.scss($|\?)/.test(id)) return null
      return { code: code.replace(hack, ''), map: null }
    },
  }
}

/**
 * `/api` goes to the development bridge (docs/dev-bridge.md), so a browser on the dev
 * server runs the screens against real Rust. Its port comes from DOORSTEP_BRIDGE_PORT,
 * which the bridge reads too.
 */
function bridgeProxy(ownPort: number): Record<string, ProxyOptions> {
  const bridge = `http://127.0.0.1:${Number(process.env.DOORSTEP_BRIDGE_PORT ?? 5180)}`
  const ownOrigins = new Set([`http://localhost:${ownPort}`, `http://127.0.0.1:${ownPort}`])
  return {
    '/api': {
      target: bridge,
      // The bridge answers only requests addressed to itself (its DNS-rebinding check).
      changeOrigin: true,
      configure(proxy) {
        proxy.on('proxyReq', (proxyReq, req) => {
          // Pages Vite served speak for the bridge's own origin; any other page's Origin
          // passes through unchanged, so the bridge refuses it.
          const origin = req.headers.origin
          if (origin && ownOrigins.has(origin)) proxyReq.setHeader('origin', bridge)
        })
      },
    },
  }
}

// Tauri serves the built files from the root, so Vite's defaults apply.
// https://v2.tauri.app/start/frontend/vite/
export default defineConfig({
  plugins: [svelte(), svelteTesting(), dropIeMediaHack()],
  resolve: {
    alias: { $lib: fileURLToPath(new URL('./src/lib', import.meta.url)) },
  },
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    proxy: bridgeProxy(5173),
  },
  preview: {
    port: 4173,
    strictPort: true,
    proxy: bridgeProxy(4173),
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    rolldownOptions: { checks: { pluginTimings: false } },
    target: 'es2022',
    // Keep the output free of inline data: URLs so a strict CSP holds.
    assetsInlineLimit: 0,
  },
  css: {
    preprocessorOptions: {
      scss: {
        // govuk-frontend 5 still uses Sass features that Dart Sass deprecates;
        // the warnings come from the dependency, not from our code.
        quietDeps: true,
        silenceDeprecations: ['import', 'global-builtin', 'slash-div', 'if-function'],
      },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    // A budget, not an assertion: axe over a whole screen in jsdom takes seconds on a
    // busy two-core CI machine, and the default 5 s turned load into false failures.
    testTimeout: 30_000,
  },
})
