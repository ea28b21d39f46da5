//! The message catalogue: everything peerlift shows a person, in English and Russian.
//!
//! The offices are Russian municipal methodology services; integrators read English. Messages
//! are Fluent (`locales/<lang>/*.ftl`, compiled in), so Russian plurals come out right
//! (1 сессия, 2 сессии, 5 сессий). Two files per language: `cli.ftl`, what the command line
//! writes, and `server.ftl`, the explanations the matcher and the scheduler store as
//! [`Phrase`]s and the server says in the caller's language. A message missing in Russian
//! falls back to English; a unit test keeps the languages in step.
//!
//! The crate is pure: the catalogue is compiled in, and callers say which language.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use peerlift_domain::{Arg, CatalogKind, Phrase};

pub use fluent_bundle::FluentValue as Value;

/// A language the catalogue speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

const EN: [&str; 3] = [
    include_str!("../locales/en/cli.ftl"),
    include_str!("../locales/en/server.ftl"),
    include_str!("../locales/en/console.ftl"),
];
/// Russian has one file more, the last: the command line's `--help` (English is in its doc
/// comments).
const RU: [&str; 4] = [
    include_str!("../locales/ru/cli.ftl"),
    include_str!("../locales/ru/server.ftl"),
    include_str!("../locales/ru/console.ftl"),
    include_str!("../locales/ru/help.ftl"),
];

/// The Russian `--help` entries, for the test that keeps them in step with the English.
pub const RU_HELP: &str = RU[3];

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

    /// The language an HTTP `Accept-Language` value asks for: the first language of the list
    /// that the catalogue speaks, by quality (`ru-RU, en;q=0.8` → Russian); English otherwise.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (i, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let Some(lang) = Lang::parse(tag) else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
                best = Some((q, i, lang));
            }
        }
        best.map_or(Lang::En, |(_, _, l)| l)
    }

    /// The tag sent in `Accept-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static BUNDLES: OnceLock<(FluentBundle<FluentResource>, FluentBundle<FluentResource>)> =
        OnceLock::new();
    let (en, ru) = BUNDLES.get_or_init(|| (make("en", &EN), make("ru", &RU)));
    match lang {
        Lang::En => en,
        Lang::Ru => ru,
    }
}

fn make(tag: &str, files: &[&str]) -> FluentBundle<FluentResource> {
    let id = tag.parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks: the text goes to terminals, CSV, SVG and API fields.
    b.set_use_isolating(false);
    for text in files {
        let res = FluentResource::try_new(text.to_string()).unwrap_or_else(|(res, _)| res);
        let _ = b.add_resource(res);
    }
    b
}

fn format_in(lang: Lang, id: &str, args: Option<&FluentArgs>) -> Option<String> {
    let b = bundle(lang);
    let pattern = b.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = b.format_pattern(pattern, args, &mut errors).into_owned();
    if !errors.is_empty() {
        // A variable the message uses and the caller did not give: the text shows `{$name}`.
        tracing::warn!(
            message = id,
            ?errors,
            "a catalogue message was said with missing arguments"
        );
    }
    Some(text)
}

/// The message `id` in `lang` only, without arguments and without falling back to English.
pub fn lookup(lang: Lang, id: &str) -> Option<String> {
    format_in(lang, id, None)
}

/// True when the catalogue has the message `id` (in English, which has every message).
pub fn has(id: &str) -> bool {
    bundle(Lang::En).has_message(id)
}

/// The message `id` in `lang` (English when Russian lacks it; the id itself if neither has
/// it, which the catalogue test rules out for every id the code names).
pub fn format(lang: Lang, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, v.clone());
    }
    let fa = (!args.is_empty()).then_some(&fa);
    format_in(lang, id, fa)
        .or_else(|| format_in(Lang::En, id, fa))
        .unwrap_or_else(|| id.to_string())
}

