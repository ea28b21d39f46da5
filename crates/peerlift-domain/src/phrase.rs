//! Text for people, kept as a message of the catalogue and its arguments, not as English.
//!
//! The matcher and the scheduler explain themselves (why a demand has no mentor, why a pair
//! ends, why a session found no slot, what a run can claim). Those explanations are stored with
//! runs and proposals and read later, by an office that reads Russian or an integrator that
//! reads English; so they are kept as a key of the message catalogue (`peerlift-text`) with
//! their arguments, and said in the reader's language when they are read.
//!
//! A phrase is stored as a string, so records written before phrases existed (plain English)
//! read back unchanged as verbatim phrases, and the records' layout did not change: a
//! structured phrase is `\u{1}` followed by its JSON. Text an office typed (a manual end
//! reason, a veto's reason) is a verbatim phrase: it is said as it was written.

use serde::{Deserialize, Serialize};

/// A catalogue message and its arguments; or, with an empty key, text said as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct Phrase {
    /// The catalogue's message id; empty for verbatim text (then the one argument `text`).
    pub key: String,
    pub args: Vec<(String, Arg)>,
}

/// An argument of a phrase. Stored untagged: a JSON number, string, object or array tells
/// which it is, which keeps stored phrases short (runs hold one per score term).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    /// A count or a whole number: it chooses plural forms.
    Num(i64),
    /// An id, a name, a date: said as it is.
    Text(String),
    /// A phrase inside a phrase (a run's reason inside "ended by run ...").
    Phrase(Box<Nested>),
    /// A code with a name in the catalogue (a built-in subject, a school status): said by
    /// that name, or as the code when the catalogue has none (a municipality's own subject).
    Named(Box<Named>),
    /// Counted reasons: each key said with its count, in this order, joined by commas
    /// ("3 vetoed, 2 too far").
    Counts(Vec<(String, i64)>),
}

/// A catalogue key and the text said when the catalogue has no such message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub n: String,
    pub t: String,
}

/// A phrase as an argument of another (stored as an object, so it is not read as text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nested {
    pub k: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub a: Vec<(String, Arg)>,
}

impl From<Phrase> for Nested {
    fn from(p: Phrase) -> Nested {
        Nested {
            k: p.key,
            a: p.args,
        }
    }
}

impl From<Nested> for Phrase {
    fn from(n: Nested) -> Phrase {
        Phrase {
            key: n.k,
            args: n.a,
        }
    }
}

/// The marker of a structured phrase in its stored string: a control character no verbatim
/// text written through the API can start with (validation refuses control characters).
/// `MARK key` alone, or `MARK key ARGS json-of-the-arguments`.
const MARK: char = '\u{1}';
const ARGS: char = '\u{2}';

impl Phrase {
    /// The message `key` of the catalogue, without arguments yet.
    pub fn new(key: &str) -> Phrase {
        Phrase {
            key: key.to_string(),
            args: Vec::new(),
        }
    }

    /// Text said as it is, in every language.
    pub fn verbatim(text: impl Into<String>) -> Phrase {
        Phrase {
            key: String::new(),
            args: vec![("text".into(), Arg::Text(text.into()))],
        }
    }

    /// Adds a number argument.
    pub fn num(mut self, name: &str, n: impl TryInto<i64>) -> Phrase {
        let n = n.try_into().unwrap_or(i64::MAX);
        self.args.push((name.into(), Arg::Num(n)));
        self
    }

    /// Adds a text argument.
    pub fn text(mut self, name: &str, t: impl Into<String>) -> Phrase {
        self.args.push((name.into(), Arg::Text(t.into())));
        self
    }

    /// Adds a phrase as an argument.
    pub fn phrase(mut self, name: &str, p: Phrase) -> Phrase {
        self.args
            .push((name.into(), Arg::Phrase(Box::new(p.into()))));
        self
    }

    /// Adds a subject code, said by its catalogue name where the catalogue has one.
    pub fn subject(self, name: &str, code: &str) -> Phrase {
        self.named(name, &format!("subject-{code}"), code)
    }

    /// Adds a code said by the catalogue message `key`, or as `fallback` without one.
    pub fn named(mut self, name: &str, key: &str, fallback: &str) -> Phrase {
        let named = Named {
            n: key.to_string(),
            t: fallback.to_string(),
        };
        self.args.push((name.into(), Arg::Named(Box::new(named))));
        self
    }

    /// Adds counted reasons as an argument.
    pub fn counts(mut self, name: &str, counts: Vec<(String, i64)>) -> Phrase {
        self.args.push((name.into(), Arg::Counts(counts)));
        self
    }

