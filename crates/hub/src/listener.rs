//! Serving connections: hyper's HTTP/1 with a deadline for each request's headers (which
//! also closes a kept-alive connection left idle), a request body that must keep arriving
//! (tower-http's body timeout), and at most so many open connections per client address,
//! so that slow or idle clients cannot hold the hub's sockets for ever. With the hub's own
//! certificate ([`crate::tls`]) each connection is a TLS one, served the same way once its
//! handshake (held to the same time limit as a request's headers) is done.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::server::{AppState, router};
use crate::tls::{self, HubCertificate};

/// How long clients may take, and how many connections one address may hold open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConnectionLimits {
    /// Milliseconds a client has to send a request's headers; a kept-alive connection
    /// with no new request is closed after as long.
    pub header_timeout_ms: u64,
    /// Milliseconds a request body may go without a byte arriving.
    pub body_idle_timeout_ms: u64,
    /// Connections one client address may hold open at once; more are closed on arrival.
    pub per_address: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout_ms: 30_000,
            body_idle_timeout_ms: 30_000,
            // Generous: behind the TLS proxy every laptop has the proxy's address, and the
            // benchmark's 200 laptops all come from one.
            per_address: 512,
        }
    }
}

/// The open connections of each address.
#[derive(Debug, Clone, Default)]
struct OpenConnections {
    by_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One open connection's place in the count, given back when it is dropped.
#[derive(Debug)]
struct Slot {
    open: OpenConnections,
    address: IpAddr,
}

impl OpenConnections {
    fn take(&self, address: IpAddr, limit: usize) -> Option<Slot> {
        let mut counts = self
            .by_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(address).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            open: self.clone(),
            address,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self
            .open
            .by_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.address);
            }
        }
    }
}

/// Serves the hub on `listener` until `shutdown` completes, then finishes the requests in
/// flight; over TLS when the settings have `[tls]` (the files read now, and again when
/// they change, while serving). Tests pass a listener bound to port 0.
pub async fn serve<F>(listener: TcpListener, state: AppState, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let certificate = match &state.config().tls {
        Some(settings) => Some(
            settings
                .files()
                .and_then(HubCertificate::load)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?,
        ),
        None => None,
    };
    let _reloading = certificate
        .clone()
        .map(|certificate| tls::watch(certificate, tls::RELOAD_EVERY));
    serve_with(listener, state, certificate, shutdown).await
}

/// Serves the hub as [`serve`] does, over TLS with `certificate` when there is one (kept
/// fresh by the caller, see [`tls::watch`]); `state.config().tls` is not read.
pub async fn serve_with<F>(
    listener: TcpListener,
    state: AppState,
    certificate: Option<Arc<HubCertificate>>,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let acceptor = certificate
        .map(|certificate| certificate.server_config().map(TlsAcceptor::from))
        .transpose()
        .map_err(std::io::Error::other)?;
    let limits = state.config().connections;
    // Tallies of repeated refusals are written once their minute is over.
    let flusher = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(5));
            loop {
                every.tick().await;
                state.flush_refusal_tallies(false).await;
            }
        })
    };
    let tallies = state.clone();
    let app = router(state).layer(RequestBodyTimeoutLayer::new(Duration::from_millis(
        limits.body_idle_timeout_ms,
    )));
    let open = OpenConnections::default();
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors, say: give the open connections a moment.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = open.take(peer.ip(), limits.per_address) else {
            tracing::info!(address = %peer.ip(), "connection refused: too many open from this address");
            drop(stream);
            continue;
        };
        let connection = Connection {
            peer,
            app: app.clone(),
            limits,
            // Taken here, not in the task, so that a shutdown begun meanwhile is not missed;
            // a handshake in progress holds the shutdown back at most its time limit.
            watcher: graceful.watcher(),
            slot,
        };
        let acceptor = acceptor.clone();
        // The handshake runs in the connection's own task: a slow client never holds up
        // accepting the next one.
        tokio::spawn(async move {
            match acceptor {
                None => connection.serve(stream).await,
                Some(acceptor) => {
                    let handshake = tokio::time::timeout(
                        Duration::from_millis(limits.header_timeout_ms),
                        acceptor.accept(stream),
                    );
                    match handshake.await {
                        Ok(Ok(stream)) => connection.serve(stream).await,
                        Ok(Err(error)) => {
                            tracing::debug!(address = %peer.ip(), %error, "TLS handshake failed");
                        }
                        Err(_) => {
                            tracing::debug!(address = %peer.ip(), "TLS handshake timed out");
                        }
                    }
                }
            }
        });
    }
    graceful.shutdown().await;
    flusher.abort();
    tallies.flush_refusal_tallies(true).await;
    Ok(())
}

/// An accepted connection, ready to be served once its bytes can be read (with TLS, once
/// the handshake is done); its place in its address's count is held until it ends.
struct Connection {
    peer: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    watcher: Watcher,
    slot: Slot,
}

impl Connection {
    /// Serves HTTP/1 over `io`, plain TCP or TLS alike, until the client or the shutdown
    /// ends it.
    async fn serve<I>(self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Self {
            peer,
            app,
            limits,
            watcher,
            slot,
        } = self;
        let service = app.map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request.map(Body::new)
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_millis(limits.header_timeout_ms));
        let connection = watcher
            .watch(builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(service)));
        if let Err(error) = connection.await {
            tracing::debug!(%error, "connection ended");
        }
        drop(slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_limit_and_gets_places_back() {
        let open = OpenConnections::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = open.take(a, 2).unwrap();
        let _second = open.take(a, 2).unwrap();
        assert!(open.take(a, 2).is_none(), "a third from the same address");
        assert!(
            open.take(b, 2).is_some(),
            "another address has its own count"
        );
        drop(first);
        assert!(
            open.take(a, 2).is_some(),
            "a closed connection gives its place back"
        );
    }
}
