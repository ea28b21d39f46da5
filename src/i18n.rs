//! The message catalogue: everything the command line shows a person, in English and
//! Russian. The offices are Russian municipal methodology services; integrators read English.
//!
//! The language is `--lang`, else `PEERLIFT_LANG`, else the locale (`LC_ALL`, `LC_MESSAGES`,
//! `LANG`: `ru_RU.UTF-8` speaks Russian), else English. Messages are Fluent (`locales/*.ftl`,
//! compiled in), so Russian plurals come out right (1 сессия, 2 сессии, 5 сессий). A message
//! missing in Russian falls back to English; a unit test keeps the two files in step. API
//! error messages stay English: they are for programs.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// A language the catalogue speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

const EN: &str = include_str!("../locales/en.ftl");
const RU: &str = include_str!("../locales/ru.ftl");

static LANG: OnceLock<Lang> = OnceLock::new();

impl Lang {
    /// `ru`, `ru_RU.UTF-8`, `ru-RU` → Russian; `en…`, `C`, `POSIX` → English; else None.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("ru") {
            Some(Lang::Ru)
        } else if s.starts_with("en") || s == "c" || s.starts_with("c.") || s == "posix" {
            Some(Lang::En)
        } else {
            None
        }
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
}

/// Chooses the language for the rest of the process (the first call wins).
pub fn set(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The language in use.
pub fn lang() -> Lang {
    *LANG.get_or_init(Lang::from_env)
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: OnceLock<(FluentBundle<FluentResource>, FluentBundle<FluentResource>)> =
        OnceLock::new();
    let (en, ru) = BUNDLES.get_or_init(|| (make("en", EN), make("ru", RU)));
    match lang {
        Lang::En => en,
        Lang::Ru => ru,
    }
}

fn make(tag: &str, text: &str) -> FluentBundle<FluentResource> {
    let id = tag.parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks: the text goes to terminals, CSV and SVG.
    b.set_use_isolating(false);
    let res = FluentResource::try_new(text.to_string()).unwrap_or_else(|(res, _)| res);
    let _ = b.add_resource(res);
    b
}

fn format_in(lang: Lang, id: &str, args: Option<&FluentArgs>) -> Option<String> {
    let b = bundle(lang);
    let pattern = b.get_message(id)?.value()?;
    let mut errors = Vec::new();
    Some(b.format_pattern(pattern, args, &mut errors).into_owned())
}

/// The message `id` in the language in use (English when Russian lacks it; the id itself if
/// neither has it, which the catalogue test rules out for every id the code names, and which
/// callers use to ask "is there such a message": built-in subjects).
pub fn t(id: &str) -> String {
    tr(id, &[])
}

/// The message `id` with its arguments: numbers choose plural forms.
pub fn tr(id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, v.clone());
    }
    let fa = (!args.is_empty()).then_some(&fa);
    format_in(lang(), id, fa)
        .or_else(|| format_in(Lang::En, id, fa))
        .unwrap_or_else(|| id.to_string())
}

/// A number argument.
pub fn n(x: impl Into<f64>) -> FluentValue<'static> {
    FluentValue::from(x.into())
}

/// A text argument.
pub fn s(x: impl Into<String>) -> FluentValue<'static> {
    FluentValue::from(x.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with(['#', ' ', '\t', '*', '[', '}']) && l.contains(" ="))
            .map(|l| l.split(" =").next().unwrap_or_default().trim().to_string())
            .collect()
    }

    /// The `$variables` a message uses, from its first line to the next message.
    fn variables(text: &str, id: &str) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        let mut inside = false;
        for line in text.lines() {
            let starts = !line.starts_with([' ', '\t', '*', '[', '}', '#']) && line.contains(" =");
            if starts {
                inside = line.split(" =").next().unwrap_or_default().trim() == id;
            }
            if inside {
                for part in line.split('$').skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                        .collect();
                    out.insert(name);
                }
            }
        }
        out
    }

    /// Every message is in both languages, with the same arguments.
    #[test]
    fn the_two_catalogues_say_the_same_things() {
        let (mut en, mut ru) = (ids(EN), ids(RU));
        en.sort();
        ru.sort();
        assert_eq!(en, ru);
        assert!(en.len() > 20);
        for id in &en {
            let en_text = format_in(Lang::En, id, None).unwrap_or_default();
            let ru_text = format_in(Lang::Ru, id, None).unwrap_or_default();
            assert!(!en_text.is_empty() && !ru_text.is_empty(), "{id}");
            assert_eq!(
                variables(EN, id),
                variables(RU, id),
                "{id}: arguments differ"
            );
        }
    }

    #[test]
    fn russian_plurals_and_locale_names() {
        let count = |k: f64| {
            format_in(
                Lang::Ru,
                "sessions-count",
                Some(&FluentArgs::from_iter([("count", FluentValue::from(k))])),
            )
            .unwrap_or_default()
        };
        assert_eq!(count(1.0), "1 сессия");
        assert_eq!(count(3.0), "3 сессии");
        assert_eq!(count(5.0), "5 сессий");
        assert_eq!(count(21.0), "21 сессия");
        // Multi-line messages keep their line breaks (a calendar entry's description).
        let d = format_in(Lang::Ru, "ics-description", None).unwrap_or_default();
        assert_eq!(d.lines().count(), 4, "{d:?}");
        assert_eq!(Lang::parse("ru_RU.UTF-8"), Some(Lang::Ru));
        assert_eq!(Lang::parse("C.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("de_DE"), None);
    }
}