    /// The verbatim text, when the phrase is verbatim.
    pub fn as_verbatim(&self) -> Option<&str> {
        if !self.key.is_empty() {
            return None;
        }
        self.args.iter().find_map(|(k, v)| match v {
            Arg::Text(t) if k == "text" => Some(t.as_str()),
            _ => None,
        })
    }

    /// True for a verbatim phrase with no text (nothing to say).
    pub fn is_empty(&self) -> bool {
        self.key.is_empty() && self.as_verbatim().is_none_or(str::is_empty)
    }

    /// A text argument by name (tests and callers that branch on an explanation's content).
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// A catalogue key: lowercase letters, digits and dashes (what the catalogue's ids are).
fn is_key(k: &str) -> bool {
    k.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl From<String> for Phrase {
    fn from(s: String) -> Phrase {
        if let Some(rest) = s.strip_prefix(MARK) {
            let (key, args) = rest.split_once(ARGS).unwrap_or((rest, ""));
            let args = match args {
                "" => Some(Vec::new()),
                json => serde_json::from_str::<Vec<(String, Arg)>>(json).ok(),
            };
            // An empty key is verbatim text kept structured because it began with MARK; a
            // key must otherwise look like one, or the string is text after all.
            if let Some(args) = args
                .filter(|a| (!key.is_empty() && is_key(key)) || (key.is_empty() && !a.is_empty()))
            {
                return Phrase {
                    key: key.to_string(),
                    args,
                };
            }
        }
        if s.is_empty() {
            return Phrase::default();
        }
        Phrase::verbatim(s)
    }
}

impl From<Phrase> for String {
    fn from(p: Phrase) -> String {
        if p.key.is_empty() {
            let text = p.as_verbatim().unwrap_or_default();
            if !text.starts_with(MARK) {
                return text.to_string();
            }
            // Text that itself begins with the marker is stored structured, so it reads back
            // as the same text.
            return match serde_json::to_string(&p.args) {
                Ok(json) => format!("{MARK}{ARGS}{json}"),
                Err(_) => String::new(),
            };
        }
        if p.args.is_empty() {
            return format!("{MARK}{}", p.key);
        }
        match serde_json::to_string(&p.args) {
            Ok(json) => format!("{MARK}{}{ARGS}{json}", p.key),
            // Serialising strings, numbers and lists cannot fail; keep the key if it did.
            Err(_) => format!("{MARK}{}", p.key),
        }
    }
}

impl From<&str> for Phrase {
    fn from(s: &str) -> Phrase {
        Phrase::from(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_survives_its_string_and_old_text_reads_as_verbatim() {
        let p = Phrase::new("why-excluded")
            .text("subject", "math")
            .num("n", 3)
            .phrase("inner", Phrase::verbatim("typed by the office"))
            .counts("parts", vec![("x-vetoed".into(), 2)]);
        let s: String = p.clone().into();
        assert!(s.starts_with(MARK));
        assert_eq!(Phrase::from(s), p);

        let old = Phrase::from("the pair was vetoed".to_string());
        assert_eq!(old.as_verbatim(), Some("the pair was vetoed"));
        assert_eq!(String::from(old), "the pair was vetoed");
        assert!(Phrase::from(String::new()).is_empty());
        // A string that only looks structured stays text.
        let odd = Phrase::from(format!("{MARK}key{ARGS}not json"));
        assert_eq!(odd.as_verbatim(), Some("\u{1}key\u{2}not json"));
        let odd = Phrase::from(format!("{MARK}Not A Key"));
        assert_eq!(odd.as_verbatim(), Some("\u{1}Not A Key"));
        assert_eq!(Phrase::from(MARK.to_string()).as_verbatim(), Some("\u{1}"));
        // Verbatim text that begins with the marker survives its string.
        for text in ["\u{1}k\u{2}[]", "\u{1}", "\u{1}key"] {
            let p = Phrase::verbatim(text);
            assert_eq!(Phrase::from(String::from(p.clone())), p, "{text:?}");
        }
        let named = Phrase::new("k").subject("subject", "mathematics");
        assert_eq!(Phrase::from(String::from(named.clone())), named);
        // Short: a term without arguments is its key and one byte.
        assert_eq!(String::from(Phrase::new("term-online")).len(), 12);
        let severity: String = Phrase::new("term-severity").text("level", "A").into();
        assert_eq!(severity, "\u{1}term-severity\u{2}[[\"level\",\"A\"]]");
    }
}
