//! Issue 18 in the portal: text no backend can store is refused before any handler reads it.

use super::*;

on_both_backends!(text_with_nul_is_refused_in_forms_paths_and_uploads);

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
            &[("csrf", &csrf), ("email", &nul_email), ("password", PASSWORD_A)],
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
        Some(("door.png", "image/png", PNG)),
    )
    .await
    .expect(422)
    .says("NUL");
    let order = order_on_hub(&w, &w.a1).await;
    assert_eq!(order.status, WorkOrderStatus::Accepted);
    assert_eq!(order.items[0].status, ItemStatus::Pending, "nothing was fitted");
    let after = stats(&w.store).await;
    assert_eq!(after.change_log, before.change_log + 1, "only the accept");
    w.hub.stop().await;
}
