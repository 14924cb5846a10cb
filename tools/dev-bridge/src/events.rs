//! doorstep-api's events fanned out to every open `/api/events` stream.

use doorstep_api::events::{AppEvent, EventSink};
use tokio::sync::broadcast;

/// How many events a slow stream may fall behind before it misses some; progress events
/// come in bursts (a gazetteer import), and a missed one is superseded by the next.
const BACKLOG: usize = 256;

/// One event as the stream sends it: its name and its payload as JSON text.
#[derive(Debug, Clone)]
pub struct WireEvent {
    /// `AppEvent::name()`.
    pub name: &'static str,
    /// `AppEvent::payload()`, serialised.
    pub data: String,
}

/// An [`EventSink`] that broadcasts to every subscriber; with none, events are dropped,
/// as the app drops them while its window is not listening.
#[derive(Debug, Clone)]
pub struct BroadcastEvents(broadcast::Sender<WireEvent>);

impl BroadcastEvents {
    /// A sink with no subscribers yet.
    pub fn new() -> Self {
        Self(broadcast::channel(BACKLOG).0)
    }

    /// A new subscriber, which sees the events sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<WireEvent> {
        self.0.subscribe()
    }
}

impl Default for BroadcastEvents {
    fn default() -> Self {
        Self::new()
    }
}

impl EventSink for BroadcastEvents {
    fn send(&self, event: AppEvent) {
        let name = event.name();
        let data = match event.payload().and_then(|p| serde_json::to_string(&p)) {
            Ok(data) => data,
            Err(e) => {
                tracing::warn!(error = %e, event = name, "could not encode an event");
                return;
            }
        };
        // An error only means nobody is listening now.
        let _ = self.0.send(WireEvent { name, data });
    }
}
