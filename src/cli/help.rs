//! `--help` in the language the command line speaks. The English is clap's, from the doc
//! comments; Russian comes from the catalogue (`peerlift-text`, `locales/ru/help.ftl`): a
//! command's description is `help-<path>`, an option's help `help-<path>--<id>` or, wherever
//! it has the same English, `help--<id>`. A test keeps the catalogue in step with the English.

use clap::{Arg, Command};

use crate::i18n::Lang;

/// The command line, with its help in `lang`.
pub fn command(lang: Lang) -> Command {
    let mut cmd = <super::Cli as clap::CommandFactory>::command();
    if lang == Lang::En {
        return cmd;
    }
    // Built first, so clap's own `--help`, `--version` and `help` are there to be said too.
    cmd.build();
    localize(cmd, "", lang)
}

/// The catalogue key of a command's description: `help-peerlift` for the root, else
/// `help-` and the path of subcommand names joined by `-`.
fn command_key(path: &str) -> String {
    if path.is_empty() {
        "help-peerlift".into()
    } else {
        format!("help-{path}")
    }
}

/// The Russian help of option `id` in the command at `path`, and the key it came from.
fn option_help(lang: Lang, path: &str, id: &str) -> Option<(String, String)> {
    let specific = format!("{}--{id}", command_key(path));
    let general = format!("help--{id}");
    [specific, general]
        .into_iter()
        .find_map(|k| peerlift_text::lookup(lang, &k).map(|t| (t, k)))
}

/// The catalogue key of what value `value` of option `id` means: `help-value--<id>-<value>`
/// where the value means something of its own there, else `help-value-<value>`.
fn value_key(id: &str, value: &str) -> String {
    let specific = format!("help-value--{id}-{value}");
    if peerlift_text::lookup(Lang::Ru, &specific).is_some() {
        specific
    } else {
        format!("help-value-{value}")
    }
}

/// "- name: meaning" for each value of `a` that clap would explain, in `lang`.
fn value_lines(lang: Lang, a: &Arg) -> Vec<String> {
    let values = a.get_possible_values();
    if values.iter().all(|v| v.get_help().is_none()) {
        return Vec::new();
    }
    values
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| {
            let meaning =
                peerlift_text::lookup(lang, &value_key(a.get_id().as_str(), v.get_name()))
                    .or_else(|| v.get_help().map(ToString::to_string))
                    .unwrap_or_default();
            format!("  - {}: {meaning}", v.get_name())
        })
        .collect()
}

