//! The database key, wrapped by a key derived from the officer's passphrase.
//!
//! The database is encrypted with a random 256-bit key. That key is stored in
//! `doorstep.key` encrypted (XChaCha20-Poly1305) under a key derived from the
//! passphrase with Argon2id. Changing the passphrase re-wraps 32 bytes; the database
//! is never rewritten. A wrong passphrase fails the AEAD tag check before the
//! database is opened, so nothing is touched.

use std::fs;
use std::io::Write;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};

/// The raw database key; wiped from memory when dropped.
pub type DatabaseKey = Zeroizing<[u8; 32]>;

const FORMAT: &str = "doorstep-key";
const AAD: &[u8] = b"doorstep-key-v1";

/// Argon2id cost parameters, stored with the wrapped key so they can be raised later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// RFC 9106's second recommendation (64 MiB, 3 passes), stronger than OWASP's minimum.
    pub const RECOMMENDED: Self = Self {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };
    /// Cheap parameters for tests only: never for real data.
    pub const INSECURE_FOR_TESTS: Self = Self {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
}

#[derive(Debug, Serialize, Deserialize)]
struct KeyFileJson {
    format: String,
    version: u32,
    kdf: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
    cipher: String,
    nonce: String,
    wrapped_key: String,
}

/// A freshly generated database key.
pub fn new_database_key() -> DatabaseKey {
    let mut key = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(key.as_mut());
    key
}

fn derive(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    let argon_params = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|e| StoreError::NotDoorstepData {
        path: "doorstep.key".into(),
        reason: e.to_string(),
    })?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params)
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|e| StoreError::NotDoorstepData {
            path: "doorstep.key".into(),
            reason: e.to_string(),
        })?;
    Ok(out)
}

/// Wraps `key` under `passphrase` and writes the key file atomically (temp file, fsync, rename).
pub fn write(path: &Path, key: &DatabaseKey, passphrase: &str, params: KdfParams) -> Result<()> {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let kek = derive(passphrase, &salt, params)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let wrapped = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: key.as_ref(),
                aad: AAD,
            },
        )
        .map_err(|_| StoreError::Io {
            path: path.into(),
            source: std::io::Error::other("key wrapping failed"),
        })?;
    let json = KeyFileJson {
        format: FORMAT.to_owned(),
        version: 1,
        kdf: "argon2id".to_owned(),
        params,
        salt: B64.encode(salt),
        cipher: "xchacha20poly1305".to_owned(),
        nonce: B64.encode(nonce),
        wrapped_key: B64.encode(wrapped),
    };
    let text = serde_json::to_vec_pretty(&json)?;
    let tmp = path.with_extension("key.tmp");
    {
        let mut file = fs::File::create(&tmp).map_err(StoreError::io(&tmp))?;
        file.write_all(&text).map_err(StoreError::io(&tmp))?;
        file.sync_all().map_err(StoreError::io(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(StoreError::io(path))?;
    if let Some(dir) = path.parent() {
        // Make the rename itself durable.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Reads the key file and unwraps the database key with `passphrase`.
pub fn unwrap(path: &Path, passphrase: &str) -> Result<DatabaseKey> {
    let text = fs::read(path).map_err(StoreError::io(path))?;
    let not_ours = |reason: &str| StoreError::NotDoorstepData {
        path: path.into(),
        reason: reason.to_owned(),
    };
    let json: KeyFileJson =
        serde_json::from_slice(&text).map_err(|_| not_ours("not a Doorstep key file"))?;
    if json.format != FORMAT || json.kdf != "argon2id" || json.cipher != "xchacha20poly1305" {
        return Err(not_ours("unknown key format"));
    }
    if json.version != 1 {
        return Err(not_ours("written by a newer Doorstep"));
    }
    let salt = B64
        .decode(&json.salt)
        .map_err(|_| not_ours("damaged salt"))?;
    let nonce = B64
        .decode(&json.nonce)
        .map_err(|_| not_ours("damaged nonce"))?;
    let wrapped = B64
        .decode(&json.wrapped_key)
        .map_err(|_| not_ours("damaged key"))?;
    if nonce.len() != 24 || salt.len() < 16 {
        return Err(not_ours("damaged key parameters"));
    }
    let kek = derive(passphrase, &salt, json.params)?;
    let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &wrapped,
                    aad: AAD,
                },
            )
            .map_err(|_| StoreError::WrongPassphrase)?,
    );
    let mut key = Zeroizing::new([0u8; 32]);
    if plain.len() != 32 {
        return Err(not_ours("wrapped key has the wrong length"));
    }
    key.copy_from_slice(&plain);
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_unwraps_and_refuses_a_wrong_passphrase() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doorstep.key");
        let key = new_database_key();
        write(
            &path,
            &key,
            "kettle harbour violet",
            KdfParams::INSECURE_FOR_TESTS,
        )
        .expect("write");
        let back = unwrap(&path, "kettle harbour violet").expect("unwrap");
        assert_eq!(*back, *key, "the same key comes back");
        assert!(matches!(
            unwrap(&path, "kettle harbour violeT"),
            Err(StoreError::WrongPassphrase)
        ));
        let text = fs::read_to_string(&path).expect("read");
        assert!(!text.contains("kettle"), "the passphrase is never stored");
    }

    #[test]
    fn a_file_that_is_not_a_key_file_is_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doorstep.key");
        fs::write(&path, b"hello").expect("write");
        match unwrap(&path, "x") {
            Err(StoreError::NotDoorstepData { path: p, .. }) => assert_eq!(p, path),
            other => panic!("expected NotDoorstepData, got {other:?}"),
        }
    }
}
