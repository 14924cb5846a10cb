//! Serving connections: hyper's HTTP/1 with a deadline for each request's headers (which
//! also closes a kept-alive connection left idle), a request body that must keep arriving
//! (tower-http's body timeout), and at most so many open connections per client address,
//! so that slow or idle clients cannot hold the hub's sockets for ever.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::server::{AppState, router};

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
/// flight. Tests pass a listener bound to port 0.
pub async fn serve<F>(listener: TcpListener, state: AppState, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
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
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.map(Body::new)
            });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_millis(limits.header_timeout_ms));
        let connection = graceful.watch(
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)),
        );
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended");
            }
        });
    }
    graceful.shutdown().await;
    flusher.abort();
    tallies.flush_refusal_tallies(true).await;
    Ok(())
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
