//! One sync with the hub, the way a laptop does it: send the outbox oldest first, take
//! the hub's word on guarded fields, send photos, then receive and apply the hub's log
//! after this laptop's cursor, then fetch photos it lacks; last, send who opened which
//! household here, for the hub's audit log.
//!
//! Every step is safe to repeat after a crash or a lost answer: the hub applies each
//! change id once, applying the same log entry twice changes nothing, and the cursor is
//! only moved after the entries before it are stored.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use doorstep_core::enrolment::Enrolment;
use doorstep_core::sync_status::{SyncProgress, SyncStage};
use doorstep_store::{HubLink, RecordChange, Store, StoreError, SyncLog};
use doorstep_sync::protocol::{ErrorCode, HubValue, LogEntry, MAX_OPENINGS, MAX_PULL_LIMIT};
use doorstep_sync::{
    Backoff, ClientError, EntityKind, HubClient, MAX_BATCH, Secret, apply_from_hub,
};
use uuid::Uuid;

use crate::access::StoreAccess;
use crate::error::SyncError;
use crate::wire::{change_from_outbox, opening_to_hub, record_from_store, record_to_store};

/// Photos handled per store visit: small, so the officer's screens are never kept waiting.
const PHOTOS_PER_ROUND: usize = 8;

/// Renew the access token when it has less than this left, so it cannot expire mid-sync.
const TOKEN_MARGIN: TimeDelta = TimeDelta::seconds(60);

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Local changes the hub took now.
    pub sent: usize,
    /// Local changes the hub already had (an earlier answer was lost).
    pub already_on_hub: usize,
    /// Guarded fields where this laptop took the hub's value.
    pub took_hub_value: usize,
    /// Log entries received.
    pub received: usize,
    /// Records written or removed from them.
    pub records_changed: usize,
    /// Photos sent.
    pub photos_sent: usize,
    /// Photos received.
    pub photos_received: usize,
    /// Local changes set aside: their record moved to another team on the hub.
    pub set_aside: usize,
    /// Whether the hub asked for everything to be received again.
    pub started_again: bool,
    /// Plans whose work orders changed (a contractor's progress): the app checks whether
    /// each is now fully fitted.
    pub plans_with_work_order_news: BTreeSet<String>,
    /// Household openings the hub's audit log took (those it had already are not counted).
    pub openings_sent: usize,
}

/// Progress reports go here; the app turns them into events for the window.
pub type Progress<'a> = &'a (dyn Fn(SyncProgress) + Send + Sync);

/// Enrols this laptop with a hub using an administrator's one-time code, and keeps what
/// later syncs need in the encrypted store. Nothing is stored unless the hub accepts.
pub async fn enrol<A: StoreAccess>(
    access: &A,
    hub_url: &str,
    code: &str,
    device_name: &str,
) -> Result<HubLink, SyncError> {
    let form = Enrolment::from_form(hub_url, code).map_err(SyncError::Form)?;
    let hub_url = form.hub_url.as_str();
    let code = normalise_code(&form.code)?;
    if let Some(current) = access.with_store(|s| s.hub_link())?
        && !same_hub(&current.hub_url, hub_url)
    {
        return Err(SyncError::OtherHub {
            current: current.hub_url,
        });
    }
    let mut client = HubClient::new(hub_url).map_err(|e| match e {
        ClientError::BadUrl { reason } => SyncError::BadInput {
            field: "hub_url",
            message: reason,
        },
        other => SyncError::Hub(other),
    })?;
    let answer = client.enrol(&Secret::new(code), device_name).await?;
    // The hub issues no code to a role that works only in the council console; this
    // stops an older hub's code all the same, before anything is stored.
    if !answer.user.role.may_use_laptop() {
        return Err(SyncError::BadInput {
            field: "code",
            message: format!(
                "{} accounts work in the council console, not on a laptop. Sign in to the console in a web browser instead",
                answer.user.role.label()
            ),
        });
    }
    let link = HubLink {
        hub_url: client.base_url().to_string(),
        hub_device_id: answer.device_id,
        organisation: answer.organisation.name,
        user_name: answer.user.name,
        user_role: answer.user.role,
        refresh_token: answer.refresh_token.expose().to_owned(),
        enrolled_at: doorstep_core::clock::now(),
    };
    access.with_store(|s| {
        s.set_hub_link(&link)?;
        s.set_sync_log(&SyncLog::default())
    })?;
    Ok(link)
}

