//! Field-level validation results.
//!
//! A violation names the field by its protobuf path relative to the resource (`name`,
//! `risk_profile[3]`, `availability[0].end`), so the API can prefix the request field
//! (`school.`) and hand the list to clients as standard `BadRequest` details unchanged.

use std::fmt;

/// One invalid field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

/// All violations found in one input; validation never stops at the first one, so a client
/// learns everything wrong with a request in one round trip.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Violations(pub Vec<FieldViolation>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            description: description.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Ok when nothing was recorded, so validators end with `v.into_result()`.
    pub fn into_result(self) -> Result<(), Violations> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// Re-roots every path under `prefix` (`name` becomes `school.name`).
    pub fn prefixed(self, prefix: &str) -> Violations {
        if prefix.is_empty() {
            return self;
        }
        Violations(
            self.0
                .into_iter()
                .map(|v| FieldViolation {
                    field: if v.field.is_empty() {
                        prefix.to_string()
                    } else {
                        format!("{prefix}.{}", v.field)
                    },
                    description: v.description,
                })
                .collect(),
        )
    }

    pub fn extend(&mut self, other: Violations) {
        self.0.extend(other.0);
    }

    pub fn single(field: impl Into<String>, description: impl Into<String>) -> Violations {
        let mut v = Violations::new();
        v.add(field, description);
        v
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", v.field, v.description)?;
        }
        Ok(())
    }
}

/// Checks a free-text field: trimmed, non-empty when required, bounded, no control characters.
pub(crate) fn text(v: &mut Violations, field: &str, value: &str, required: bool, max: usize) {
    if required && value.trim().is_empty() {
        v.add(field, "must not be empty");
        return;
    }
    if value.chars().count() > max {
        v.add(field, format!("must be at most {max} characters"));
    }
    if value.chars().any(|c| c.is_control()) {
        v.add(field, "must not contain control characters");
    }
    if value != value.trim() {
        v.add(field, "must not start or end with whitespace");
    }
}
