//! The contractor portal (`/portal/…`): server-rendered HTML pages, styled with GOV.UK
//! Frontend, that work without JavaScript. A firm's users sign in (Argon2id password,
//! optional TOTP code), see their firm's work orders by status, accept or decline them,
//! book the appointment, record each item fitted (with the product standard and an
//! optional photo) or not fitted (with a reason), and download the work order PDF.
//!
//! What a contractor does is a change the hub makes to the order's record (the hub's own
//! device and clock, the contractor's id as officer), merged and logged in one
//! transaction with the change-log counter, exactly like a push: the officer's laptop
//! pulls it. Firms and their users come from `doorstep-hub admin …` ([`admin`]).
//!
//! Security: every form carries a CSRF token (the session's, or before sign-in one bound
//! to a cookie); cookies are `HttpOnly`, `SameSite=Strict` and `Secure` (with the
//! `__Host-` prefix) unless the browser is on the hub's own machine over plain HTTP
//! ([`crate::web::cookies::plain_loopback`]); sessions end after 30 minutes idle or 12
//! hours; failed sign-ins are throttled per account and per address; every page is sent
//! with a strict Content-Security-Policy and `no-store`. That machinery is
//! [`crate::web`]'s, shared with the hub's other web apps; the portal's tables are each
//! backend's ([`crate::sqlite::portal`], [`crate::postgres::portal`]) behind
//! [`PortalStore`].

pub mod admin;
mod handlers;
pub mod orders;
pub mod pages;
pub mod referral_pages;
pub mod store;
pub mod tabs;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use doorstep_core::DeviceId;
use doorstep_pdf::Branding;

use crate::clock::Clock;
use crate::server::AppState;
use crate::web::cookies::CookieNames;
use crate::web::respond::security_headers;
pub use store::{PortalStore, SharedPortalStore};

/// The portal's cookies: its own names, so no other web app of the hub shares them.
pub const COOKIES: CookieNames = CookieNames {
    session: "__Host-doorstep_portal",
    plain_session: "doorstep_portal",
    sign_in: "__Host-doorstep_portal_sign_in",
    plain_sign_in: "doorstep_portal_sign_in",
};

/// Every route the portal serves, with its methods (the route × role test walks them all).
pub const ROUTES: &[(&str, &[&str])] = &[
    ("/portal", &["get"]),
    ("/portal/assets/portal.css", &["get"]),
    ("/portal/assets/logo.png", &["get"]),
    ("/portal/sign-in", &["get", "post"]),
    ("/portal/sign-in/code", &["get", "post"]),
    ("/portal/sign-out", &["post"]),
    ("/portal/password", &["get", "post"]),
    ("/portal/orders", &["get"]),
    ("/portal/orders/{id}", &["get"]),
    ("/portal/orders/{id}/accept", &["post"]),
    ("/portal/orders/{id}/decline", &["get", "post"]),
    ("/portal/orders/{id}/appointment", &["get", "post"]),
    ("/portal/orders/{id}/items/{measure}", &["get"]),
    ("/portal/orders/{id}/items/{measure}/fitted", &["post"]),
    ("/portal/orders/{id}/items/{measure}/not-fitted", &["post"]),
    ("/portal/orders/{id}/work-order.pdf", &["get"]),
    ("/portal/referrals", &["get"]),
    ("/portal/referrals/{id}", &["get"]),
    ("/portal/referrals/{id}/accept", &["post"]),
    ("/portal/referrals/{id}/acknowledge", &["get", "post"]),
    ("/portal/referrals/{id}/visit", &["get", "post"]),
    ("/portal/referrals/{id}/outcome", &["get", "post"]),
    ("/portal/referrals/{id}/decline", &["get", "post"]),
    ("/portal/referrals/{id}/no-contact", &["get", "post"]),
    ("/portal/referrals/{id}/referral.pdf", &["get"]),
    ("/portal/referrals/{id}/referral.json", &["get"]),
    ("/portal/referrals/{id}/referral.csv", &["get"]),
];

/// The portal's stylesheet: GOV.UK Frontend built with the council's look
/// (`crates/hub/assets/portal/`), embedded so the hub serves it with no files beside it.
pub const PORTAL_CSS: &str = include_str!("../../assets/portal/portal.css");

/// The largest request the portal reads: a photo at the largest size allowed, plus the
/// form around it.
pub const MAX_REQUEST_BYTES: usize = {
    // The photo limit is a u64 in core; it is small enough for any usize.
    #[allow(clippy::cast_possible_truncation)]
    let photo = doorstep_core::attachment::DEFAULT_MAX_PHOTO_BYTES as usize;
    photo + 256 * 1024
};

/// The branding built into the hub (the council's `assets/branding`), used on pages and
/// the work order PDF unless `DOORSTEP_HUB_BRANDING` names another `council.toml`.
const BUILT_IN_BRANDING: &str = include_str!("../../../../assets/branding/council.toml");
const BUILT_IN_LOGO: &[u8] = include_bytes!("../../../../assets/branding/logo.png");