/// An enrolment code as typed: letters and digits, any case, with or without dashes or
/// spaces. Only its shape is checked here; the hub knows whether it is valid.
fn normalise_code(code: &str) -> Result<String, SyncError> {
    let kept: String = code
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{2010}'..='\u{2015}'))
        .collect();
    let bad = || {
        SyncError::BadInput {
        field: "code",
        message: "Enter the enrolment code exactly as your administrator gave it, for example K7M2Q-9XRTA-4HWZC".into(),
    }
    };
    if !(10..=40).contains(&kept.len()) || !kept.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad());
    }
    Ok(code.trim().to_owned())
}

/// Whether two hub addresses name the same hub (ignoring a trailing slash and case).
fn same_hub(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('/').to_ascii_lowercase();
    norm(a) == norm(b)
}

/// Runs syncs for one laptop; keeps the hub connection and access token between them.
#[derive(Debug, Default)]
pub struct Syncer {
    client: Option<HubClient>,
    access_until: Option<DateTime<Utc>>,
    backoff: Option<Backoff>,
}

impl Syncer {
    /// A syncer with the client's default retries.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `backoff` for the hub client's retries (tests use [`Backoff::immediate`]).
    pub fn with_backoff(backoff: Backoff) -> Self {
        Self {
            backoff: Some(backoff),
            ..Self::default()
        }
    }

    /// Forgets the connection and token (after an enrolment or a revocation).
    pub fn reset(&mut self) {
        self.client = None;
        self.access_until = None;
    }

    /// One complete sync. Records its outcome in the store's sync log (except when the
    /// store is locked or the laptop was revoked, when there is nothing to write to).
    pub async fn sync<A: StoreAccess>(
        &mut self,
        access: &A,
        progress: Progress<'_>,
    ) -> Result<SyncReport, SyncError> {
        let attempt = doorstep_core::clock::now();
        let result = self.sync_unlogged(access, progress).await;
        let (ok_at, error) = match &result {
            Ok(_) => (Some(doorstep_core::clock::now()), None),
            Err(SyncError::Locked) => return result,
            Err(e) if e.must_wipe() => return result,
            Err(e) => (None, Some(e.to_string())),
        };
        access.with_store(|s| {
            let mut log = s.sync_log()?;
            log.last_attempt_at = Some(attempt);
            if ok_at.is_some() {
                log.last_synced_at = ok_at;
            }
            log.last_error = error;
            s.set_sync_log(&log)
        })?;
        result
    }

    async fn sync_unlogged<A: StoreAccess>(
        &mut self,
        access: &A,
        progress: Progress<'_>,
    ) -> Result<SyncReport, SyncError> {
        let link = access
            .with_store(|s| s.hub_link())?
            .ok_or(SyncError::NotEnrolled)?;
        self.connect(&link)?;
        self.ensure_token(access).await?;
        let mut report = SyncReport::default();
        match self.exchange(access, &link, progress, &mut report).await {
            // The token ran out between the check and the call: renew once and carry on.
            Err(SyncError::Hub(ClientError::TokenExpired)) => {
                self.access_until = None;
                self.ensure_token(access).await?;
                self.exchange(access, &link, progress, &mut report).await?;
            }
            other => other?,
        }
        // The records are in step by now; the audit of who opened what must not undo
        // that: a failure here is logged, the openings stay unsent and go next time (a hub
        // too old for the endpoint answers not_found each time, and records still sync).
        // A revocation found here still erases the laptop at once.
        match self.send_openings(access, &mut report).await {
            Err(error) if error.must_wipe() => return Err(error),
            Err(error) => {
                tracing::warn!(%error, "household openings not sent to the hub's audit log; they go at the next sync")
            }
            Ok(()) => {}
        }
        Ok(report)
    }

