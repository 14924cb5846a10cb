//! Issue 18 in the portal: text no backend can store is refused before any handler reads
//! it, a body declared far over the limit is refused at once, and a step that cannot take
//! effect says so instead of reporting it done.

use super::*;
use doorstep_core::Hlc;
use doorstep_sync::protocol::{Change, Operation};

on_both_backends!(
    text_with_nul_is_refused_in_forms_paths_and_uploads,
    a_body_declared_far_over_the_limit_is_refused_at_once,
    a_step_that_cannot_take_effect_is_not_reported_done,
);

async fn text_with_nul_is_refused_in_forms_paths_and_uploads(backend: Backend) {
    let w = world(backend).await;
    let before = stats(&w.store).await;
    // Signing in with a NUL in the email: refused as such, on PostgreSQL as on SQLite.
    let mut b = Browser::new(&w.hub);
    let csrf = b.get("/portal/sign-in").await.hidden("csrf");
    let nul_email = format!("fitter\u{0}{EMAIL_A}");
    let reply = b
        .post(
            "/portal/sign-in",
            &[
                ("csrf", &csrf),
                ("email", &nul_email),
                ("password", PASSWORD_A),
            ],
        )
        .await;
    reply.expect(422).says("NUL");

    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    b.get("/portal/orders/a%00b").await.expect(422);
    b.get("/portal/orders?status=new%00").await.expect(422);
    let id = w.a1.id.to_string();
    let (csrf, seq) = b.order_form(&id).await;
    b.post(
        &format!("/portal/orders/{id}/decline"),
        &[("csrf", &csrf), ("seq", &seq), ("reason", "no\u{0}access")],
    )
    .await
    .expect(422);
    b.post(
        &format!("/portal/orders/{id}/accept"),
        &[("csrf", &csrf), ("seq", &seq)],
    )
    .await
    .expect(303);
    let path = format!("/portal/orders/{id}/items/door_chain");
    let seq = b.get(&path).await.hidden("seq");
    let fields = [
        ("csrf", csrf.as_str()),
        ("seq", seq.as_str()),
        ("standard", "PAS\u{0} 24"),
    ];
    b.post_multipart(
        &format!("{path}/fitted"),
        &fields,
        Some(("door.png", "image/png", PNG_1X1)),
    )
    .await
    .expect(422)
    .says("NUL");
    let order = order_on_hub(&w, &w.a1).await;
    assert_eq!(order.status, WorkOrderStatus::Accepted);
    assert_eq!(
        order.items[0].status,
        ItemStatus::Pending,
        "nothing was fitted"
    );
    let after = stats(&w.store).await;
    assert_eq!(after.change_log, before.change_log + 1, "only the accept");
    w.hub.stop().await;
}

async fn a_body_declared_far_over_the_limit_is_refused_at_once(backend: Backend) {
    let w = world(backend).await;
    let b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let id = w.a1.id.to_string();
    for path in [
        "/portal/sign-in".to_owned(),
        format!("/portal/orders/{id}/items/door_chain/fitted"),
    ] {
        let cookies: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        // No body follows: the answer must come without waiting for one.
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {}\r\n\
             Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 99999999999\r\n\r\n",
            b.host,
            cookies.join("; ")
        );
        exchange(w.hub.addr, head, Vec::new())
            .await
            .expect(413)
            .says("The photo must be smaller than");
    }
    assert_eq!(order_on_hub(&w, &w.a1).await.status, WorkOrderStatus::New);
    w.hub.stop().await;
}

async fn a_step_that_cannot_take_effect_is_not_reported_done(backend: Backend) {
    let w = world(backend).await;
    // An order whose status was stamped, before the hub bounded clock readings, with the
    // largest reading there is: no later reading exists, so no step can change it.
    let now = w.clock.now_ms();
    let officer = w
        .store
        .authenticate(&doorstep_hub::secret::digest(&w.officer.access), now)
        .await
        .unwrap();
    let stored = w
        .store
        .portal()
        .unwrap()
        .order(FIRM_A, &w.a1.id.to_string())
        .await
        .unwrap()
        .unwrap();
    // The largest device id too, so that not even the hub's device id sorts after it.
    let largest = Hlc {
        wall_ms: 999_999_999_999_999,
        counter: u32::MAX,
        device: serde_json::from_value(json!("ffffffff-ffff-ffff-ffff-ffffffffffff")).unwrap(),
    };
    let poisoned = Change {
        change_id: uuid::Uuid::now_v7(),
        entity: EntityKind::WorkOrder,
        entity_id: w.a1.id.to_string(),
        operation: Operation::Update,
        fields: json!({ "status": "new" }).as_object().unwrap().clone(),
        base_versions: [(
            "status".to_owned(),
            stored.record.versions.get("status").copied(),
        )]
        .into_iter()
        .collect(),
        hlc: largest,
        officer_id: w.officer.officer_id,
        device_id: w.officer.device_id,
        made_at: Utc::now(),
    };
    w.store.push(&officer, &[poisoned], now).await.unwrap();

    let before = stats(&w.store).await;
    let mut b = signed_in(&w, EMAIL_A, PASSWORD_A).await;
    let id = w.a1.id.to_string();
    let (csrf, seq) = b.order_form(&id).await;
    let reply = b
        .post(
            &format!("/portal/orders/{id}/accept"),
            &[("csrf", &csrf), ("seq", &seq)],
        )
        .await;
    reply.expect(409).says("Nothing was changed");
    assert!(
        !reply.location().contains("done="),
        "never reported done: {}",
        reply.location()
    );
    assert_eq!(order_on_hub(&w, &w.a1).await.status, WorkOrderStatus::New);
    assert_eq!(stats(&w.store).await.change_log, before.change_log);
    let refused = w
        .store
        .audit(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "portal.write" && e.outcome == "refused: not_applied")
        .count();
    assert_eq!(refused, 1, "the refusal is audited");
    w.hub.stop().await;
}