/// What the portal's handlers share.
#[derive(Debug, Clone)]
pub struct PortalState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: SharedPortalStore,
    clock: Clock,
    branding: Branding,
    /// The council's logo for the header, when there is one.
    logo: Option<WebLogo>,
    hub_device: DeviceId,
}

impl PortalState {
    /// State over a portal store.
    pub fn new(store: SharedPortalStore, clock: Clock, hub_device: DeviceId) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                branding: branding(),
                logo: web_logo(),
                hub_device,
            }),
        }
    }

    fn store(&self) -> &SharedPortalStore {
        &self.inner.store
    }

    fn now(&self) -> i64 {
        self.inner.clock.now_ms()
    }
}

/// The council's branding: the file `DOORSTEP_HUB_BRANDING` names, else the built-in one
/// (the same the PDFs use; the console shows it too).
pub(crate) fn branding() -> Branding {
    if let Some(path) = std::env::var_os("DOORSTEP_HUB_BRANDING") {
        match Branding::load(std::path::Path::new(&path)) {
            Ok(branding) => return branding,
            Err(error) => tracing::warn!(
                %error,
                "cannot read the branding DOORSTEP_HUB_BRANDING names; using the built-in one"
            ),
        }
    }
    match Branding::from_toml(BUILT_IN_BRANDING, Some(BUILT_IN_LOGO.to_vec())) {
        Ok(branding) => branding,
        Err(error) => {
            // The built-in file is checked by a test; this is only a safety net.
            tracing::error!(%error, "the built-in branding is damaged");
            Branding::from_toml("[council]\nname = \"Council\"\n", None)
                .unwrap_or_else(|_| unreachable_branding())
        }
    }
}

/// The council's logo as the web pages show it (the console's and the portal's header).
#[derive(Debug, Clone)]
pub(crate) struct WebLogo {
    /// The file's bytes, served as they are.
    pub(crate) bytes: axum::body::Bytes,
    /// Its content type, from its first bytes: PNG or JPEG.
    pub(crate) content_type: &'static str,
}

/// The council's logo for the web pages: the one the `council.toml` that
/// `DOORSTEP_HUB_BRANDING` names points to (none if it names none), else the built-in
/// one — the same choice [`branding`] makes, so the pages and the PDFs agree. A logo that
/// is not a PNG or JPEG is left out (the header shows the council's name alone).
pub(crate) fn web_logo() -> Option<WebLogo> {
    web_logo_from(std::env::var_os("DOORSTEP_HUB_BRANDING").as_deref())
}

/// [`web_logo`] with the branding file named by `branding` (none: the built-in one).
fn web_logo_from(branding: Option<&std::ffi::OsStr>) -> Option<WebLogo> {
    #[derive(serde::Deserialize)]
    struct File {
        logo: Option<Logo>,
    }
    #[derive(serde::Deserialize)]
    struct Logo {
        path: String,
    }
    let bytes = match branding {
        Some(path) if Branding::load(std::path::Path::new(path)).is_ok() => {
            let path = std::path::Path::new(path);
            let text = std::fs::read_to_string(path).ok()?;
            let logo = toml::from_str::<File>(&text).ok()?.logo?;
            let file = path
                .parent()
                .unwrap_or_else(|| std::path::Path::new("."))
                .join(logo.path);
            match std::fs::read(&file) {
                Ok(bytes) => bytes,
                Err(error) => {
                    tracing::warn!(%error, "cannot read the council logo; the pages show its name alone");
                    return None;
                }
            }
        }
        _ => BUILT_IN_LOGO.to_vec(),
    };
    let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else {
        tracing::warn!("the council logo is not a PNG or JPEG; the pages show its name alone");
        return None;
    };
    Some(WebLogo {
        bytes: bytes.into(),
        content_type,
    })
}

