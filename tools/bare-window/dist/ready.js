// Tell the Rust side the page has rendered, after the first paint.
requestAnimationFrame(() => window.__TAURI_INTERNALS__.invoke('ready'))
