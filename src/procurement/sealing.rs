//! Sealed bids (DOMAIN §5). A bid's canonical content — price, proposal text, the list of its
//! files, and a random salt — is serialised to fixed-order JSON; its SHA-256 is the receipt
//! digest, published at opening. The content is encrypted with XChaCha20-Poly1305 under a
//! per-project subkey derived by HKDF-SHA256 from the dedicated bid-sealing key (never the
//! cookie secret), with the key id stored beside each ciphertext and the bid's identity
//! (project, round, organization, envelope) as associated data, so a ciphertext moved to
//! another row does not open. Files are encrypted the same way and stored under a random id.
//!
//! Residual risk, stated: whoever holds both the sealing key and the database can read bids.

use crate::platform::config::KeyMaterial;
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const NONCE_LEN: usize = 24;

#[derive(Clone)]
pub struct Sealer {
    key_id: String,
    ikm: Vec<u8>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealer({}, ***)", self.key_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    /// Base64 of the 24-byte nonce.
    pub nonce: String,
    /// Base64 of the ciphertext with its tag.
    pub sealed: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the bid was sealed under key `{0}`, which is not configured")]
    UnknownKey(&'static str),
    #[error("the sealed content does not open: altered, moved, or another key")]
    Corrupt,
}

/// One file of a bid, as listed inside its sealed content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidFile {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// The required qualification document the file is (`Requirement::key`), if any. Absent
    /// from the canonical JSON when none, so bids sealed before it existed keep their digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
}

/// The canonical content of a bid. Field order is the serialisation order; the digest covers
/// exactly these bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidContent {
    pub v: u8,
    pub project: String,
    pub round: i64,
    pub org: i64,
    pub envelope: String,
    /// Yuan with two decimals, e.g. "385000.00".
    pub price: String,
    pub proposal: String,
    pub files: Vec<BidFile>,
    /// The enterprise size the bid's 中小企业声明函 declares (`EnterpriseSize` code), if any
    /// (issue 22, item 5). Absent from the canonical JSON when none, so bids sealed before it
    /// existed keep their digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sme: Option<String>,
    /// 32 random bytes, hex: the digest of a bare price could otherwise be guessed.
    pub salt: String,
}

impl BidContent {
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.canonical()))
    }
}

pub fn new_salt() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A random file id (128 bits, hex): never derived from the file's content.
pub fn new_file_id() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The associated data binding a ciphertext to its bid's place.
pub fn bid_aad(project: i64, round: i64, org: i64, envelope: &str) -> Vec<u8> {
    format!("huoban-bid:v1:project={project}:round={round}:org={org}:envelope={envelope}")
        .into_bytes()
}

