//! Whether a device's credential is good now, judged in memory: the backend reads the
//! enrolment code or token row (inside the transaction that will act on the answer), the
//! judge here decides, and the backend writes what the decision says. Both backends
//! therefore refuse the same requests, in the same order of checks, and the rules are
//! proved here once rather than through each database.

use crate::model::Refusal;

/// An enrolment code's row, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRow {
    /// The user the code enrols a device for.
    pub user_id: String,
    /// When the code stops working (Unix ms).
    pub expires_at: i64,
    /// When an earlier enrolment spent it, if one did.
    pub used_at: Option<i64>,
}

/// A token's row joined with its device, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// The device the token was issued to.
    pub device_id: String,
    /// When the token stops working (Unix ms).
    pub expires_at: i64,
    /// When a refresh spent it (refresh tokens only; an access token is never spent).
    pub used_at: Option<i64>,
    /// When its device was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// When a replayed refresh token of its device withdrew it, if one did.
    pub withdrawn_at: Option<i64>,
}

/// Whether an enrolment may go ahead: the code `code` (None: no code has the digest) and
/// whether a device with the requested id exists already. Ok carries the user to enrol.
pub fn judge_enrol(
    code: Option<CodeRow>,
    device_taken: bool,
    device_id: &str,
    now: i64,
) -> Result<String, Refusal> {
    let Some(code) = code else {
        return Err(Refusal::UnknownCode);
    };
    if code.used_at.is_some() {
        return Err(Refusal::CodeUsed);
    }
    if code.expires_at <= now {
        return Err(Refusal::CodeExpired);
    }
    if device_taken {
        return Err(Refusal::Duplicate(format!("device {device_id}")));
    }
    Ok(code.user_id)
}

/// What a refresh does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshVerdict {
    /// Spend the token and issue a new pair to the device.
    Grant {
        /// The device the new pair is for.
        device_id: String,
    },
    /// Refuse, writing nothing.
    Refuse(Refusal),
    /// A spent refresh token came back, so someone holds a copy: withdraw every token of
    /// the device, keep that (it is the point of the check), and refuse.
    WithdrawAndRefuse {
        /// The device whose tokens are withdrawn.
        device_id: String,
    },
}

/// What to do with a refresh token `token` (None: no refresh token has the digest)
/// presented by a device claiming to be `claimed_device`.
pub fn judge_refresh(token: Option<TokenRow>, claimed_device: &str, now: i64) -> RefreshVerdict {
    let Some(token) = token else {
        return RefreshVerdict::Refuse(Refusal::UnknownToken);
    };
    if token.device_id != claimed_device {
        return RefreshVerdict::Refuse(Refusal::ForgedDevice);
    }
    if token.revoked_at.is_some() {
        return RefreshVerdict::Refuse(Refusal::DeviceRevoked {
            device_id: token.device_id,
        });
    }
    if token.used_at.is_some() {
        return RefreshVerdict::WithdrawAndRefuse {
            device_id: token.device_id,
        };
    }
    if token.withdrawn_at.is_some() {
        return RefreshVerdict::Refuse(Refusal::TokenWithdrawn);
    }
    if token.expires_at <= now {
        return RefreshVerdict::Refuse(Refusal::TokenExpired);
    }
    RefreshVerdict::Grant {
        device_id: token.device_id,
    }
}

