//! The message catalogue: everything the command line shows a person, in English and
//! Russian. The offices are Russian municipal methodology services; integrators read English.
//!
//! The language is `--lang`, else `PEERLIFT_LANG`, else the locale (`LC_ALL`, `LC_MESSAGES`,
//! `LANG`: `ru_RU.UTF-8` speaks Russian), else English. The messages are the
//! `peerlift-text` crate's. The server says its explanations (reasons, the optimality
//! statement) in the language the CLI sends as `accept-language`. API error messages stay
//! English: they are for programs.

use std::sync::OnceLock;

pub use peerlift_text::Lang;
use peerlift_text::Value as FluentValue;

static LANG: OnceLock<Lang> = OnceLock::new();

tokio::task_local! {
    /// The language of one web console request: the console serves people in both
    /// languages at once, so a request speaks its own, not the process's.
    static TASK_LANG: Lang;
}

/// Runs `f` speaking `lang` (its messages, and the `accept-language` it sends the API).
pub async fn with_lang<F: std::future::Future>(lang: Lang, f: F) -> F::Output {
    TASK_LANG.scope(lang, f).await
}

/// The language of the environment (see the module doc).
pub fn from_env() -> Lang {
    for var in ["PEERLIFT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Ok(v) = std::env::var(var) {
            if !v.trim().is_empty() {
                return Lang::parse(&v).unwrap_or(Lang::En);
            }
        }
    }
    Lang::En
}

/// Chooses the language for the rest of the process (the first call wins).
pub fn set(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The language in use.
pub fn lang() -> Lang {
    TASK_LANG
        .try_with(|l| *l)
        .unwrap_or_else(|_| *LANG.get_or_init(from_env))
}

/// The message `id` in the language in use (English when Russian lacks it; the id itself if
/// neither has it, which the catalogue test rules out for every id the code names, and which
/// callers use to ask "is there such a message": built-in subjects).
pub fn t(id: &str) -> String {
    tr(id, &[])
}

/// The message `id`, or `fallback` when the catalogue has none (codes of the catalogue that
/// may lack a name: subjects an office added, competence areas, API enum values).
pub fn t_or(id: &str, fallback: impl FnOnce() -> String) -> String {
    let x = t(id);
    if x == id {
        fallback()
    } else {
        x
    }
}

/// Runs `f` speaking `lang`, synchronously (a page built outside a request's task).
pub fn in_lang<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    TASK_LANG.sync_scope(lang, f)
}

/// The message `id` with its arguments: numbers choose plural forms.
pub fn tr(id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    peerlift_text::format(lang(), id, args)
}

/// A number argument.
pub fn n(x: impl Into<f64>) -> FluentValue<'static> {
    FluentValue::from(x.into())
}

/// A text argument.
pub fn s(x: impl Into<String>) -> FluentValue<'static> {
    FluentValue::from(x.into())
}