/// A phrase in `lang`: its message with its arguments said in the same language (a phrase
/// inside it, counted reasons), or verbatim text as it is.
pub fn say(lang: Lang, p: &Phrase) -> String {
    if let Some(text) = p.as_verbatim() {
        return text.to_string();
    }
    if p.key.is_empty() {
        return String::new();
    }
    let args: Vec<(&str, FluentValue<'_>)> = p
        .args
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Arg::Num(n) => FluentValue::from(*n as f64),
                Arg::Text(t) => FluentValue::from(t.clone()),
                Arg::Phrase(inner) => {
                    FluentValue::from(say(lang, &Phrase::from((**inner).clone())))
                }
                Arg::Named(named) => {
                    FluentValue::from(lookup(lang, &named.n).unwrap_or_else(|| named.t.clone()))
                }
                Arg::Counts(list) => FluentValue::from(
                    list.iter()
                        .map(|(key, n)| {
                            let what = FluentValue::from(format(lang, key, &[]));
                            let count = FluentValue::from(*n as f64);
                            format(lang, "counted", &[("count", count), ("what", what)])
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            };
            (k.as_str(), v)
        })
        .collect();
    format(lang, &p.key, &args)
}

/// A built-in catalogue entry's name in `lang` (None for a code the service does not ship: a
/// municipality's own entries keep the name it gave them).
pub fn catalog_name(lang: Lang, kind: CatalogKind, code: &str) -> Option<String> {
    let prefix = match kind {
        CatalogKind::Subject => "subject",
        CatalogKind::CompetenceArea => "area",
        CatalogKind::Direction => "direction",
        CatalogKind::SystemDirection => "sysdir",
        CatalogKind::EventKind => "event",
    };
    lookup(lang, &format!("{prefix}-{code}"))
}

/// A phrase in English (logs, and the API's default language).
pub fn english(p: &Phrase) -> String {
    say(Lang::En, p)
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

    /// Every message is in both languages, with the same arguments, and no id is defined twice.
    #[test]
    fn the_two_catalogues_say_the_same_things() {
        for (en_file, ru_file) in EN.iter().zip(RU.iter()) {
            let (mut en, mut ru) = (ids(en_file), ids(ru_file));
            en.sort();
            ru.sort();
            assert_eq!(en, ru);
            assert!(en.len() > 20);
            let mut unique = en.clone();
            unique.dedup();
            assert_eq!(unique, en, "an id is defined twice");
            for id in &en {
                let en_text = format_in(Lang::En, id, None).unwrap_or_default();
                let ru_text = format_in(Lang::Ru, id, None).unwrap_or_default();
                assert!(!en_text.is_empty() && !ru_text.is_empty(), "{id}");
                assert_eq!(
                    variables(en_file, id),
                    variables(ru_file, id),
                    "{id}: arguments differ"
                );
            }
        }
        // An id is in one file only.
        let (cli, server) = (ids(EN[0]), ids(EN[1]));
        assert!(cli.iter().all(|id| !server.contains(id)));
    }

    #[test]
    fn russian_plurals_and_locale_names() {
        let count = |k: f64| {
            format(
                Lang::Ru,
                "sessions-count",
                &[("count", FluentValue::from(k))],
            )
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

    /// Every built-in catalogue entry has its name in both languages.
    #[test]
    fn the_built_in_catalogue_is_named_in_both_languages() {
        let mut n = 0;
        for kind in CatalogKind::ALL {
            for (code, _) in kind.builtin() {
                n += 1;
                let (en, ru) = (
                    catalog_name(Lang::En, kind, code),
                    catalog_name(Lang::Ru, kind, code),
                );
                assert!(en.is_some() && ru.is_some() && en != ru, "{kind:?} {code}");
            }
        }
        assert!(n > 30, "{n}");
    }

    #[test]
    fn accept_language_picks_the_best_language_spoken() {
        assert_eq!(
            Lang::from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"),
            Lang::Ru
        );
        assert_eq!(
            Lang::from_accept_language("de-DE, en;q=0.5, ru;q=0.7"),
            Lang::Ru
        );
        assert_eq!(Lang::from_accept_language("en, ru"), Lang::En);
        assert_eq!(Lang::from_accept_language("ru;q=0"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        assert_eq!(Lang::from_accept_language("fr"), Lang::En);
    }

    #[test]
    fn phrases_are_said_in_the_language_asked_for() {
        let p = Phrase::new("why-mentors-excluded")
            .text("subject", "math")
            .counts(
                "parts",
                vec![("rule-vetoed".into(), 3), ("rule-inactive".into(), 1)],
            );
        let en = say(Lang::En, &p);
        assert!(en.contains("math") && en.contains("3 vetoed"), "{en}");
        let ru = say(Lang::Ru, &p);
        assert!(ru.contains("math") && ru.contains("под вето: 3"), "{ru}");
        let ended = Phrase::new("ended-by-run")
            .text("run", "run-7")
            .phrase("reason", p);
        assert!(say(Lang::Ru, &ended).contains(&ru));
        assert_eq!(
            say(Lang::Ru, &Phrase::verbatim("как написано")),
            "как написано"
        );
        assert_eq!(say(Lang::En, &Phrase::default()), "");
    }
}