impl Sealer {
    pub fn new(k: &KeyMaterial) -> Sealer {
        Sealer {
            key_id: k.id.clone(),
            ikm: k.bytes.clone(),
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    fn cipher(&self, project: i64) -> Result<XChaCha20Poly1305, SealError> {
        let hk = Hkdf::<Sha256>::new(Some(b"huoban-bid-sealing-v1"), &self.ikm);
        let mut okm = [0u8; 32];
        hk.expand(format!("project:{project}").as_bytes(), &mut okm)
            .map_err(|_| SealError::Corrupt)?;
        XChaCha20Poly1305::new_from_slice(&okm).map_err(|_| SealError::Corrupt)
    }

    fn check_key(&self, key_id: &str) -> Result<(), SealError> {
        if key_id == self.key_id {
            Ok(())
        } else {
            Err(SealError::UnknownKey("bid_sealing"))
        }
    }

    pub fn seal(&self, project: i64, aad: &[u8], plain: &[u8]) -> Result<Sealed, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher(project)?
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
            .map_err(|_| SealError::Corrupt)?;
        Ok(Sealed {
            key_id: self.key_id.clone(),
            nonce: B64.encode(nonce),
            sealed: B64.encode(ct),
        })
    }

    pub fn open(&self, project: i64, aad: &[u8], s: &Sealed) -> Result<Vec<u8>, SealError> {
        self.check_key(&s.key_id)?;
        let nonce = B64.decode(&s.nonce).map_err(|_| SealError::Corrupt)?;
        let ct = B64.decode(&s.sealed).map_err(|_| SealError::Corrupt)?;
        if nonce.len() != NONCE_LEN {
            return Err(SealError::Corrupt);
        }
        self.cipher(project)?
            .decrypt(XNonce::from_slice(&nonce), Payload { msg: &ct, aad })
            .map_err(|_| SealError::Corrupt)
    }

    /// Seals a bid's content and returns it with the receipt digest.
    pub fn seal_bid(&self, project: i64, content: &BidContent) -> Result<Sealed, SealError> {
        let aad = bid_aad(project, content.round, content.org, &content.envelope);
        self.seal(project, &aad, &content.canonical())
    }

    pub fn open_bid(
        &self,
        project: i64,
        round: i64,
        org: i64,
        envelope: &str,
        s: &Sealed,
    ) -> Result<BidContent, SealError> {
        let plain = self.open(project, &bid_aad(project, round, org, envelope), s)?;
        serde_json::from_slice(&plain).map_err(|_| SealError::Corrupt)
    }

    /// A file on disk: key id, a NUL, the nonce, then the ciphertext; the file id is the
    /// associated data.
    pub fn seal_file(
        &self,
        project: i64,
        file_id: &str,
        bytes: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        let s = self.seal(project, file_id.as_bytes(), bytes)?;
        let nonce = B64.decode(&s.nonce).map_err(|_| SealError::Corrupt)?;
        let ct = B64.decode(&s.sealed).map_err(|_| SealError::Corrupt)?;
        let mut out = Vec::with_capacity(s.key_id.len() + 1 + nonce.len() + ct.len());
        out.extend_from_slice(s.key_id.as_bytes());
        out.push(0);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open_file(
        &self,
        project: i64,
        file_id: &str,
        stored: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        let sep = stored
            .iter()
            .position(|b| *b == 0)
            .ok_or(SealError::Corrupt)?;
        let key_id = std::str::from_utf8(&stored[..sep]).map_err(|_| SealError::Corrupt)?;
        self.check_key(key_id)?;
        let rest = &stored[sep + 1..];
        if rest.len() < NONCE_LEN {
            return Err(SealError::Corrupt);
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        self.cipher(project)?
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: file_id.as_bytes(),
                },
            )
            .map_err(|_| SealError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(id: &str, byte: u8) -> Sealer {
        Sealer::new(&KeyMaterial {
            id: id.into(),
            bytes: vec![byte; 32],
        })
    }

    fn content() -> BidContent {
        BidContent {
            v: 1,
            project: "NBMZ-2026-001".into(),
            round: 1,
            org: 7,
            envelope: "initial".into(),
            price: "385000.00".into(),
            proposal: "社区居家养老服务方案".into(),
            files: vec![],
            sme: None,
            salt: new_salt(),
        }
    }

    #[test]
    fn round_trip_and_binding() {
        let s = sealer("k1", 9);
        let c = content();
        let sealed = s.seal_bid(3, &c).unwrap_or_else(|e| panic!("{e}"));
        assert!(!sealed.sealed.contains("385000"));
        let back = s
            .open_bid(3, 1, 7, "initial", &sealed)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, c);
        assert_eq!(back.digest(), c.digest());
        // Another project's subkey, another organization's row, another key: nothing opens.
        assert_eq!(
            s.open_bid(4, 1, 7, "initial", &sealed),
            Err(SealError::Corrupt)
        );
        assert_eq!(
            s.open_bid(3, 1, 8, "initial", &sealed),
            Err(SealError::Corrupt)
        );
        assert_eq!(
            sealer("k1", 8).open_bid(3, 1, 7, "initial", &sealed),
            Err(SealError::Corrupt)
        );
        assert!(matches!(
            sealer("k2", 9).open_bid(3, 1, 7, "initial", &sealed),
            Err(SealError::UnknownKey(_))
        ));
    }

    /// A file listed before files named their qualification document keeps its canonical
    /// bytes, so a bid sealed then still matches its receipt digest at the opening.
    #[test]
    fn a_file_without_a_requirement_keeps_the_old_canonical_form() {
        let old = r#"{"v":1,"project":"NBMZ-2026-001","round":1,"org":7,"envelope":"initial","price":"385000.00","proposal":"方案","files":[{"id":"ab","name":"a.pdf","content_type":"application/pdf","size":3,"sha256":"cd"}],"salt":"ef"}"#;
        let c: BidContent = serde_json::from_str(old).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.files[0].requirement, None);
        assert_eq!(c.canonical(), old.as_bytes());
        let mut with = c.clone();
        with.files[0].requirement = Some("tax".into());
        let text = String::from_utf8(with.canonical()).unwrap_or_default();
        assert!(text.contains(r#""sha256":"cd","requirement":"tax"}"#));
        assert_ne!(with.digest(), c.digest());
    }

    #[test]
    fn salt_makes_equal_prices_differ() {
        let (a, b) = (content(), content());
        assert_ne!(a.digest(), b.digest());
        assert_eq!(a.digest().len(), 64);
    }

    #[test]
    fn files_round_trip() {
        let s = sealer("k1", 1);
        let id = new_file_id();
        let stored = s
            .seal_file(5, &id, b"%PDF-1.4 proposal")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!stored.windows(8).any(|w| w == b"proposal"));
        assert_eq!(
            s.open_file(5, &id, &stored).unwrap_or_default(),
            b"%PDF-1.4 proposal".to_vec()
        );
        assert_eq!(s.open_file(5, "other", &stored), Err(SealError::Corrupt));
    }
}
