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
    /// Counted reasons: each key said with its count, in this order, joined by commas
    /// ("3 vetoed, 2 too far").
    Counts(Vec<(String, i64)>),
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

impl From<String> for Phrase {
    fn from(s: String) -> Phrase {
        if let Some(rest) = s.strip_prefix(MARK) {
            let (key, args) = rest.split_once(ARGS).unwrap_or((rest, ""));
            let args = if args.is_empty() {
                Some(Vec::new())
            } else {
                serde_json::from_str::<Vec<(String, Arg)>>(args).ok()
            };
            if let Some(args) = args {
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
            return p.as_verbatim().unwrap_or_default().to_string();
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
        // Short: a term without arguments is its key and one byte.
        assert_eq!(String::from(Phrase::new("term-online")).len(), 12);
        let severity: String = Phrase::new("term-severity").text("level", "A").into();
        assert_eq!(severity, "\u{1}term-severity\u{2}[[\"level\",\"A\"]]");
    }
}
