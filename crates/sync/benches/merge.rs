//! The merge function's share of hub ingest: 10,000 changes (a fresh device's first sync)
//! merged into 1,000 records, and the same batch decoded from JSON as the hub receives it.
//! Run: `cargo bench -p doorstep-sync --bench merge`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use doorstep_core::{DeviceId, Hlc, OfficerId};
use doorstep_sync::merge::{Record, merge_into};
use doorstep_sync::protocol::{
    Change, EntityKind, MAX_BATCH, Operation, PROTOCOL_VERSION, PushRequest, decode_request,
};
use serde_json::json;
use uuid::Uuid;

const FIELDS: &[&str] = &["tier", "status", "items", "tier_reason", "approval"];

fn changes(n: u32) -> Vec<Change> {
    let devices = [DeviceId::new(), DeviceId::new(), DeviceId::new()];
    let officer = OfficerId::new();
    (0..n)
        .map(|i| {
            let device = devices[(i % 3) as usize];
            let field = FIELDS[(i % 5) as usize];
            let mut fields = serde_json::Map::new();
            fields.insert(
                field.to_owned(),
                json!({"value": i, "note": "a realistic small value"}),
            );
            Change {
                change_id: Uuid::now_v7(),
                entity: EntityKind::Plan,
                entity_id: format!("plan-{}", i % 1_000),
                operation: Operation::Update,
                fields,
                base_versions: BTreeMap::from([(field.to_owned(), None)]),
                hlc: Hlc {
                    wall_ms: 1_700_000_000_000 + u64::from(i),
                    counter: 0,
                    device,
                },
                officer_id: officer,
                device_id: device,
                made_at: Utc::now(),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let all = changes(10_000);
    c.bench_function("merge 10,000 changes into 1,000 records", |b| {
        b.iter(|| {
            let mut records: BTreeMap<&str, Record> = BTreeMap::new();
            let mut conflicts = 0;
            for change in &all {
                let record = records.entry(change.entity_id.as_str()).or_default();
                conflicts += merge_into(record, change).conflicts.len();
            }
            (records.len(), conflicts)
        });
    });

    let device = all[0].device_id;
    let batch: Vec<Change> = all
        .iter()
        .filter(|c| c.device_id == device)
        .take(MAX_BATCH)
        .cloned()
        .collect();
    let body = serde_json::to_vec(&PushRequest {
        protocol: PROTOCOL_VERSION,
        device_id: device,
        changes: batch,
    })
    .expect("serialise");
    c.bench_function("decode and check a push of 500 changes", |b| {
        b.iter(|| decode_request::<PushRequest>(&body).expect("decodes"));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
