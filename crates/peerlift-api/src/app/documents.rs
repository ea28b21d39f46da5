//! The office's documents, drafted from the data (issue 17 §5): first, the order approving the
//! list of network partnerships for a school year (seed 003: orders No 263 of 12.10.2021 and No
//! 354 of 18.10.2022), with its annex table. HTML with a print style, in Russian: what the
//! office signs is Russian; the number and date are the office's once it signs.

use peerlift_domain::{MatchKind, Mentorship, Municipality, Order, PartnershipType, School};
use peerlift_store::Store;

use super::all_of;
use crate::error::{ApiError, ApiResult};
use crate::state;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A drafted document.
#[derive(Debug, Clone)]
pub struct Document {
    pub title: String,
    pub html: String,
    /// The mentorships the document lists (its annex).
    pub mentorship_ids: Vec<String>,
}

/// The print style every document shares: A4, serif, a bordered table that breaks cleanly.
const STYLE: &str = "@page { size: A4; margin: 20mm 15mm 20mm 25mm; }
body { font-family: 'Times New Roman', 'Liberation Serif', serif; font-size: 14pt; line-height: 1.4; max-width: 180mm; margin: 0 auto; }
h1, h2 { text-align: center; font-size: 14pt; margin: 0.5em 0; }
p.center { text-align: center; } p.right { text-align: right; }
table { border-collapse: collapse; width: 100%; font-size: 12pt; }
th, td { border: 1px solid #000; padding: 4px 6px; vertical-align: top; }
tr { page-break-inside: avoid; }
.annex { page-break-before: always; }
.sign { margin-top: 3em; display: flex; justify-content: space-between; }
@media screen { body { margin: 2em auto; } }";

fn type_ru(t: Option<PartnershipType>) -> &'static str {
    match t {
        Some(PartnershipType::Identical) => "идентичное",
        Some(PartnershipType::Instrumental) => "инструментальное",
        None => "—",
    }
}

fn date_ru(d: jiff::civil::Date) -> String {
    format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
}

/// The order approving the list of network partnerships for `school_year`: every school
/// partnership of the municipality whose charter names that year and that was active during
/// it, in the order of the mentee schools' names. `order`: the number and date once signed
/// (blanks for the office to fill in otherwise).
pub fn partnership_order(
    s: &Store,
    municipality_id: &str,
    school_year: &str,
    order: Option<&Order>,
) -> ApiResult<Document> {
    let m: Municipality = state::municipality(s, municipality_id)?;
    let Some((from, to)) = peerlift_domain::associations::school_year_range(school_year) else {
        return Err(ApiError::invalid(
            "school_year",
            format!("'{school_year}' is not a school year like 2022-2023"),
        ));
    };
    let schools: Vec<School> = all_of(s, municipality_id)?;
    let name = |id: &str| {
        schools
            .iter()
            .find(|x| x.id == id)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let mut listed: Vec<Mentorship> = all_of::<Mentorship>(s, municipality_id)?
        .into_iter()
        .filter(|x| {
            x.kind == MatchKind::SchoolPartnerships
                && x.charter.school_year == school_year
                && x.started_on < to
                && x.ended_on.is_none_or(|e| e >= from)
        })
        .collect();
    listed.sort_by_key(|x| (name(&x.mentee_id), x.id.clone()));
    let (number, date) = match order {
        Some(o) => (esc(&o.number), date_ru(o.date)),
        None => ("______".to_string(), "«___» __________ 20__".to_string()),
    };
    let title = format!("Об утверждении перечня сетевых партнёрств на {school_year} учебный год");
    let mut rows = String::new();
    for (i, x) in listed.iter().enumerate() {
        rows.push_str(&format!(
            "<tr data-mentorship=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&x.id),
            i + 1,
            esc(&name(&x.mentee_id)),
            esc(&name(&x.mentor_id)),
            type_ru(x.partnership_type),
            esc(&x.charter.goal),
            date_ru(x.started_on),
        ));
    }
    let body = format!(
        "<p class=\"center\">{office}</p>
<h1>ПРИКАЗ</h1>
<p class=\"center\">от {date} № {number}</p>
<h2>{title}</h2>
<p>В целях реализации муниципальной программы поддержки школ с низкими образовательными
результатами и развития сетевого взаимодействия образовательных организаций</p>
<p>ПРИКАЗЫВАЮ:</p>
<ol>
<li>Утвердить перечень сетевых партнёрств образовательных организаций на {school_year}
учебный год (приложение).</li>
<li>Руководителям образовательных организаций обеспечить реализацию планов сетевого
взаимодействия.</li>
<li>Контроль за исполнением приказа возложить на методическую службу.</li>
</ol>
<div class=\"sign\"><span>Председатель комитета</span><span>____________</span></div>
<section class=\"annex\">
<p class=\"right\">Приложение<br>к приказу от {date} № {number}</p>
<h2>Перечень сетевых партнёрств на {school_year} учебный год</h2>
<table>
<thead><tr><th>№ п/п</th><th>Школа</th><th>Школа-партнёр</th><th>Тип партнёрства</th><th>Общая цель</th><th>Начало</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
<p>Всего партнёрств: {count}.</p>
</section>",
        office = esc(&format!("Комитет образования: {}", m.name)),
        count = listed.len(),
    );
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        esc(&title)
    );
    Ok(Document {
        title,
        html,
        mentorship_ids: listed.into_iter().map(|x| x.id).collect(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}
