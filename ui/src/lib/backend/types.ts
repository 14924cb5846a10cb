// Wire types shared with the Rust side: generated from the Rust types by tauri-specta
// into ./bindings.ts (never hand-copied). Regenerate with
// `UPDATE_BINDINGS=1 cargo test -p doorstep-app --test bindings`.
export type * from './bindings'