fn localize(cmd: Command, path: &str, lang: Lang) -> Command {
    let say = |k: &str| peerlift_text::lookup(lang, k);
    let mut cmd = cmd;
    if let Some(after) = say(&format!("{}-after", command_key(path))) {
        cmd = cmd.after_help(after);
    }
    if let Some(about) = say(&command_key(path)) {
        // One description for both -h and --help: the long one is the same text.
        cmd = cmd.about(about.clone()).long_about(None::<&'static str>);
    }
    if let Some(usage) = say("help-heading-usage") {
        cmd = cmd.help_template(format!(
            "{{before-help}}{{about-with-newline}}\n{usage} {{usage}}\n\n{{all-args}}{{after-help}}"
        ));
    }
    if let Some(h) = say("help-heading-commands") {
        cmd = cmd.subcommand_help_heading(h);
    }
    let (options, arguments) = (say("help-heading-options"), say("help-heading-arguments"));
    let path_owned = path.to_string();
    cmd = cmd.mut_args(|a: Arg| {
        let mut a = a;
        // Only what English explains: an option without help has none in Russian either (a
        // shared key for an id must not lend its text to an undocumented namesake).
        let help = a
            .get_help()
            .and_then(|_| option_help(lang, &path_owned, a.get_id().as_str()))
            .map(|(h, _)| h);
        let values = value_lines(lang, &a);
        if let Some(help) = &help {
            a = a.help(help.clone()).long_help(None::<&'static str>);
        }
        if !values.is_empty() {
            // clap would say each value's meaning in English: say it here instead.
            let heading = say("help-heading-values").unwrap_or_default();
            let lead = help.map(|h| format!("{h}\n\n")).unwrap_or_default();
            a = a
                .long_help(format!("{lead}{heading}\n{}", values.join("\n")))
                .hide_possible_values(true);
        }
        let heading = if a.is_positional() {
            arguments.clone()
        } else {
            options.clone()
        };
        if let (None, Some(h)) = (a.get_help_heading(), heading) {
            a = a.help_heading(h);
        }
        a
    });
    cmd.mut_subcommands(|sub| {
        let name = sub.get_name().to_string();
        let sub_path = if path.is_empty() {
            name
        } else {
            format!("{path}-{name}")
        };
        localize(sub, &sub_path, lang)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The English each Russian entry was translated from (its `# en:` comment).
    fn english_of(key: &str) -> Option<String> {
        let mut last = None;
        for line in peerlift_text::RU_HELP.lines() {
            if let Some(en) = line.strip_prefix("# en: ") {
                last = Some(en.to_string());
            } else if line.split(" =").next().map(str::trim) == Some(key) {
                return last;
            } else if !line.starts_with('#') {
                last = None;
            }
        }
        None
    }

    fn walk(c: &Command, path: &str, used: &mut Vec<String>, missing: &mut Vec<String>) {
        if let Some(after) = c.get_after_help() {
            let key = format!("{}-after", command_key(path));
            match english_of(&key) {
                Some(en) if en == after.to_string() => used.push(key),
                _ => missing.push(format!("{key} (en: {after})")),
            }
        }
        if let Some(about) = c.get_about() {
            let key = command_key(path);
            match english_of(&key) {
                Some(en) if en == about.to_string() => used.push(key),
                _ => missing.push(format!("{key} (en: {about})")),
            }
        }
        for a in c.get_arguments() {
            let id = a.get_id().as_str();
            for v in a.get_possible_values() {
                let Some(vh) = v.get_help() else { continue };
                let k = value_key(id, v.get_name());
                match english_of(&k) {
                    Some(en) if en == vh.to_string() => used.push(k),
                    _ => missing.push(format!("{k} (en: {vh})")),
                }
            }
            let Some(help) = a.get_help() else { continue };
            if a.is_hide_set() || matches!(id, "help" | "version") {
                continue;
            }
            let help = help.to_string();
            let specific = format!("{}--{id}", command_key(path));
            let general = format!("help--{id}");
            // The key `--help` would use must have been translated from this English.
            let chosen = [specific, general]
                .into_iter()
                .find(|k| peerlift_text::lookup(Lang::Ru, k).is_some());
            match chosen {
                Some(k) if english_of(&k).as_deref() == Some(help.as_str()) => used.push(k),
                Some(k) => {
                    missing.push(format!("{k}: translated from other English than '{help}'"))
                }
                None => missing.push(format!("{path} --{id} (en: {help})")),
            }
        }
        for s in c.get_subcommands() {
            let sub = if path.is_empty() {
                s.get_name().to_string()
            } else {
                format!("{path}-{}", s.get_name())
            };
            walk(s, &sub, used, missing);
        }
    }

    /// Every command and option the English help describes has Russian translated from that
    /// very English, and the catalogue holds no entry nothing uses.
    #[test]
    fn every_help_text_is_in_russian_and_up_to_date() {
        let cmd = <super::super::Cli as clap::CommandFactory>::command();
        let (mut used, mut missing) = (Vec::new(), Vec::new());
        walk(&cmd, "", &mut used, &mut missing);
        assert!(
            missing.is_empty(),
            "help without Russian:\n{}",
            missing.join("\n")
        );
        let keys: Vec<&str> = peerlift_text::RU_HELP
            .lines()
            .filter(|l| l.starts_with("help-") && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .map(str::trim)
            .filter(|k| {
                !k.starts_with("help-heading-")
                    && !matches!(*k, "help--help" | "help--version" | "help-help")
            })
            .collect();
        let unused: Vec<&&str> = keys
            .iter()
            .filter(|k| !used.iter().any(|u| u == *k))
            .collect();
        assert!(unused.is_empty(), "entries nothing uses: {unused:?}");
    }

    #[test]
    fn russian_help_reads_russian() {
        let mut cmd = command(Lang::Ru);
        let top = cmd.render_help().to_string();
        assert!(
            top.contains("Использование:") && top.contains("Команды"),
            "{top}"
        );
        assert!(top.contains("Сети взаимного наставничества"), "{top}");
        let sub = cmd
            .find_subcommand_mut("match")
            .map(|c| c.render_long_help().to_string())
            .unwrap_or_default();
        assert!(
            sub.contains("Рассчитать подбор") && sub.contains("Параметры"),
            "{sub}"
        );
        assert!(sub.contains("Идентификатор муниципалитета"), "{sub}");
        assert!(!sub.contains("Municipality id"), "{sub}");
        // A value's meaning too.
        assert!(
            sub.contains("Пары учителей") && !sub.contains("Teacher pairs"),
            "{sub}"
        );
        // English stays clap's own.
        let en = command(Lang::En).render_help().to_string();
        assert!(en.contains("Usage:"), "{en}");
    }

    #[test]
    fn lang_is_read_before_parsing() {
        let args = |v: &[&str]| {
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert_eq!(
            super::super::lang_asked(args(&["peerlift", "--lang", "ru", "match"])),
            Some(Lang::Ru)
        );
        assert_eq!(
            super::super::lang_asked(args(&["peerlift", "match", "--lang=en"])),
            Some(Lang::En)
        );
        assert_eq!(super::super::lang_asked(args(&["peerlift", "match"])), None);
    }
}
