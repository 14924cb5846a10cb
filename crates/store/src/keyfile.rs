//! The database key, wrapped once for each person who may unlock this laptop's store.
//!
//! The database is encrypted with a random 256-bit key. That key is stored in
//! `doorstep.key`, once per person ("slot"): each slot holds the same key encrypted
//! (XChaCha20-Poly1305) under a key derived from that person's passphrase with
//! Argon2id. Changing a passphrase re-wraps 32 bytes in one slot; the database is never
//! rewritten. A wrong passphrase fails every slot's AEAD tag check before the database
//! is opened, so nothing is touched.
//!
//! Version 1 files (from before people could share a laptop) hold one slot with no
//! officer id: it belongs to the laptop's first user, named in the `settings` table.
//! Every write produces version 2, where each slot names its officer and the AEAD's
//! associated data binds that id, so a slot cannot be relabelled as someone else's
//! without its passphrase. A version 1 slot carried into a version 2 file keeps its
//! version 1 associated data (and no officer id) until its owner's passphrase re-wraps it.

use std::fs;
use std::io::Write;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use doorstep_core::OfficerId;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};

/// The raw database key; wiped from memory when dropped.
pub type DatabaseKey = Zeroizing<[u8; 32]>;

const FORMAT: &str = "doorstep-key";
const KDF: &str = "argon2id";
const CIPHER: &str = "xchacha20poly1305";
/// The associated data of a version 1 slot (and of one carried into a version 2 file).
const AAD_V1: &[u8] = b"doorstep-key-v1";
/// The prefix of a version 2 slot's associated data; the officer id follows it.
const AAD_V2_PREFIX: &str = "doorstep-key-v2:";
/// The version every write produces.
const CURRENT_VERSION: u32 = 2;

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

    /// The most a key file may ask for: 16 times the recommended memory, and far more
    /// passes and lanes than any Doorstep writes, yet an unlock still ends in seconds.
    pub const LIMIT: Self = Self {
        memory_kib: 1024 * 1024,
        iterations: 64,
        parallelism: 16,
    };

    /// Whether every parameter is at most [`Self::LIMIT`].
    pub fn within_limits(self) -> bool {
        self.memory_kib <= Self::LIMIT.memory_kib
            && self.iterations <= Self::LIMIT.iterations
            && self.parallelism <= Self::LIMIT.parallelism
    }
}

/// Just enough of any version to know how to read the rest.
#[derive(Debug, Deserialize)]
struct Header {
    format: String,
    version: u32,
}

/// One wrapping as stored: the whole of a version 1 file, or one slot of a version 2 file.
#[derive(Debug, Serialize, Deserialize)]
struct SlotJson {
    /// Absent in version 1 files, and null for a version 1 slot carried into version 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    officer_id: Option<String>,
    kdf: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
    cipher: String,
    nonce: String,
    wrapped_key: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct KeyFileV2Json {
    format: String,
    version: u32,
    slots: Vec<SlotJson>,
}

/// One person's wrapping of the database key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Slot {
    /// Whose passphrase opens it; None for a version 1 slot (the laptop's first user).
    officer_id: Option<OfficerId>,
    params: KdfParams,
    salt: Vec<u8>,
    nonce: [u8; 24],
    wrapped: Vec<u8>,
}

impl Slot {
    /// Wraps `key` for `officer_id` under `passphrase`, with a fresh salt and nonce.
    fn wrap(
        key: &DatabaseKey,
        officer_id: OfficerId,
        passphrase: &str,
        params: KdfParams,
    ) -> Result<Self> {
        let mut salt = vec![0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let kek = derive(passphrase, &salt, params)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let aad = aad(Some(officer_id));
        let wrapped = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.as_ref(),
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::Io {
                path: "doorstep.key".into(),
                source: std::io::Error::other("key wrapping failed"),
            })?;
        Ok(Self {
            officer_id: Some(officer_id),
            params,
            salt,
            nonce,
            wrapped,
        })
    }