/// Whether an access token `token` (None: no access token has the digest) lets its
/// device in now. Ok carries the device.
pub fn judge_access(token: Option<TokenRow>, now: i64) -> Result<String, Refusal> {
    let Some(token) = token else {
        return Err(Refusal::UnknownToken);
    };
    if token.revoked_at.is_some() {
        return Err(Refusal::DeviceRevoked {
            device_id: token.device_id,
        });
    }
    if token.withdrawn_at.is_some() {
        return Err(Refusal::TokenWithdrawn);
    }
    if token.expires_at <= now {
        return Err(Refusal::TokenExpired);
    }
    Ok(token.device_id)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    const NOW: i64 = 1_000_000;
    const DEVICE: &str = "device-a";

    fn code(expires_at: i64, used_at: Option<i64>) -> Option<CodeRow> {
        Some(CodeRow {
            user_id: "user-1".into(),
            expires_at,
            used_at,
        })
    }

    #[rstest]
    #[case::unknown_code(None, false, Err(Refusal::UnknownCode))]
    #[case::used_code(code(NOW + 1, Some(NOW - 5)), false, Err(Refusal::CodeUsed))]
    #[case::used_beats_expired(code(NOW - 1, Some(NOW - 5)), false, Err(Refusal::CodeUsed))]
    #[case::expired(code(NOW - 1, None), false, Err(Refusal::CodeExpired))]
    #[case::expires_this_instant(code(NOW, None), false, Err(Refusal::CodeExpired))]
    #[case::expired_beats_taken(code(NOW - 1, None), true, Err(Refusal::CodeExpired))]
    #[case::device_id_taken(
        code(NOW + 1, None),
        true,
        Err(Refusal::Duplicate(format!("device {DEVICE}")))
    )]
    #[case::good(code(NOW + 1, None), false, Ok("user-1".to_owned()))]
    fn enrolment(
        #[case] row: Option<CodeRow>,
        #[case] taken: bool,
        #[case] expected: Result<String, Refusal>,
    ) {
        assert_eq!(judge_enrol(row, taken, DEVICE, NOW), expected);
    }

    /// A token row of `DEVICE`: valid unless a case changes it.
    fn token(change: impl FnOnce(&mut TokenRow)) -> Option<TokenRow> {
        let mut row = TokenRow {
            device_id: DEVICE.into(),
            expires_at: NOW + 1,
            used_at: None,
            revoked_at: None,
            withdrawn_at: None,
        };
        change(&mut row);
        Some(row)
    }

    fn refuse(refusal: Refusal) -> RefreshVerdict {
        RefreshVerdict::Refuse(refusal)
    }

    fn revoked() -> Refusal {
        Refusal::DeviceRevoked {
            device_id: DEVICE.into(),
        }
    }

    #[rstest]
    #[case::unknown_token(None, DEVICE, refuse(Refusal::UnknownToken))]
    #[case::another_devices_token(token(|_| {}), "device-b", refuse(Refusal::ForgedDevice))]
    #[case::forged_beats_revoked(
        token(|t| t.revoked_at = Some(NOW - 1)),
        "device-b",
        refuse(Refusal::ForgedDevice)
    )]
    #[case::revoked_device(token(|t| t.revoked_at = Some(NOW - 1)), DEVICE, refuse(revoked()))]
    #[case::revoked_beats_replayed(
        token(|t| { t.revoked_at = Some(NOW - 1); t.used_at = Some(NOW - 2); }),
        DEVICE,
        refuse(revoked())
    )]
    #[case::replayed(
        token(|t| t.used_at = Some(NOW - 1)),
        DEVICE,
        RefreshVerdict::WithdrawAndRefuse { device_id: DEVICE.into() }
    )]
    #[case::replayed_after_expiry(
        token(|t| { t.used_at = Some(NOW - 1); t.expires_at = NOW - 1; }),
        DEVICE,
        RefreshVerdict::WithdrawAndRefuse { device_id: DEVICE.into() }
    )]
    #[case::withdrawn(
        token(|t| t.withdrawn_at = Some(NOW - 1)),
        DEVICE,
        refuse(Refusal::TokenWithdrawn)
    )]
    #[case::withdrawn_beats_expired(
        token(|t| { t.withdrawn_at = Some(NOW - 1); t.expires_at = NOW - 1; }),
        DEVICE,
        refuse(Refusal::TokenWithdrawn)
    )]
    #[case::expired(token(|t| t.expires_at = NOW), DEVICE, refuse(Refusal::TokenExpired))]
    #[case::good(token(|_| {}), DEVICE, RefreshVerdict::Grant { device_id: DEVICE.into() })]
    fn refresh(
        #[case] row: Option<TokenRow>,
        #[case] claimed: &str,
        #[case] expected: RefreshVerdict,
    ) {
        assert_eq!(judge_refresh(row, claimed, NOW), expected);
    }

    #[rstest]
    #[case::unknown_token(None, Err(Refusal::UnknownToken))]
    #[case::revoked_device(token(|t| t.revoked_at = Some(NOW - 1)), Err(revoked()))]
    #[case::revoked_beats_withdrawn(
        token(|t| { t.revoked_at = Some(NOW - 1); t.withdrawn_at = Some(NOW - 1); }),
        Err(revoked())
    )]
    #[case::withdrawn(token(|t| t.withdrawn_at = Some(NOW - 1)), Err(Refusal::TokenWithdrawn))]
    #[case::withdrawn_beats_expired(
        token(|t| { t.withdrawn_at = Some(NOW - 1); t.expires_at = NOW - 1; }),
        Err(Refusal::TokenWithdrawn)
    )]
    #[case::expired(token(|t| t.expires_at = NOW), Err(Refusal::TokenExpired))]
    #[case::good(token(|_| {}), Ok(DEVICE.to_owned()))]
    fn access(#[case] row: Option<TokenRow>, #[case] expected: Result<String, Refusal>) {
        assert_eq!(judge_access(row, NOW), expected);
    }
}
