//! Key layout: components joined by 0x00. Ids never contain 0x00 (the domain's id rules), so
//! the byte order of keys is the order of (component 1, component 2, ...), and a prefix ending
//! in 0x00 selects exactly the keys under those components.

/// Joins components: `key(&["m", "s1"])` is `m\0s1`.
pub fn key(parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(0);
        }
        out.extend_from_slice(p.as_bytes());
    }
    out
}

/// The prefix of all keys under `parts`: `prefix(&["m"])` is `m\0`.
pub fn prefix(parts: &[&str]) -> Vec<u8> {
    let mut k = key(parts);
    if !parts.is_empty() {
        k.push(0);
    }
    k
}

/// Splits a key back into its components.
pub fn split_key(key: &[u8]) -> Vec<String> {
    key.split(|b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}

/// The smallest key greater than every key starting with `prefix` (None: no bound).
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_by_components() {
        assert!(key(&["m", "a"]) < key(&["m", "a-b"]));
        assert!(key(&["m", "a-b"]) < key(&["m", "b"]));
        assert!(key(&["m", "zzz"]) < key(&["m2", "a"]));
        assert!(key(&["m", "zzz"]).starts_with(&prefix(&["m"])));
        assert!(!key(&["m2", "a"]).starts_with(&prefix(&["m"])));
        assert_eq!(split_key(&key(&["m", "x", "y"])), ["m", "x", "y"]);
        assert_eq!(prefix_end(b"m\0"), Some(b"m\x01".to_vec()));
        assert_eq!(prefix_end(&[0xff]), None);
    }
}
