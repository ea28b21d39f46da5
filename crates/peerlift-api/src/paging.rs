//! Offset page tokens for lists computed whole on each call (a run's pairs, a network's
//! mentorships): opaque to clients, bound to the walk that issued them.

use crate::error::{ApiError, ApiResult};

/// A fingerprint of a list walk (what is listed, with which filters), so a page token is
/// accepted only by the walk that issued it (FNV-1a; not a secret, a mix-up guard).
pub fn walk_print(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.as_bytes().iter().chain([0u8].iter()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// An opaque page token: the next offset, mixed with the walk's fingerprint.
pub fn offset_token(offset: usize, print: u64) -> String {
    format!(
        "{:016x}{:016x}",
        (offset as u64) ^ print.rotate_left(17),
        print
    )
}

pub fn offset_from(token: &str, print: u64) -> ApiResult<usize> {
    if token.is_empty() {
        return Ok(0);
    }
    let bad = || {
        ApiError::invalid(
            "page_token",
            "is not a page token of this list call (with these filters)",
        )
    };
    if token.len() != 32 || !token.is_ascii() {
        return Err(bad());
    }
    let mixed = u64::from_str_radix(&token[..16], 16).map_err(|_| bad())?;
    let got = u64::from_str_radix(&token[16..], 16).map_err(|_| bad())?;
    if got != print {
        return Err(bad());
    }
    usize::try_from(mixed ^ print.rotate_left(17)).map_err(|_| bad())
}

/// One page of the positions `matching` over a run's list; the items, the next token and the
/// total that match.
pub fn page_of(
    matching: Vec<usize>,
    page_size: i32,
    token: &str,
    print: u64,
) -> ApiResult<(Vec<usize>, String, u64)> {
    let size = match page_size {
        0 => 100,
        n if n < 0 => return Err(ApiError::invalid("page_size", "must not be negative")),
        n => (n as usize).min(1000),
    };
    let start = offset_from(token, print)?;
    if start > matching.len() {
        return Err(ApiError::invalid(
            "page_token",
            "is past the end of this list",
        ));
    }
    let end = (start + size).min(matching.len());
    let next = if end < matching.len() {
        offset_token(end, print)
    } else {
        String::new()
    };
    let total = matching.len() as u64;
    Ok((matching[start..end].to_vec(), next, total))
}