    /// Sends who opened which household here, oldest first in batches, marking each batch
    /// sent once the hub has it (a retried batch is recorded once).
    async fn send_openings<A: StoreAccess>(
        &self,
        access: &A,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let client = self.client()?;
        loop {
            let batch = access.with_store(|s| s.unsent_household_openings(MAX_OPENINGS))?;
            if batch.is_empty() {
                return Ok(());
            }
            let ids: Vec<Uuid> = batch.iter().map(|o| o.id).collect();
            let openings: Vec<_> = batch.into_iter().map(opening_to_hub).collect();
            let answer = client.send_openings(&openings).await?;
            let marked = access.with_store(|s| {
                s.mark_household_openings_sent(&ids, doorstep_core::clock::now())
            })?;
            report.openings_sent += usize::try_from(answer.accepted).unwrap_or(usize::MAX);
            if marked == 0 {
                // Nothing left this batch: asking again would send the same for ever.
                return Ok(());
            }
        }
    }

    fn connect(&mut self, link: &HubLink) -> Result<(), SyncError> {
        let current = self
            .client
            .as_ref()
            .is_some_and(|c| same_hub(c.base_url().as_str(), &link.hub_url));
        if !current {
            let mut client = HubClient::new(&link.hub_url)?;
            if let Some(backoff) = &self.backoff {
                client = client.with_backoff(*backoff);
            }
            self.client = Some(client);
            self.access_until = None;
        }
        Ok(())
    }

    fn client(&self) -> Result<&HubClient, SyncError> {
        self.client.as_ref().ok_or(SyncError::NotEnrolled)
    }

    /// Renews the access token when it is missing or nearly spent. The new refresh token
    /// is stored before anything else happens: the old one no longer works.
    async fn ensure_token<A: StoreAccess>(&mut self, access: &A) -> Result<(), SyncError> {
        if self
            .access_until
            .is_some_and(|until| until - TOKEN_MARGIN > doorstep_core::clock::now())
        {
            return Ok(());
        }
        let mut link = access
            .with_store(|s| s.hub_link())?
            .ok_or(SyncError::NotEnrolled)?;
        let client = self.client.as_mut().ok_or(SyncError::NotEnrolled)?;
        let answer = client
            .refresh(link.hub_device_id, &Secret::new(link.refresh_token.clone()))
            .await?;
        link.refresh_token = answer.refresh_token.expose().to_owned();
        access.with_store(|s| s.set_hub_link(&link))?;
        self.access_until = Some(answer.access_expires_at);
        Ok(())
    }

    async fn exchange<A: StoreAccess>(
        &mut self,
        access: &A,
        link: &HubLink,
        progress: Progress<'_>,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let set_aside_before = access.with_store(|s| s.set_aside_count())?;
        match self.send_changes(access, link, progress, report).await {
            // A record moved to another team while this laptop was away, and the hub
            // refuses the batch holding its edits. Receiving takes it off this laptop and
            // sets those edits aside; then the rest of the outbox can go.
            Err(SyncError::Hub(e)) if e.code() == Some(ErrorCode::OutOfScope) => {
                self.receive_changes(access, link, progress, report).await?;
                self.send_changes(access, link, progress, report).await?;
            }
            other => other?,
        }
        self.send_photos(access, progress, report).await?;
        self.receive_changes(access, link, progress, report).await?;
        let set_aside_after = access.with_store(|s| s.set_aside_count())?;
        report.set_aside =
            usize::try_from(set_aside_after.saturating_sub(set_aside_before)).unwrap_or(usize::MAX);
        self.receive_photos(access, progress, report).await
    }

