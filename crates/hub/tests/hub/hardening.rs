//! Issue 18: input both backends must take alike (no NUL anywhere).

use super::*;

on_both_backends!(text_with_nul_is_refused_everywhere_and_stores_nothing);

async fn text_with_nul_is_refused_everywhere_and_stores_nothing(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let bob_code = user_with_code(&store, &org.north, "Bob", Role::Officer).await;
    let hub = boot(&store).await;
    let mut ann = enrol(&hub, &ann_code).await;
    let access = ann.access.clone();
    let token = Some(access.as_str());

    // An enrolment naming the laptop with a NUL spends no code and makes no device.
    let mut body = enrol_body(&bob_code);
    body["device_name"] = json!("Lap\u{0}top");
    hub.post("/v1/enrol", None, &body)
        .await
        .expect(422, "invalid");
    assert_eq!(store.devices().await.unwrap().len(), 1);
    enrol(&hub, &bob_code).await;

    let before = stats(&store).await;
    let household = ann.new_household("h1", "1 High Street");
    let mut in_id = household.clone();
    in_id.entity_id = "h\u{0}1".into();
    let mut in_name = household.clone();
    in_name.fields.insert("stre\u{0}et".into(), json!("x"));
    let mut in_value = household.clone();
    in_value
        .fields
        .insert("street".into(), json!("1 High\u{0} Street"));
    let mut in_nested = household.clone();
    in_nested
        .fields
        .insert("notes".into(), json!({ "lines": ["ok", "not\u{0}ok"] }));
    for change in [in_id, in_name, in_value, in_nested] {
        let reply = ann.push(&hub, &[change]).await;
        reply.expect(422, "invalid");
        assert!(
            reply.body["message"].as_str().unwrap().contains("NUL"),
            "the message names the character: {}",
            reply.body
        );
    }
    let refresh = json!({ "protocol": 1, "device_id": ann.device_id, "refresh_token": "a\u{0}b" });
    hub.post("/v1/token/refresh", None, &refresh)
        .await
        .expect(422, "invalid");
    // In a path or a query, percent-encoded.
    hub.get("/v1/pull?protocol=1%00", token)
        .await
        .expect(422, "invalid");
    hub.get(&format!("/v1/attachments/{}%00", "a".repeat(63)), token)
        .await
        .expect(422, "invalid");
    hub.get("/v1/no%00where", None).await.expect(422, "invalid");
    let after = stats(&store).await;
    assert_eq!(
        (after.records, after.change_log, after.applied_changes),
        (before.records, before.change_log, before.applied_changes),
        "nothing a refused request carried is stored"
    );
    // The same change without the NUL is taken, on either backend.
    push_reply(&ann.push(&hub, &[household]).await);
    hub.stop().await;
}
