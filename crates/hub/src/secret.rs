//! Tokens and enrolment codes: random secrets handed out once and stored only as SHA-256.

use sha2::{Digest, Sha256};

/// Which kind of bearer secret a token is; the prefix tells them apart in a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Short-lived; sent with every push and pull.
    Access,
    /// Longer-lived; spent once to get a new pair.
    Refresh,
}

impl TokenKind {
    /// The word stored in the `tokens.kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Access => "dsa_",
            Self::Refresh => "dsr_",
        }
    }
}

/// The OS random source failed: nothing safe can be handed out.
#[derive(Debug, thiserror::Error)]
#[error("the system's random source failed: {0}")]
pub struct RandomError(pub(crate) String);

/// `N` bytes from the OS random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(bytes)
}

/// Writes a secret (a key, an identity) to a new file only its owner may read, synced to
/// disk; an existing file is never overwritten (`AlreadyExists`), as the data it opens
/// would be lost with it.
pub fn write_private_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Bytes as lowercase hex, the form digests are stored and named in.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// The SHA-256 of a secret, as lowercase hex: what the database keeps.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A new bearer token: a kind prefix and 256 random bits.
pub fn new_token(kind: TokenKind) -> Result<String, RandomError> {
    let bytes: [u8; 32] = random_bytes()?;
    Ok(format!("{}{}", kind.prefix(), hex(&bytes)))
}

/// Letters and digits that cannot be mistaken for each other when read aloud or typed
/// (no 0/O, 1/I/L, U).
const CODE_ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new one-time enrolment code: 15 characters (about 73 bits) in groups of five,
/// e.g. `K7M2Q-9XRTA-4HWZC`.
pub fn new_enrolment_code() -> Result<String, RandomError> {
    // The modulo in `random_grouped` leaves a slight bias, harmless for a one-time code
    // that also expires.
    random_grouped::<15>(CODE_ALPHABET)
}

/// `N` random characters of `alphabet` in groups of five joined by `-`, for a person to
/// read or type. Each is a random byte modulo the alphabet's length: slightly biased,
/// so only for one-time secrets with bits to spare.
pub fn random_grouped<const N: usize>(alphabet: &[u8; 30]) -> Result<String, RandomError> {
    let bytes: [u8; N] = random_bytes()?;
    let mut out = String::with_capacity(N + N / 5);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        out.push(char::from(alphabet[usize::from(*b) % alphabet.len()]));
    }
    Ok(out)
}

/// An enrolment code as typed: case, spaces and dashes do not matter.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The stored digest of an enrolment code, however it was typed.
pub fn code_digest(code: &str) -> String {
    digest(&normalise_code(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_and_distinct() {
        let a = new_token(TokenKind::Access).unwrap();
        let b = new_token(TokenKind::Access).unwrap();
        assert!(a.starts_with("dsa_"));
        assert_eq!(a.len(), 4 + 64);
        assert_ne!(a, b);
        assert!(new_token(TokenKind::Refresh).unwrap().starts_with("dsr_"));
    }

    #[test]
    fn codes_survive_retyping() {
        let code = new_enrolment_code().unwrap();
        assert_eq!(code.len(), 17);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(code_digest(&code), code_digest(&typed));
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
