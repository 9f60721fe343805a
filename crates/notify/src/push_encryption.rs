//! The payload of a push notice, encrypted for the one browser that may read it: RFC 8291
//! (Message Encryption for Web Push) over RFC 8188's `aes128gcm` content coding, in one
//! record. Written on the RustCrypto crates, so the worker needs no system TLS library.

use aes_gcm::Aes128Gcm;
use aes_gcm::aead::{Aead, KeyInit};
use hkdf::Hkdf;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

/// The record size written in the header: one record holds any notice Timebok sends.
const RECORD_SIZE: u32 = 4096;
/// The AEAD tag, and the delimiter that marks the last (here the only) record.
const TAG_LENGTH: usize = 16;
const LAST_RECORD: u8 = 2;
/// The most a notice may carry so that it fits one record.
pub const MAX_PAYLOAD: usize = RECORD_SIZE as usize - TAG_LENGTH - 1;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncryptionError {
    #[error("the subscription's p256dh key is not a P-256 public key")]
    BadBrowserKey,
    #[error("the subscription's auth secret is not 16 bytes")]
    BadAuthSecret,
    #[error("the notice is longer than {MAX_PAYLOAD} bytes")]
    TooLong,
    #[error("no randomness for the message key")]
    NoRandomness,
    #[error("the payload could not be encrypted")]
    Cipher,
}

/// What a sender chooses afresh for every message: its key pair and the salt. Kept apart so
/// the encryption can be checked against RFC 8291's own example.
pub struct MessageSecrets {
    pub sender_key: SecretKey,
    pub salt: [u8; 16],
}

impl MessageSecrets {
    pub fn random() -> Result<Self, EncryptionError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|_| EncryptionError::NoRandomness)?;
        Ok(Self {
            sender_key: random_secret_key().ok_or(EncryptionError::NoRandomness)?,
            salt,
        })
    }
}

/// A fresh P-256 secret key, from the operating system's randomness.
pub fn random_secret_key() -> Option<SecretKey> {
    // Almost every 32 random bytes are a valid scalar; try again on the rare miss.
    for _ in 0..16 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).ok()?;
        if let Ok(key) = SecretKey::from_slice(&bytes) {
            return Some(key);
        }
    }
    None
}

/// The request body for a push service: the `aes128gcm` header (salt, record size, the
/// sender's public key) followed by the one encrypted record.
pub fn encrypt(
    browser_key: &[u8],
    auth_secret: &[u8],
    payload: &[u8],
    secrets: &MessageSecrets,
) -> Result<Vec<u8>, EncryptionError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(EncryptionError::TooLong);
    }
    if auth_secret.len() != 16 {
        return Err(EncryptionError::BadAuthSecret);
    }
    let browser =
        PublicKey::from_sec1_bytes(browser_key).map_err(|_| EncryptionError::BadBrowserKey)?;
    let browser_bytes = browser.to_sec1_bytes();
    let sender_public = secrets.sender_key.public_key().to_sec1_bytes();
    let shared = secrets.sender_key.diffie_hellman(&browser);

    // RFC 8291 §3.4: the input keying material binds the auth secret and both public keys.
    let mut key_info = Vec::with_capacity(14 + 65 + 65);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(&browser_bytes);
    key_info.extend_from_slice(&sender_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth_secret), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .map_err(|_| EncryptionError::Cipher)?;

    // RFC 8188 §2.2 and §2.3: the content encryption key and the nonce.
    let content = Hkdf::<Sha256>::new(Some(&secrets.salt), &ikm);
    let mut key = [0u8; 16];
    let mut nonce = [0u8; 12];
    content
        .expand(b"Content-Encoding: aes128gcm\0", &mut key)
        .map_err(|_| EncryptionError::Cipher)?;
    content
        .expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| EncryptionError::Cipher)?;

    let mut record = Vec::with_capacity(payload.len() + 1);
    record.extend_from_slice(payload);
    record.push(LAST_RECORD);
    let cipher = Aes128Gcm::new_from_slice(&key).map_err(|_| EncryptionError::Cipher)?;
    // The first record's nonce is the derived nonce itself (its sequence number is 0).
    let sealed = cipher
        .encrypt(&nonce.into(), record.as_slice())
        .map_err(|_| EncryptionError::Cipher)?;

    let mut body = Vec::with_capacity(16 + 4 + 1 + sender_public.len() + sealed.len());
    body.extend_from_slice(&secrets.salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(u8::try_from(sender_public.len()).map_err(|_| EncryptionError::Cipher)?);
    body.extend_from_slice(&sender_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn bytes(text: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(text).expect("base64url")
    }

    /// RFC 8291, Appendix A: the same keys, salt and plaintext give the same body, byte for
    /// byte.
    #[test]
    fn encrypts_rfc_8291s_example_exactly() {
        let secrets = MessageSecrets {
            sender_key: SecretKey::from_slice(&bytes(
                "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
            ))
            .expect("key"),
            salt: bytes("DGv6ra1nlYgDCS1FRnbzlw").try_into().expect("salt"),
        };
        let body = encrypt(
            &bytes(
                "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
            ),
            &bytes("BTBZMqHH6r4Tts7J_aSIgg"),
            b"When I grow up, I want to be a watermelon",
            &secrets,
        )
        .expect("encrypted");
        assert_eq!(
            URL_SAFE_NO_PAD.encode(body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    #[test]
    fn bad_keys_and_long_notices_are_refused() {
        let secrets = MessageSecrets::random().expect("secrets");
        let browser = random_secret_key()
            .expect("key")
            .public_key()
            .to_sec1_bytes();
        assert_eq!(
            encrypt(&[4; 65], &[0; 16], b"x", &secrets),
            Err(EncryptionError::BadBrowserKey)
        );
        assert_eq!(
            encrypt(&browser, &[0; 15], b"x", &secrets),
            Err(EncryptionError::BadAuthSecret)
        );
        assert_eq!(
            encrypt(&browser, &[0; 16], &[b'x'; MAX_PAYLOAD + 1], &secrets),
            Err(EncryptionError::TooLong)
        );
        assert!(encrypt(&browser, &[0; 16], &[b'x'; MAX_PAYLOAD], &secrets).is_ok());
    }
}
