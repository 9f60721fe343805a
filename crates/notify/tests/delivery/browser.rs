//! The browser's side of Web Push, as RFC 8291 and RFC 8188 describe it: its key pair and
//! auth secret, and the decryption of what the push service hands it. Written from the RFCs
//! apart from the sender, whose encryption is checked against RFC 8291's own example.

use aes_gcm::Aes128Gcm;
use aes_gcm::aead::{Aead, KeyInit};
use hkdf::Hkdf;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

pub struct Browser {
    secret: SecretKey,
    pub auth: [u8; 16],
}

impl Browser {
    pub fn new() -> Self {
        let mut bytes = [0u8; 32];
        let mut auth = [0u8; 16];
        getrandom::fill(&mut bytes).expect("random");
        getrandom::fill(&mut auth).expect("random");
        Self {
            secret: SecretKey::from_slice(&bytes).expect("a scalar"),
            auth,
        }
    }

    pub fn public_key(&self) -> Vec<u8> {
        self.secret.public_key().to_sec1_bytes().to_vec()
    }

    /// The plaintext of one `aes128gcm` body of a single record.
    pub fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        let (salt, rest) = body.split_at(16);
        let (record_size, rest) = rest.split_at(4);
        assert!(u32::from_be_bytes(record_size.try_into().expect("4")) >= 18);
        let (id_length, rest) = rest.split_first().expect("idlen");
        let (sender, sealed) = rest.split_at(usize::from(*id_length));
        let sender = PublicKey::from_sec1_bytes(sender).expect("the sender's key");
        let shared = self.secret.diffie_hellman(&sender);
        let info = [
            b"WebPush: info\0".as_slice(),
            &self.public_key(),
            &sender.to_sec1_bytes(),
        ]
        .concat();
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .expect("ikm");
        let content = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let (mut key, mut nonce) = ([0u8; 16], [0u8; 12]);
        content
            .expand(b"Content-Encoding: aes128gcm\0", &mut key)
            .expect("key");
        content
            .expand(b"Content-Encoding: nonce\0", &mut nonce)
            .expect("nonce");
        let mut plain = Aes128Gcm::new_from_slice(&key)
            .expect("key")
            .decrypt(&nonce.into(), sealed)
            .expect("the record decrypts");
        // The last record ends with 2, then any padding zeros, which are stripped from the end.
        while plain.last() == Some(&0) {
            plain.pop();
        }
        assert_eq!(plain.pop(), Some(2), "the last record's delimiter");
        plain
    }
}