    /// The database key, when `passphrase` opens this slot.
    fn open(&self, passphrase: &str) -> Result<Option<DatabaseKey>> {
        let kek = derive(passphrase, &self.salt, self.params)?;
        let cipher = XChaCha20Poly1305::new(kek.as_ref().into());
        let aad = aad(self.officer_id);
        let Ok(plain) = cipher.decrypt(
            XNonce::from_slice(&self.nonce),
            Payload {
                msg: &self.wrapped,
                aad: &aad,
            },
        ) else {
            return Ok(None);
        };
        let plain = Zeroizing::new(plain);
        if plain.len() != 32 {
            return Err(StoreError::NotDoorstepData {
                path: "doorstep.key".into(),
                reason: "wrapped key has the wrong length".to_owned(),
            });
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&plain);
        Ok(Some(key))
    }

    fn to_json(&self) -> SlotJson {
        SlotJson {
            officer_id: self.officer_id.map(|id| id.to_string()),
            kdf: KDF.to_owned(),
            params: self.params,
            salt: B64.encode(&self.salt),
            cipher: CIPHER.to_owned(),
            nonce: B64.encode(self.nonce),
            wrapped_key: B64.encode(&self.wrapped),
        }
    }

    fn from_json(json: SlotJson, not_ours: &impl Fn(&str) -> StoreError) -> Result<Self> {
        if json.kdf != KDF || json.cipher != CIPHER {
            return Err(not_ours("unknown key format"));
        }
        let officer_id = json
            .officer_id
            .map(|id| id.parse::<OfficerId>())
            .transpose()
            .map_err(|_| not_ours("damaged officer id"))?;
        let salt = B64
            .decode(&json.salt)
            .map_err(|_| not_ours("damaged salt"))?;
        let nonce = B64
            .decode(&json.nonce)
            .map_err(|_| not_ours("damaged nonce"))?;
        let wrapped = B64
            .decode(&json.wrapped_key)
            .map_err(|_| not_ours("damaged key"))?;
        let nonce: [u8; 24] = nonce
            .try_into()
            .map_err(|_| not_ours("damaged key parameters"))?;
        // A wrapped key is the 32-byte key and a 16-byte tag: any other length is a damaged
        // file, which "wrong passphrase" would send the officer retrying for nothing.
        if wrapped.len() != 32 + 16 {
            return Err(not_ours("damaged key"));
        }
        // Checked here so that trying each slot later cannot fail half way through.
        if salt.len() < 16 || argon2_params(json.params).is_err() {
            return Err(not_ours("damaged key parameters"));
        }
        // Argon2 takes what the file asks for: a hostile file asking for terabytes of memory
        // or billions of passes would abort or hang the app on unlock.
        if !json.params.within_limits() {
            return Err(not_ours(
                "its key parameters ask for more memory or time than Doorstep ever uses",
            ));
        }
        Ok(Self {
            officer_id,
            params: json.params,
            salt,
            nonce,
            wrapped,
        })
    }
}

/// The key file: the database key wrapped once for each person who may unlock it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFile {
    slots: Vec<Slot>,
}

impl KeyFile {
    /// A key file with one slot: `officer_id`'s, opened by `passphrase`.
    pub fn new(
        key: &DatabaseKey,
        officer_id: OfficerId,
        passphrase: &str,
        params: KdfParams,
    ) -> Result<Self> {
        Ok(Self {
            slots: vec![Slot::wrap(key, officer_id, passphrase, params)?],
        })
    }

