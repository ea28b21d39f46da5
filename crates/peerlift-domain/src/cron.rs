//! Five-field cron expressions (`minute hour day-of-month month day-of-week`) for the nightly
//! rematch schedule, evaluated on civil (wall-clock) time in the municipality's zone.
//!
//! Each field takes `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of
//! those. Day of week is 0-7 (0 and 7 are Sunday). As in classic cron, when both day fields
//! are restricted a day matches if either does.

use jiff::civil::{Date, DateTime};
use jiff::ToSpan;

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    text: String,
    minutes: [bool; 60],
    hours: [bool; 24],
    days: [bool; 32],
    months: [bool; 13],
    weekdays: [bool; 7],
    days_restricted: bool,
    weekdays_restricted: bool,
}

fn field<const N: usize>(
    text: &str,
    name: &str,
    lo: u32,
    hi: u32,
) -> Result<([bool; N], bool), String> {
    let mut set = [false; N];
    let bad = |why: &str| format!("{name} field '{text}': {why}");
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| bad("the step is not a number"))?;
                if step == 0 {
                    return Err(bad("the step must be at least 1"));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            let a: u32 = a.parse().map_err(|_| bad("not a number"))?;
            let b: u32 = b.parse().map_err(|_| bad("not a number"))?;
            (a, b)
        } else {
            let a: u32 = range.parse().map_err(|_| bad("not a number"))?;
            // `5/15` means from 5 to the end by 15, as in Vixie cron.
            (a, if part.contains('/') { hi } else { a })
        };
        if a < lo || b > hi || a > b {
            return Err(bad(&format!(
                "values must be within {lo}-{hi}, low to high"
            )));
        }
        let mut v = a;
        while v <= b {
            set[v as usize] = true;
            v += step;
        }
    }
    Ok((set, text != "*"))
}

impl Cron {
    pub fn parse(text: &str) -> Result<Cron, String> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [mi, h, dom, mo, dow] = parts.as_slice() else {
            return Err(format!(
                "'{text}' is not a cron expression: five fields (minute hour day-of-month month day-of-week), e.g. '0 2 * * *'"
            ));
        };
        let (minutes, _) = field::<60>(mi, "minute", 0, 59)?;
        let (hours, _) = field::<24>(h, "hour", 0, 23)?;
        let (days, days_restricted) = field::<32>(dom, "day-of-month", 1, 31)?;
        let (months, _) = field::<13>(mo, "month", 1, 12)?;
        let (w8, weekdays_restricted) = field::<8>(dow, "day-of-week", 0, 7)?;
        let mut weekdays = [false; 7];
        for (i, on) in w8.iter().enumerate() {
            if *on {
                weekdays[i % 7] = true;
            }
        }
        Ok(Cron {
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            minutes,
            hours,
            days,
            months,
            weekdays,
            days_restricted,
            weekdays_restricted,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    fn day_matches(&self, d: Date) -> bool {
        if !self.months[d.month() as usize] {
            return false;
        }
        let dom = self.days[d.day() as usize];
        let dow = self.weekdays[d.weekday().to_sunday_zero_offset() as usize];
        match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => dom || dow,
            (true, false) => dom,
            (false, true) => dow,
            (false, false) => true,
        }
    }

    /// The latest firing time at or before `t` (minute precision), looking back at most about
    /// four years (enough for "29 February").
    pub fn latest_at_or_before(&self, t: DateTime) -> Option<DateTime> {
        let mut day = t.date();
        for i in 0..(366 * 4 + 1) {
            if self.day_matches(day) {
                let (max_h, max_m) = if i == 0 {
                    (t.hour() as usize, Some(t.minute() as usize))
                } else {
                    (23, None)
                };
                for h in (0..=max_h).rev() {
                    if !self.hours[h] {
                        continue;
                    }
                    let top = if h == max_h { max_m.unwrap_or(59) } else { 59 };
                    if let Some(m) = (0..=top).rev().find(|m| self.minutes[*m]) {
                        return Some(day.at(h as i8, m as i8, 0, 0));
                    }
                }
            }
            day = day.checked_sub(1.day()).ok()?;
        }
        None
    }

    /// The first firing time strictly after `t`.
    pub fn next_after(&self, t: DateTime) -> Option<DateTime> {
        let mut day = t.date();
        for i in 0..(366 * 4 + 1) {
            if self.day_matches(day) {
                for h in 0..24usize {
                    if !self.hours[h] || (i == 0 && h < t.hour() as usize) {
                        continue;
                    }
                    let from = if i == 0 && h == t.hour() as usize {
                        t.minute() as usize + 1
                    } else {
                        0
                    };
                    if let Some(m) = (from..60).find(|m| self.minutes[*m]) {
                        return Some(day.at(h as i8, m as i8, 0, 0));
                    }
                }
            }
            day = day.checked_add(1.day()).ok()?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn two_at_night_every_day() {
        let c = Cron::parse("0 2 * * *").unwrap();
        let t = date(2026, 11, 23).at(8, 0, 0, 0);
        assert_eq!(
            c.latest_at_or_before(t),
            Some(date(2026, 11, 23).at(2, 0, 0, 0))
        );
        assert_eq!(c.next_after(t), Some(date(2026, 11, 24).at(2, 0, 0, 0)));
        let at = date(2026, 11, 23).at(2, 0, 0, 0);
        assert_eq!(c.latest_at_or_before(at), Some(at));
        assert_eq!(c.next_after(at), Some(date(2026, 11, 24).at(2, 0, 0, 0)));
        let before = date(2026, 11, 23).at(1, 59, 0, 0);
        assert_eq!(
            c.latest_at_or_before(before),
            Some(date(2026, 11, 22).at(2, 0, 0, 0))
        );
    }

    #[test]
    fn lists_ranges_steps_and_weekdays() {
        // 03:30 on working days.
        let c = Cron::parse("30 3 * * 1-5").unwrap();
        let sunday = date(2026, 11, 29).at(12, 0, 0, 0);
        assert_eq!(
            c.latest_at_or_before(sunday),
            Some(date(2026, 11, 27).at(3, 30, 0, 0))
        );
        assert_eq!(
            c.next_after(sunday),
            Some(date(2026, 11, 30).at(3, 30, 0, 0))
        );
        let every_15 = Cron::parse("*/15 * * * *").unwrap();
        let t = date(2026, 11, 23).at(8, 7, 0, 0);
        assert_eq!(
            every_15.next_after(t),
            Some(date(2026, 11, 23).at(8, 15, 0, 0))
        );
        let sunday7 = Cron::parse("0 0 * * 7").unwrap();
        assert_eq!(
            sunday7.next_after(t),
            Some(date(2026, 11, 29).at(0, 0, 0, 0))
        );
        let leap = Cron::parse("0 0 29 2 *").unwrap();
        assert_eq!(leap.next_after(t), Some(date(2028, 2, 29).at(0, 0, 0, 0)));
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        assert!(Cron::parse("0 2 * *").unwrap_err().contains("five fields"));
        assert!(Cron::parse("61 2 * * *").unwrap_err().contains("minute"));
        assert!(Cron::parse("0 2 * * */0").unwrap_err().contains("step"));
        assert!(Cron::parse("0 5-2 * * *").unwrap_err().contains("hour"));
    }
}