    /// Sends the outbox oldest first until it is empty.
    async fn send_changes<A: StoreAccess>(
        &self,
        access: &A,
        link: &HubLink,
        progress: Progress<'_>,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let client = self.client()?;
        let total = access.with_store(|s| s.outbox_pending())?;
        let total = u32::try_from(total).unwrap_or(u32::MAX);
        let mut done: u32 = 0;
        let mut batch_size = MAX_BATCH;
        progress(SyncProgress {
            stage: SyncStage::Sending,
            done,
            total: Some(total),
        });
        loop {
            let rows = access.with_store(|s| s.outbox_batch(batch_size))?;
            if rows.is_empty() {
                return Ok(());
            }
            let changes = rows
                .into_iter()
                .map(change_from_outbox)
                .collect::<Result<Vec<_>, _>>()?;
            let answer = match client.push(link.hub_device_id, &changes).await {
                // Large survey answers or notes: halve the batch until it fits.
                Err(ClientError::BatchTooLarge { .. }) if batch_size > 1 => {
                    batch_size /= 2;
                    continue;
                }
                other => other?,
            };
            let acknowledged: Vec<Uuid> = answer
                .applied
                .iter()
                .chain(&answer.already_applied)
                .copied()
                .collect();
            if acknowledged.is_empty() {
                // Sending the same batch again would get the same answer for ever.
                return Err(SyncError::Unreadable(
                    "an answer to a push that accepted none of its changes".into(),
                ));
            }
            let adopted = access.with_store(|s| {
                s.mark_pushed(&acknowledged, doorstep_core::clock::now())?;
                adopt_hub_values(s, &answer.hub_values)
            })?;
            report.sent += answer.applied.len();
            report.already_on_hub += answer.already_applied.len();
            report.took_hub_value += adopted;
            done = done.saturating_add(u32::try_from(acknowledged.len()).unwrap_or(u32::MAX));
            progress(SyncProgress {
                stage: SyncStage::Sending,
                done,
                total: Some(total.max(done)),
            });
        }
    }

    /// Uploads photo bytes the hub has not confirmed yet.
    async fn send_photos<A: StoreAccess>(
        &self,
        access: &A,
        progress: Progress<'_>,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let client = self.client()?;
        loop {
            let waiting = access.with_store(|s| s.attachments_to_upload(PHOTOS_PER_ROUND))?;
            if waiting.is_empty() {
                return Ok(());
            }
            for sha in waiting {
                let bytes = access.with_store(|s| s.attachment_bytes(&sha))?;
                client.put_attachment(&sha, bytes).await?;
                access.with_store(|s| s.mark_attachment_uploaded(&sha))?;
                report.photos_sent += 1;
                progress(SyncProgress {
                    stage: SyncStage::Files,
                    done: u32::try_from(report.photos_sent).unwrap_or(u32::MAX),
                    total: None,
                });
            }
        }
    }

    /// Receives the hub's log after this laptop's cursor and applies it, page by page.
    async fn receive_changes<A: StoreAccess>(
        &self,
        access: &A,
        link: &HubLink,
        progress: Progress<'_>,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let client = self.client()?;
        let mut cursor = access.with_store(|s| s.sync_cursor())?;
        loop {
            let page = client.pull(cursor, MAX_PULL_LIMIT).await?;
            if page.full_resync_needed {
                if report.started_again {
                    return Err(SyncError::Unreadable(
                        "a second request to start again from the beginning".into(),
                    ));
                }
                // Anything typed since the push goes first: forgetting needs an empty outbox.
                self.send_changes(access, link, progress, report).await?;
                access.with_store(|s| {
                    s.forget_synced_records()?;
                    s.set_sync_cursor(0)
                })?;
                report.started_again = true;
                cursor = 0;
                continue;
            }
            let (changed, plans) = access.with_store(|s| apply_page(s, &page.entries))?;
            report.records_changed += changed;
            report.plans_with_work_order_news.extend(plans);
            access.with_store(|s| s.set_sync_cursor(page.next))?;
            report.received += page.entries.len();
            progress(SyncProgress {
                stage: SyncStage::Receiving,
                done: u32::try_from(report.received).unwrap_or(u32::MAX),
                total: None,
            });
            cursor = page.next;
            if !page.more {
                return Ok(());
            }
        }
    }

    /// Downloads photos that synced records refer to but this laptop does not hold. A
    /// photo the hub does not have yet (its laptop has not synced) is tried next time.
    async fn receive_photos<A: StoreAccess>(
        &self,
        access: &A,
        progress: Progress<'_>,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let client = self.client()?;
        let mut not_yet: BTreeSet<String> = BTreeSet::new();
        loop {
            let wanted: Vec<String> = access
                .with_store(|s| s.missing_attachments(PHOTOS_PER_ROUND + not_yet.len()))?
                .into_iter()
                .filter(|sha| !not_yet.contains(sha))
                .collect();
            if wanted.is_empty() {
                return Ok(());
            }
            for sha in wanted {
                match client.get_attachment(&sha).await {
                    Ok(bytes) => {
                        access.with_store(|s| s.store_downloaded_attachment(&sha, &bytes))?;
                        report.photos_received += 1;
                        progress(SyncProgress {
                            stage: SyncStage::Files,
                            done: u32::try_from(report.photos_received).unwrap_or(u32::MAX),
                            total: None,
                        });
                    }
                    Err(ClientError::Rejected { status: 404, .. }) => {
                        not_yet.insert(sha);
                    }
                    Err(other) => return Err(other.into()),
                }
            }
        }
    }
}

