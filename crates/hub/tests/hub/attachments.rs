//! Attachments by SHA-256, through the real client and raw requests.

use super::*;
use crate::support::photo::{png_with_text, sha256_hex};
use doorstep_sync::ClientError;
use doorstep_sync::protocol::ErrorCode;
use doorstep_sync::protocol::MAX_ATTACHMENT_BYTES;

on_both_backends!(
    photos_are_stored_once_and_go_only_to_the_team,
    bad_uploads_and_downloads_get_their_own_4xx_and_store_nothing,
);

/// A tiny PNG whose bytes differ by `seed`.
fn png(seed: u8) -> Vec<u8> {
    png_with_text(&[seed; 32])
}

async fn photos_are_stored_once_and_go_only_to_the_team(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let cat_code = user_with_code(&store, &org.north, "Cat", Role::Warden).await;
    let sam_code = user_with_code(&store, &org.south, "Sam", Role::Officer).await;
    let hub = boot(&store).await;
    let ann = hub.client(&enrol(&hub, &ann_code).await.access);
    let cat = hub.client(&enrol(&hub, &cat_code).await.access);
    let sam = hub.client(&enrol(&hub, &sam_code).await.access);
    let photo = png(1);
    let digest = sha256_hex(&photo);

    let first = ann.put_attachment(&digest, photo.clone()).await.unwrap();
    assert_eq!(first.sha256, digest);
    assert_eq!(first.bytes, photo.len() as u64);
    assert!(!first.already_stored);
    let again = ann.put_attachment(&digest, photo.clone()).await.unwrap();
    assert!(again.already_stored, "a second upload is a no-op");
    assert_eq!(stats(&store).await.attachments, 1);

    // Ann's team may download it; another team may not even learn it exists.
    assert_eq!(cat.get_attachment(&digest).await.unwrap(), photo);
    let refused = sam.get_attachment(&digest).await.unwrap_err();
    assert!(
        matches!(
            refused,
            ClientError::Rejected {
                status: 404,
                code: Some(ErrorCode::NotFound),
                ..
            }
        ),
        "{refused:?}"
    );
    // Unless it has the bytes too (its own laptop took the same picture): then it may.
    assert!(
        sam.put_attachment(&digest, photo.clone())
            .await
            .unwrap()
            .already_stored
    );
    assert_eq!(sam.get_attachment(&digest).await.unwrap(), photo);
    assert_eq!(
        stats(&store).await.attachments,
        1,
        "stored once whoever uploads it"
    );

    assert_eq!(audited(&store, "upload", "stored").await.len(), 1);
    assert_eq!(audited(&store, "upload", "already_stored").await.len(), 2);
    let downloads = audited(&store, "download", "ok").await;
    assert_eq!(downloads.len(), 2);
    assert_eq!(downloads[0].entity_id.as_deref(), Some(digest.as_str()));
    assert_eq!(audited(&store, "download", "not_found").await.len(), 1);
    hub.stop().await;
}

async fn bad_uploads_and_downloads_get_their_own_4xx_and_store_nothing(backend: Backend) {
    let (_db, store) = setup(backend).await;
    let org = org(&store).await;
    let ann_code = user_with_code(&store, &org.north, "Ann", Role::Officer).await;
    let con_code = user_with_code(&store, &org.north, "Con", Role::Contractor).await;
    let hub = boot(&store).await;
    let ann = enrol(&hub, &ann_code).await;
    let con = enrol(&hub, &con_code).await;
    let token = Some(ann.access.as_str());
    let photo = png(2);
    let path = |digest: &str| format!("/v1/attachments/{digest}");
    let before = stats(&store).await;

    // Not a SHA-256 in lowercase hex: upload and download.
    hub.put_raw("/v1/attachments/abc", token, &photo)
        .await
        .expect(400, "malformed");
    hub.put_raw(&path(&sha256_hex(&photo).to_uppercase()), token, &photo)
        .await
        .expect(400, "malformed");
    hub.get("/v1/attachments/not-a-digest", token)
        .await
        .expect(400, "malformed");
    // The bytes do not match their name.
    let reply = hub
        .put_raw(&path(&sha256_hex(b"something else")), token, &photo)
        .await;
    reply.expect(422, "invalid");
    assert!(reply.body["message"].as_str().unwrap().contains("damaged"));
    // Over the limit.
    let mut huge = png(3);
    huge.resize(MAX_ATTACHMENT_BYTES + 1, 0);
    hub.put_raw(&path(&sha256_hex(&huge)), token, &huge)
        .await
        .expect(413, "too_large");
    // Not an image, and nothing at all.
    let pdf = b"%PDF-1.7\n1 0 obj\n".to_vec();
    let reply = hub.put_raw(&path(&sha256_hex(&pdf)), token, &pdf).await;
    reply.expect(422, "invalid");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("not a photo")
    );
    hub.put_raw(&path(&sha256_hex(b"")), token, b"")
        .await
        .expect(422, "invalid");
    // No token; a role that does not sync; an attachment nobody uploaded.
    hub.put_raw(&path(&sha256_hex(&photo)), None, &photo)
        .await
        .expect(401, "unauthorised");
    hub.put_raw(&path(&sha256_hex(&photo)), Some(&con.access), &photo)
        .await
        .expect(403, "out_of_scope");
    hub.get(&path(&sha256_hex(&photo)), token)
        .await
        .expect(404, "not_found");
    // The wrong method.
    let reply = hub
        .post(&path(&sha256_hex(&photo)), token, &json!({}))
        .await;
    assert_eq!(reply.status, 405);

    let after = stats(&store).await;
    assert_eq!(after.attachments, before.attachments, "nothing stored");
    for (action, code, times) in [
        ("upload", "malformed", 2),
        ("download", "malformed", 1),
        ("upload", "invalid", 3),
        ("upload", "too_large", 1),
        ("upload", "unauthorised", 1),
        ("upload", "out_of_scope", 1),
        ("download", "not_found", 1),
    ] {
        assert_eq!(
            audited(&store, action, code).await.len(),
            times,
            "audit entries for {action} {code}"
        );
    }
    hub.stop().await;
}