    /// Reads a version 1 or version 2 key file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = fs::read(path).map_err(StoreError::io(path))?;
        let not_ours = |reason: &str| StoreError::NotDoorstepData {
            path: path.into(),
            reason: reason.to_owned(),
        };
        let header: Header =
            serde_json::from_slice(&text).map_err(|_| not_ours("not a Doorstep key file"))?;
        if header.format != FORMAT {
            return Err(not_ours("unknown key format"));
        }
        let slots = match header.version {
            1 => {
                let json: SlotJson = serde_json::from_slice(&text)
                    .map_err(|_| not_ours("not a Doorstep key file"))?;
                // A version 1 file never names its officer; one that does was tampered with.
                if json.officer_id.is_some() {
                    return Err(not_ours("unknown key format"));
                }
                vec![Slot::from_json(json, &not_ours)?]
            }
            2 => {
                let json: KeyFileV2Json = serde_json::from_slice(&text)
                    .map_err(|_| not_ours("not a Doorstep key file"))?;
                json.slots
                    .into_iter()
                    .map(|slot| Slot::from_json(slot, &not_ours))
                    .collect::<Result<Vec<_>>>()?
            }
            _ => return Err(not_ours("written by a newer Doorstep")),
        };
        if slots.is_empty() {
            return Err(not_ours("it holds no key"));
        }
        Ok(Self { slots })
    }

    /// Writes this key file as version 2, atomically (temp file, fsync, rename, fsync folder).
    pub fn write(&self, path: &Path) -> Result<()> {
        let json = KeyFileV2Json {
            format: FORMAT.to_owned(),
            version: CURRENT_VERSION,
            slots: self.slots.iter().map(Slot::to_json).collect(),
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

    /// Tries each slot with `passphrase`: the database key and whose slot opened
    /// (None for a version 1 slot, which belongs to the laptop's first user).
    pub fn unwrap(&self, passphrase: &str) -> Result<(DatabaseKey, Option<OfficerId>)> {
        self.unwrap_where(passphrase, |_| true)
    }

    /// As [`KeyFile::unwrap`], trying only the slots whose owner `consider` accepts.
    pub fn unwrap_where(
        &self,
        passphrase: &str,
        mut consider: impl FnMut(Option<OfficerId>) -> bool,
    ) -> Result<(DatabaseKey, Option<OfficerId>)> {
        for slot in self.slots.iter().filter(|s| consider(s.officer_id)) {
            if let Some(key) = slot.open(passphrase)? {
                return Ok((key, slot.officer_id));
            }
        }
        Err(StoreError::WrongPassphrase)
    }

    /// Whose slots this file holds, in order (None is a version 1 slot).
    pub fn owners(&self) -> Vec<Option<OfficerId>> {
        self.slots.iter().map(|s| s.officer_id).collect()
    }

    /// Wraps `key` for `officer_id` under `passphrase`, replacing any slot of theirs.
    pub fn set_slot(
        &mut self,
        key: &DatabaseKey,
        officer_id: OfficerId,
        passphrase: &str,
        params: KdfParams,
    ) -> Result<()> {
        let slot = Slot::wrap(key, officer_id, passphrase, params)?;
        match self
            .slots
            .iter_mut()
            .find(|s| s.officer_id == Some(officer_id))
        {
            Some(existing) => *existing = slot,
            None => self.slots.push(slot),
        }
        Ok(())
    }

    /// Removes the slot of `owner` (None: the version 1 slot); true if there was one.
    pub fn remove_slot(&mut self, owner: Option<OfficerId>) -> bool {
        let before = self.slots.len();
        self.slots.retain(|s| s.officer_id != owner);
        self.slots.len() != before
    }

    /// Keeps only the slots whose owner `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(Option<OfficerId>) -> bool) {
        self.slots.retain(|s| keep(s.officer_id));
    }
}

/// A freshly generated database key.
pub fn new_database_key() -> DatabaseKey {
    let mut key = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(key.as_mut());
    key
}

/// Writes a new key file with one slot, `officer_id`'s, opened by `passphrase`.
pub fn write(
    path: &Path,
    key: &DatabaseKey,
    officer_id: OfficerId,
    passphrase: &str,
    params: KdfParams,
) -> Result<()> {
    KeyFile::new(key, officer_id, passphrase, params)?.write(path)
}

/// Reads the key file and unwraps the database key with whichever slot `passphrase`
/// opens, saying whose it is (None for a version 1 slot).
pub fn unwrap(path: &Path, passphrase: &str) -> Result<(DatabaseKey, Option<OfficerId>)> {
    KeyFile::read(path)?.unwrap(passphrase)
}

/// Writes a version 1 file, as Doorstep did before people could share a laptop: one
/// unnamed slot. Only for tests that check old files still open.
#[doc(hidden)]
pub fn debug_write_version_1(
    path: &Path,
    key: &DatabaseKey,
    passphrase: &str,
    params: KdfParams,
) -> Result<()> {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let kek = derive(passphrase, &salt, params)?;
    let wrapped = XChaCha20Poly1305::new(kek.as_ref().into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: key.as_ref(),
                aad: AAD_V1,
            },
        )
        .map_err(|_| StoreError::Io {
            path: path.into(),
            source: std::io::Error::other("key wrapping failed"),
        })?;
    let json = serde_json::json!({
        "format": FORMAT,
        "version": 1,
        "kdf": KDF,
        "memory_kib": params.memory_kib,
        "iterations": params.iterations,
        "parallelism": params.parallelism,
        "salt": B64.encode(salt),
        "cipher": CIPHER,
        "nonce": B64.encode(nonce),
        "wrapped_key": B64.encode(wrapped),
    });
    fs::write(path, serde_json::to_vec_pretty(&json)?).map_err(StoreError::io(path))
}