/// The logo's response: cached for a day (it changes only when the hub restarts with
/// another branding file), or 404 when there is none.
pub(crate) fn logo_response(logo: Option<&WebLogo>) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    match logo {
        Some(logo) => (
            [
                (header::CONTENT_TYPE, logo.content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            logo.bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[allow(clippy::panic, reason = "a constant two-line TOML file always parses")]
fn unreachable_branding() -> Branding {
    panic!("the fallback branding does not parse")
}

/// The portal's routes over `state`'s store, or none when the backend has no portal
/// tables (a test double).
pub fn router<S>(state: &AppState) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let Some(store) = state.store().portal() else {
        return Router::new();
    };
    let portal = PortalState::new(
        store,
        state.clock().clone(),
        state.store().hub_identity().device_id,
    );
    routes(portal)
}

fn routes<S>(portal: PortalState) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    use handlers::{account, items, orders, referrals, sign_in, steps};
    Router::new()
        .route("/portal", get(handlers::home))
        .route("/portal/", get(handlers::home))
        .route("/portal/assets/portal.css", get(handlers::stylesheet))
        .route("/portal/assets/logo.png", get(handlers::logo))
        .route(
            "/portal/sign-in",
            get(sign_in::sign_in_page).post(sign_in::sign_in),
        )
        .route(
            "/portal/sign-in/code",
            get(sign_in::code_page).post(sign_in::code),
        )
        .route("/portal/sign-out", post(sign_in::sign_out))
        .route(
            "/portal/password",
            get(account::password_page).post(account::password),
        )
        .route("/portal/orders", get(orders::orders))
        .route("/portal/orders/{id}", get(orders::order))
        .route("/portal/orders/{id}/accept", post(steps::accept))
        .route(
            "/portal/orders/{id}/decline",
            get(steps::decline_page).post(steps::decline),
        )
        .route(
            "/portal/orders/{id}/appointment",
            get(steps::appointment_page).post(steps::appointment),
        )
        .route("/portal/orders/{id}/items/{measure}", get(items::item_page))
        .route(
            "/portal/orders/{id}/items/{measure}/fitted",
            post(items::fitted),
        )
        .route(
            "/portal/orders/{id}/items/{measure}/not-fitted",
            post(items::not_fitted),
        )
        .route("/portal/orders/{id}/work-order.pdf", get(orders::pdf))
        .route("/portal/referrals", get(referrals::inbox))
        .route("/portal/referrals/{id}", get(referrals::referral))
        .route("/portal/referrals/{id}/accept", post(referrals::accept))
        .route(
            "/portal/referrals/{id}/acknowledge",
            get(referrals::acknowledge_page).post(referrals::acknowledge),
        )
        .route(
            "/portal/referrals/{id}/visit",
            get(referrals::visit_page).post(referrals::visit),
        )
        .route(
            "/portal/referrals/{id}/outcome",
            get(referrals::outcome_page).post(referrals::outcome),
        )
        .route(
            "/portal/referrals/{id}/decline",
            get(referrals::decline_page).post(referrals::decline),
        )
        .route(
            "/portal/referrals/{id}/no-contact",
            get(referrals::no_contact_page).post(referrals::no_contact),
        )
        .route("/portal/referrals/{id}/referral.pdf", get(referrals::pdf))
        .route("/portal/referrals/{id}/referral.json", get(referrals::json))
        .route("/portal/referrals/{id}/referral.csv", get(referrals::csv))
        .route(
            "/portal/{*rest}",
            get(handlers::not_found).post(handlers::not_found),
        )
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            portal.clone(),
            items::refuse_declared_over,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(portal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logo_is_the_councils_own_when_its_branding_file_names_one() {
        let built_in = web_logo_from(None).expect("the built-in logo");
        assert_eq!(built_in.content_type, "image/png");
        assert_eq!(&built_in.bytes[..], BUILT_IN_LOGO);

        let dir = tempfile::tempdir().unwrap();
        let jpeg = [0xff, 0xd8, 0xff, 0xe0, 0, 16, b'J', b'F', b'I', b'F'];
        std::fs::write(dir.path().join("crest.jpg"), jpeg).unwrap();
        let own = dir.path().join("council.toml");
        std::fs::write(
            &own,
            "[council]\nname = \"Own Council\"\n[logo]\npath = \"crest.jpg\"\n",
        )
        .unwrap();
        let logo = web_logo_from(Some(own.as_os_str())).expect("the council's own logo");
        assert_eq!(
            (logo.content_type, &logo.bytes[..]),
            ("image/jpeg", &jpeg[..])
        );

        // A branding file without a logo: none. One that cannot be read: the built-in.
        let plain = dir.path().join("plain.toml");
        std::fs::write(&plain, "[council]\nname = \"Plain Council\"\n").unwrap();
        assert!(web_logo_from(Some(plain.as_os_str())).is_none());
        let missing = dir.path().join("missing.toml");
        let fallback = web_logo_from(Some(missing.as_os_str())).expect("the built-in logo");
        assert_eq!(&fallback.bytes[..], BUILT_IN_LOGO);
        // A logo that is not a PNG or JPEG is left out.
        std::fs::write(dir.path().join("crest.jpg"), b"GIF89a").unwrap();
        assert!(web_logo_from(Some(own.as_os_str())).is_none());
    }

    #[test]
    fn the_built_in_branding_and_stylesheet_are_there() {
        let branding = Branding::from_toml(BUILT_IN_BRANDING, Some(BUILT_IN_LOGO.to_vec()))
            .expect("the built-in branding parses");
        assert!(!branding.council_name.is_empty());
        assert!(
            PORTAL_CSS.contains(".govuk-button"),
            "GOV.UK Frontend is built in"
        );
        assert!(
            !PORTAL_CSS.contains("@font-face"),
            "no web fonts: the council's look is Arial"
        );
    }
}
