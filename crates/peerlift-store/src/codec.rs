//! The versioned binary encoding of records.
//!
//! A stored value is one version byte followed by the postcard encoding of the record. Postcard
//! is compact and has a specified wire format, but it is not self-describing: adding a field
//! changes the layout. So any change to a record's fields bumps its `VERSION`, and `decode`
//! keeps a branch that reads the previous layout and upgrades it. A version byte this binary
//! doesn't know is reported as corruption, never guessed at.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Result, StoreError, TreeId};

/// A record kind the store can keep.
pub trait Record: Serialize + DeserializeOwned + Clone + std::fmt::Debug {
    /// The tree the record lives in.
    const TREE: TreeId;
    /// The encoding version of the current layout.
    const VERSION: u8;
    /// The record's key in its tree.
    fn key(&self) -> Vec<u8>;
    /// Index entries the record implies (the store maintains them).
    fn index_keys(&self) -> Vec<crate::IndexKey> {
        Vec::new()
    }
    /// Reads a value written with an older encoding version and upgrades it; None when the
    /// version is not one this record ever had.
    fn decode_older(_version: u8, _body: &[u8]) -> Option<Result<Self>> {
        None
    }
}

/// Decodes a postcard body of type `T` completely (no trailing bytes).
pub fn decode_body<T: DeserializeOwned>(tree: TreeId, body: &[u8]) -> Result<T> {
    let (record, rest) = postcard::take_from_bytes::<T>(body).map_err(|e| StoreError::Corrupt {
        tree: tree.name(),
        reason: format!("cannot decode: {e}"),
    })?;
    if !rest.is_empty() {
        return Err(StoreError::Corrupt {
            tree: tree.name(),
            reason: format!("{} trailing bytes", rest.len()),
        });
    }
    Ok(record)
}

/// Encodes a record with its version byte.
pub fn encode<R: Record>(record: &R) -> Result<Vec<u8>> {
    let mut out = vec![R::VERSION];
    let body = postcard::to_stdvec(record).map_err(|e| StoreError::Corrupt {
        tree: R::TREE.name(),
        reason: format!("cannot encode: {e}"),
    })?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// Decodes a stored value.
pub fn decode<R: Record>(tree: TreeId, bytes: &[u8]) -> Result<R> {
    let (version, body) = bytes.split_first().ok_or_else(|| StoreError::Corrupt {
        tree: tree.name(),
        reason: "empty value".into(),
    })?;
    if *version != R::VERSION {
        if let Some(older) = R::decode_older(*version, body) {
            return older;
        }
        return Err(StoreError::Corrupt {
            tree: tree.name(),
            reason: format!(
                "record encoding version {version}, this binary reads version {}",
                R::VERSION
            ),
        });
    }
    let (record, rest) = postcard::take_from_bytes::<R>(body).map_err(|e| StoreError::Corrupt {
        tree: tree.name(),
        reason: format!("cannot decode: {e}"),
    })?;
    if !rest.is_empty() {
        return Err(StoreError::Corrupt {
            tree: tree.name(),
            reason: format!("{} trailing bytes", rest.len()),
        });
    }
    Ok(record)
}

/// The index entries of an encoded record; lets a type-erased batch op clean up the indexes of
/// the value it replaces.
pub(crate) fn index_of_encoded<R: Record>(bytes: &[u8]) -> Result<Vec<crate::IndexKey>> {
    Ok(decode::<R>(R::TREE, bytes)?.index_keys())
}

/// Serde helper: bytes as a lowercase hex string (readable and compact in JSON backups).
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        let mut out = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        s.serialize_str(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() % 2 != 0 {
            return Err(serde::de::Error::custom("odd number of hex digits"));
        }
        let digit = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        s.as_bytes()
            .chunks(2)
            .map(|p| match (digit(p[0]), digit(p[1])) {
                (Some(h), Some(l)) => Ok(h << 4 | l),
                _ => Err(serde::de::Error::custom("not a lowercase hex digit")),
            })
            .collect()
    }
}