/// What a slot's AEAD authenticates besides the key: version 2 slots bind their officer.
fn aad(officer_id: Option<OfficerId>) -> Vec<u8> {
    match officer_id {
        Some(id) => format!("{AAD_V2_PREFIX}{id}").into_bytes(),
        None => AAD_V1.to_vec(),
    }
}

fn argon2_params(params: KdfParams) -> std::result::Result<Params, argon2::Error> {
    Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
}

fn derive(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    let argon_params = argon2_params(params).map_err(|e| StoreError::NotDoorstepData {
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

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: &str = "kettle harbour violet";
    const SECOND: &str = "lantern orbit velvet quarry";

    #[test]
    fn wraps_and_unwraps_and_refuses_a_wrong_passphrase() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doorstep.key");
        let key = new_database_key();
        let officer = OfficerId::new();
        write(&path, &key, officer, FIRST, KdfParams::INSECURE_FOR_TESTS).expect("write");
        let (back, owner) = unwrap(&path, FIRST).expect("unwrap");
        assert_eq!(*back, *key, "the same key comes back");
        assert_eq!(owner, Some(officer));
        assert!(matches!(
            unwrap(&path, "kettle harbour violeT"),
            Err(StoreError::WrongPassphrase)
        ));
        let text = fs::read_to_string(&path).expect("read");
        assert!(!text.contains("kettle"), "the passphrase is never stored");
        assert!(text.contains("\"version\": 2"), "{text}");
    }

    #[test]
    fn a_key_file_asking_for_too_much_memory_or_time_is_refused_before_argon2_runs() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doorstep.key");
        let key = new_database_key();
        write(
            &path,
            &key,
            OfficerId::new(),
            FIRST,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .expect("write");
        let good = fs::read_to_string(&path).expect("read");
        assert!(
            KdfParams::RECOMMENDED.within_limits(),
            "what we write must open"
        );
        for (from, to, reason) in [
            (
                "\"memory_kib\": 256",
                "\"memory_kib\": 4294967295",
                "more memory or time",
            ),
            (
                "\"iterations\": 1",
                "\"iterations\": 4294967295",
                "more memory or time",
            ),
            (
                "\"parallelism\": 1",
                "\"parallelism\": 17",
                "more memory or time",
            ),
        ] {
            assert!(good.contains(from), "{good}");
            fs::write(&path, good.replacen(from, to, 1)).expect("write");
            match unwrap(&path, FIRST) {
                Err(StoreError::NotDoorstepData { reason: r, .. }) => {
                    assert!(r.contains(reason), "{to}: {r}");
                }
                other => panic!("{to}: expected a refusal, got {other:?}"),
            }
        }
    }

    #[test]
    fn two_slots_open_the_same_key_with_their_own_passphrases() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doorstep.key");
        let key = new_database_key();
        let (officer, supervisor) = (OfficerId::new(), OfficerId::new());
        let mut file =
            KeyFile::new(&key, officer, FIRST, KdfParams::INSECURE_FOR_TESTS).expect("new");
        file.set_slot(&key, supervisor, SECOND, KdfParams::INSECURE_FOR_TESTS)
            .expect("second slot");
        file.write(&path).expect("write");
        let before = fs::read(&path).expect("read");

        let (a, who_a) = unwrap(&path, FIRST).expect("first opens");
        let (b, who_b) = unwrap(&path, SECOND).expect("second opens");
        assert_eq!(*a, *key);
        assert_eq!(*b, *key, "both slots wrap the same database key");
        assert_eq!(who_a, Some(officer));
        assert_eq!(who_b, Some(supervisor));
        assert!(matches!(
            unwrap(&path, "neither of those"),
            Err(StoreError::WrongPassphrase)
        ));
        assert_eq!(
            fs::read(&path).expect("read"),
            before,
            "a wrong passphrase touches nothing"
        );
    }

    #[test]
    fn a_slot_relabelled_as_someone_else_does_not_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doorstep.key");
        let key = new_database_key();
        let (officer, supervisor) = (OfficerId::new(), OfficerId::new());
        write(&path, &key, officer, FIRST, KdfParams::INSECURE_FOR_TESTS).expect("write");
        let text = fs::read_to_string(&path).expect("read");
        let forged = text.replace(&officer.to_string(), &supervisor.to_string());
        fs::write(&path, forged).expect("forge");
        assert!(matches!(
            unwrap(&path, FIRST),
            Err(StoreError::WrongPassphrase)
        ));
    }

    #[test]
    fn a_version_1_file_still_opens_and_is_rewritten_as_version_2() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doorstep.key");
        let key = new_database_key();
        debug_write_version_1(&path, &key, FIRST, KdfParams::INSECURE_FOR_TESTS).expect("write v1");
        let (back, owner) = unwrap(&path, FIRST).expect("v1 opens");
        assert_eq!(*back, *key);
        assert_eq!(owner, None, "a v1 slot names no officer");
        assert!(matches!(
            unwrap(&path, SECOND),
            Err(StoreError::WrongPassphrase)
        ));

        let supervisor = OfficerId::new();
        let mut file = KeyFile::read(&path).expect("read v1");
        file.set_slot(&key, supervisor, SECOND, KdfParams::INSECURE_FOR_TESTS)
            .expect("add");
        file.write(&path).expect("write v2");
        assert!(
            fs::read_to_string(&path)
                .expect("read")
                .contains("\"version\": 2")
        );
        assert_eq!(unwrap(&path, FIRST).expect("v1 slot still opens").1, None);
        assert_eq!(
            unwrap(&path, SECOND).expect("new slot opens").1,
            Some(supervisor)
        );
    }

    #[test]
    fn removing_a_slot_leaves_the_others() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doorstep.key");
        let key = new_database_key();
        let (officer, supervisor) = (OfficerId::new(), OfficerId::new());
        let mut file =
            KeyFile::new(&key, officer, FIRST, KdfParams::INSECURE_FOR_TESTS).expect("new");
        file.set_slot(&key, supervisor, SECOND, KdfParams::INSECURE_FOR_TESTS)
            .expect("second slot");
        assert!(file.remove_slot(Some(supervisor)));
        assert!(!file.remove_slot(Some(supervisor)), "already gone");
        file.write(&path).expect("write");
        assert!(matches!(
            unwrap(&path, SECOND),
            Err(StoreError::WrongPassphrase)
        ));
        assert_eq!(unwrap(&path, FIRST).expect("first opens").1, Some(officer));
        assert_eq!(
            KeyFile::read(&path).expect("read").owners(),
            [Some(officer)]
        );
    }

    #[test]
    fn re_wrapping_a_slot_replaces_only_that_slot() {
        let key = new_database_key();
        let (officer, supervisor) = (OfficerId::new(), OfficerId::new());
        let mut file =
            KeyFile::new(&key, officer, FIRST, KdfParams::INSECURE_FOR_TESTS).expect("new");
        file.set_slot(&key, supervisor, SECOND, KdfParams::INSECURE_FOR_TESTS)
            .expect("second slot");
        file.set_slot(
            &key,
            supervisor,
            "a brand new supervisor phrase",
            KdfParams::INSECURE_FOR_TESTS,
        )
        .expect("re-wrap");
        assert_eq!(file.owners(), [Some(officer), Some(supervisor)]);
        assert!(matches!(
            file.unwrap(SECOND),
            Err(StoreError::WrongPassphrase)
        ));
        assert_eq!(file.unwrap(FIRST).expect("first").1, Some(officer));
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

    #[test]
    fn a_newer_version_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("doorstep.key");
        fs::write(
            &path,
            br#"{"format":"doorstep-key","version":3,"slots":[]}"#,
        )
        .expect("write");
        match KeyFile::read(&path) {
            Err(StoreError::NotDoorstepData { reason, .. }) => {
                assert!(reason.contains("newer"), "{reason}");
            }
            other => panic!("expected NotDoorstepData, got {other:?}"),
        }
    }
}
