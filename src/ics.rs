//! iCalendar (RFC 5545) output for schedules, so a person's or a school's sessions open in any
//! calendar program.
//!
//! Times are written in UTC (`...Z`), converted from the municipality's zone, so no VTIMEZONE
//! block is needed. Text is escaped (`\`, `;`, `,`, newlines) and lines are folded at 75
//! octets without splitting a UTF-8 character; lines end in CRLF.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// One calendar event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// Stable and unique (a session id): calendar programs update an event by its UID.
    pub uid: String,
    /// Bumped by every change of the session (its revision), so a calendar that imported the
    /// file before replaces the event instead of keeping two.
    pub sequence: u32,
    pub start: DateTime,
    pub end: DateTime,
    pub summary: String,
    pub location: String,
    pub description: String,
    /// The mentor, who runs the session.
    pub organizer: Option<Person>,
    /// The mentees.
    pub attendees: Vec<Person>,
    /// A cancelled session stays in the file as CANCELLED, so calendars drop it.
    pub cancelled: bool,
}

/// Someone in a calendar: a name to show and a stable address. Teachers have no e-mail in
/// the registry, so the address is a URN naming them (`urn:peerlift:teacher:M:ID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub uri: String,
}

/// A parameter value, quoted (names may hold `,` `;` `:`); a double quote cannot appear.
fn param(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '"' { '\'' } else { c })
        .collect();
    format!("\"{clean}\"")
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (continuation lines start with a space).
fn fold(line: &str, out: &mut String) {
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

fn utc(dt: DateTime, tz: &TimeZone) -> String {
    // Only datetimes outside jiff's range (years beyond ±9999) fail: not a schedule's.
    let ts: Timestamp = tz.to_timestamp(dt).unwrap_or(Timestamp::UNIX_EPOCH);
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A whole calendar. `stamp` is the DTSTAMP of every event (when the file was made).
pub fn calendar(name: &str, tz: &TimeZone, stamp: Timestamp, events: &[Event]) -> String {
    let mut out = String::new();
    let mut line = |l: String| fold(&l, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//peerlift//schedule//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    let stamp = stamp.strftime("%Y%m%dT%H%M%SZ").to_string();
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&e.uid)));
        line(format!("SEQUENCE:{}", e.sequence));
        line(format!("DTSTAMP:{stamp}"));
        line(format!(
            "STATUS:{}",
            if e.cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            }
        ));
        line(format!("DTSTART:{}", utc(e.start, tz)));
        line(format!("DTEND:{}", utc(e.end, tz)));
        line(format!("SUMMARY:{}", escape(&e.summary)));
        if !e.location.is_empty() {
            line(format!("LOCATION:{}", escape(&e.location)));
        }
        if !e.description.is_empty() {
            line(format!("DESCRIPTION:{}", escape(&e.description)));
        }
        if let Some(o) = &e.organizer {
            line(format!("ORGANIZER;CN={}:{}", param(&o.name), o.uri));
        }
        for a in &e.attendees {
            line(format!(
                "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT:{}",
                param(&a.name),
                a.uri
            ));
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_independent_parser_reads_what_we_write() {
        let tz = TimeZone::get("Europe/Moscow").unwrap();
        let start = jiff::civil::date(2026, 11, 26).at(14, 0, 0, 0);
        let events = vec![
            Event {
                uid: "ses-1@peerlift".into(),
                start,
                end: jiff::civil::date(2026, 11, 26).at(14, 45, 0, 0),
                summary: "Посещение урока: математика, 7 «Б»; наставник Иванова".into(),
                location: "MKOU Putilovskaya OOSh, каб. 12".into(),
                description: "Дефициты: оценивание\nЧек-лист обратной связи".repeat(3),
                sequence: 2,
                organizer: Some(Person {
                    name: "Иванова Анна Петровна".into(),
                    uri: "urn:peerlift:teacher:kirovsky:t17".into(),
                }),
                attendees: vec![Person {
                    name: "Петров, Пётр".into(),
                    uri: "urn:peerlift:teacher:kirovsky:t19".into(),
                }],
                cancelled: false,
            },
            Event {
                uid: "ses-2@peerlift".into(),
                start: jiff::civil::date(2026, 12, 3).at(15, 0, 0, 0),
                end: jiff::civil::date(2026, 12, 3).at(16, 0, 0, 0),
                summary: "Video call".into(),
                location: String::new(),
                description: String::new(),
                cancelled: true,
                ..Default::default()
            },
        ];
        let text = calendar("Иванова А. П.", &tz, Timestamp::UNIX_EPOCH, &events);
        assert!(text.lines().all(|l| l.len() <= 76), "a line over 75 octets");
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
        let cal = parser.next().unwrap().unwrap();
        assert_eq!(cal.events.len(), 2);
        let prop = |i: usize, name: &str| {
            cal.events[i]
                .properties
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.value.clone())
                .unwrap_or_default()
        };
        // 14:00 in Moscow (UTC+3) is 11:00 UTC.
        assert_eq!(prop(0, "DTSTART"), "20261126T110000Z");
        assert_eq!(prop(0, "UID"), "ses-1@peerlift");
        // The parser unfolds lines but leaves escapes: undo them and compare.
        let summary = prop(0, "SUMMARY").replace("\\;", ";").replace("\\,", ",");
        assert_eq!(summary, events[0].summary);
        assert_eq!(prop(1, "SUMMARY"), "Video call");
        assert_eq!(
            (prop(0, "SEQUENCE").as_str(), prop(0, "STATUS").as_str()),
            ("2", "CONFIRMED")
        );
        assert_eq!(prop(1, "STATUS"), "CANCELLED");
        assert_eq!(prop(0, "ORGANIZER"), "urn:peerlift:teacher:kirovsky:t17");
        let cn = cal.events[0]
            .properties
            .iter()
            .find(|p| p.name == "ATTENDEE")
            .and_then(|p| p.params.clone())
            .unwrap_or_default();
        assert!(
            cn.iter()
                .any(|(k, v)| k == "CN" && v.iter().any(|x| x.contains("Петров"))),
            "{cn:?}"
        );
    }
}
