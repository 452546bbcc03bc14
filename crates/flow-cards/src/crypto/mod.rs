//! Crypto cards: hashes, UUIDs and random text from the operating system's secure random
//! source. (HMAC and JWT need a secret key, which a flow should not hold in its text or in its
//! records; they wait for a secret-holding connection kind.)

cards!(hash, random, uuid);

use flow_card::CardError;

/// Fills `buf` from the operating system's secure random source.
pub(crate) fn secure_random(buf: &mut [u8]) -> Result<(), CardError> {
    getrandom::fill(buf).map_err(|e| {
        CardError::new(
            flow_card::ErrorKind::Config,
            format!("no secure random source: {e}"),
        )
    })
}
