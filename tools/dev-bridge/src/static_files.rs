//! The built UI, served from the bridge's own origin so the page and `/api` share it (no
//! CORS, and the origin check has one origin to allow).

use std::path::{Path, PathBuf};

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// The app window's content security policy (src-tauri/tauri.conf.json), with the bridge
/// in place of Tauri's IPC, so a page that breaks it breaks here too.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The UI's folder.
#[derive(Debug, Clone)]
pub struct Ui {
    dir: PathBuf,
}

impl Ui {
    /// Serves `dir` (usually `ui/dist`).
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
        }
    }

    /// Whether the UI has been built.
    pub fn is_built(&self) -> bool {
        self.dir.join("index.html").is_file()
    }

    /// The file at `uri`'s path; `index.html` for `/` and for any path without an extension
    /// (a screen's address, not an asset).
    pub async fn serve(&self, uri: &Uri) -> Response {
        let Ok(root) = tokio::fs::canonicalize(&self.dir).await else {
            return not_built(&self.dir);
        };
        let wanted = uri.path().trim_start_matches('/');
        let candidate = if wanted.is_empty() {
            root.join("index.html")
        } else {
            root.join(wanted)
        };
        // Canonical paths, so neither `..` nor a symbolic link reaches outside the folder.
        let file = match tokio::fs::canonicalize(&candidate).await {
            Ok(found) if found.starts_with(&root) && found.is_file() => found,
            _ if Path::new(wanted).extension().is_none() => root.join("index.html"),
            _ => return (StatusCode::NOT_FOUND, "No such file in the built UI.").into_response(),
        };
        match tokio::fs::read(&file).await {
            Ok(bytes) => {
                let mut response = bytes.into_response();
                let headers = response.headers_mut();
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(&file)));
                // A rebuilt UI shows at the next reload.
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                headers.insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(CSP),
                );
                headers.insert(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                );
                response
            }
            Err(_) if !self.is_built() => not_built(&self.dir),
            Err(_) => (StatusCode::NOT_FOUND, "No such file in the built UI.").into_response(),
        }
    }
}

fn not_built(dir: &Path) -> Response {
    (
        StatusCode::NOT_FOUND,
        format!(
            "The UI is not built in {}: run `npm run build` in ui/, or `npm run dev` there and \
             open the address Vite prints.",
            dir.display()
        ),
    )
        .into_response()
}

/// The content type of the kinds of file Vite writes.
fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}