/// Takes the hub's value of guarded fields after a push, unless the field was changed
/// here again since. Returns how many fields changed.
fn adopt_hub_values(store: &mut Store, values: &[HubValue]) -> Result<usize, StoreError> {
    if values.is_empty() {
        return Ok(0);
    }
    let keys: Vec<(String, String)> = values
        .iter()
        .map(|v| (v.entity.as_str().to_owned(), v.entity_id.clone()))
        .collect();
    store.apply_from_hub(&keys, |i, current, _pending| {
        let (Some(current), Some(value)) = (current, values.get(i)) else {
            return RecordChange::Keep;
        };
        let mut record = record_from_store(current);
        if record.adopt(value) {
            RecordChange::Write(record_to_store(record))
        } else {
            RecordChange::Keep
        }
    })
}

/// Applies one page of the hub's log in one transaction. Returns how many records changed
/// and the plans whose work orders did.
fn apply_page(store: &mut Store, entries: &[LogEntry]) -> Result<(usize, Vec<String>), StoreError> {
    let usable: Vec<&LogEntry> = entries
        .iter()
        .filter(|e| e.change.is_some() || e.remove.is_some())
        .collect();
    let keys: Vec<(String, String)> = usable
        .iter()
        .filter_map(|e| match (&e.change, &e.remove) {
            (Some(c), _) => Some((c.entity.as_str().to_owned(), c.entity_id.clone())),
            (None, Some(r)) => Some((r.entity.as_str().to_owned(), r.entity_id.clone())),
            (None, None) => None,
        })
        .collect();
    let mut plans = Vec::new();
    let changed = store.apply_from_hub(&keys, |i, current, pending| {
        let Some(entry) = usable.get(i) else {
            return RecordChange::Keep;
        };
        let Some(change) = &entry.change else {
            // A removal: the hub erased the record, or it left this laptop's scope (it is
            // not deleted on the hub).
            return if entry.remove.as_ref().is_some_and(|r| r.erased) {
                RecordChange::Erased
            } else {
                RecordChange::MovedAway
            };
        };
        let mut record = current.map(record_from_store).unwrap_or_default();
        let outcome = apply_from_hub(&mut record, change, |field| pending.contains(field));
        if record.is_deleted() {
            RecordChange::Remove
        } else if outcome.changed() {
            if change.entity == EntityKind::WorkOrder
                && let Some(plan) = record.fields.get("plan_id").and_then(|v| v.as_str())
            {
                plans.push(plan.to_owned());
            }
            RecordChange::Write(record_to_store(record))
        } else {
            RecordChange::Keep
        }
    })?;
    Ok((changed, plans))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrolment_codes_are_checked_for_shape_only() {
        for ok in [
            "K7M2Q-9XRTA-4HWZC",
            "k7m2q9xrta4hwzc",
            " K7M2Q 9XRTA 4HWZC ",
        ] {
            assert!(normalise_code(ok).is_ok(), "{ok}");
        }
        for (bad, words) in [
            ("", "exactly as your administrator"),
            ("ABC", "exactly as your administrator"),
            ("K7M2Q-9XRTA-4HWZ!", "exactly as your administrator"),
        ] {
            match normalise_code(bad) {
                Err(SyncError::BadInput { field, message }) => {
                    assert_eq!(field, "code");
                    assert!(message.contains(words), "{bad}: {message}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn hub_addresses_compare_without_trailing_slash_or_case() {
        assert!(same_hub("https://Hub.example/", "https://hub.example"));
        assert!(!same_hub("https://hub.example", "https://other.example"));
    }
}
