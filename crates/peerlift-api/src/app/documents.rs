//! The office's documents, drafted from the data (issue 17 §5): first, the order approving the
//! list of network partnerships for a school year (seed 003: orders No 263 of 12.10.2021 and No
//! 354 of 18.10.2022), with its annex table. HTML with a print style, in Russian: what the
//! office signs is Russian; the number and date are the office's once it signs.

use std::collections::BTreeMap;

use peerlift_domain::plans::Settled;
use peerlift_domain::programme::IndicatorRow;
use peerlift_domain::{
    Assessment, CatalogKind, Diagnostic, DocumentKind, Event, EventStatus, Indicator, ItemKind,
    ItemStatus, MatchKind, Mentorship, Municipality, Order, PartnershipType, Plan, PlanKind,
    School, SignedDocument, Teacher,
};
use peerlift_store::Store;

use super::{all_of, programme};
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
    Ok(Document {
        html: page(&title, &body),
        title,
        mentorship_ids: listed.into_iter().map(|x| x.id).collect(),
    })
}

/// A whole printable page around `body`.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        esc(title)
    )
}

fn office(m: &Municipality) -> String {
    format!(
        "<p class=\"center\">{}</p>",
        esc(&format!("Комитет образования: {}", m.name))
    )
}

fn signed(order: Option<&Order>) -> (String, String) {
    match order {
        Some(o) => (esc(&o.number), date_ru(o.date)),
        None => ("______".to_string(), "«___» __________ 20__".to_string()),
    }
}

/// Names of the municipality's schools and teachers, for documents.
struct Names {
    schools: BTreeMap<String, School>,
    teachers: BTreeMap<String, Teacher>,
}

impl Names {
    fn load(s: &Store, muni: &str) -> ApiResult<Names> {
        Ok(Names {
            schools: all_of::<School>(s, muni)?
                .into_iter()
                .map(|x| (x.id.clone(), x))
                .collect(),
            teachers: all_of::<Teacher>(s, muni)?
                .into_iter()
                .map(|x| (x.id.clone(), x))
                .collect(),
        })
    }
    fn school(&self, id: &str) -> String {
        self.schools
            .get(id)
            .map_or_else(|| id.to_string(), |x| x.name.clone())
    }
    fn teacher(&self, id: &str) -> String {
        self.teachers
            .get(id)
            .map_or_else(|| id.to_string(), |x| x.full_name.clone())
    }
}

fn subject_ru(code: &str) -> String {
    peerlift_text::catalog_name(peerlift_text::Lang::Ru, CatalogKind::Subject, code)
        .unwrap_or_else(|| code.to_string())
}

fn opt_date(d: Option<jiff::civil::Date>) -> String {
    d.map(date_ru).unwrap_or_else(|| "—".to_string())
}

fn status_ru(x: &Settled) -> String {
    let s = match x.item.status {
        ItemStatus::Planned => "запланировано",
        ItemStatus::InProgress => "выполняется",
        ItemStatus::Done => "выполнено",
        ItemStatus::Cancelled => "отменено",
    };
    let mut out = s.to_string();
    if let Some(d) = x.item.done_on.filter(|_| x.item.status == ItemStatus::Done) {
        out.push_str(&format!(" {}", date_ru(d)));
    }
    if x.overdue {
        out.push_str(" <strong>(просрочено)</strong>");
    }
    out
}

/// The agreement on network cooperation between the two schools of a school partnership.
pub fn network_agreement(
    s: &Store,
    muni: &str,
    mentorship_id: &str,
    order: Option<&Order>,
) -> ApiResult<Document> {
    let m = state::municipality(s, muni)?;
    let x = s
        .get::<Mentorship>(&peerlift_store::key(&[muni, mentorship_id]))?
        .filter(|x| x.kind == MatchKind::SchoolPartnerships)
        .ok_or_else(|| {
            ApiError::invalid(
                "subject",
                format!("no school partnership '{mentorship_id}' in municipality '{muni}'"),
            )
        })?;
    let names = Names::load(s, muni)?;
    let (number, date) = signed(order);
    let (a, b) = (names.school(&x.mentor_id), names.school(&x.mentee_id));
    let year = if x.charter.school_year.is_empty() {
        peerlift_domain::school_year_of(x.started_on)
    } else {
        x.charter.school_year.clone()
    };
    let title = format!("Договор о сетевом взаимодействии: {a} и {b}");
    let goal = if x.charter.goal.is_empty() {
        "повышение качества образовательных результатов обучающихся через сетевое наставничество"
            .to_string()
    } else {
        x.charter.goal.clone()
    };
    let body = format!(
        "<h1>ДОГОВОР № {number}</h1>
<h2>о сетевом взаимодействии образовательных организаций</h2>
<p class=\"right\">{date}</p>
<p>{a} (далее — Школа-наставник) и {b} (далее — Школа-партнёр), далее вместе — Стороны,
заключили настоящий договор о нижеследующем.</p>
<h2>1. Предмет договора</h2>
<p>1.1. Стороны осуществляют сетевое взаимодействие ({kind} партнёрство) в {year} учебном году
с целью: {goal}.</p>
<h2>2. Обязанности сторон</h2>
<p>2.1. Школа-наставник проводит открытые уроки, мастер-классы и консультации для педагогов
Школы-партнёра по выявленным профессиональным дефицитам.</p>
<p>2.2. Школа-партнёр направляет педагогов для участия в мероприятиях, составляет рабочий план
по результатам диагностики и представляет отчёт о его выполнении.</p>
<p>2.3. Стороны совместно анализируют результаты повторной диагностики.</p>
<h2>3. Срок действия</h2>
<p>3.1. Договор действует с {start} до окончания {year} учебного года.</p>
<div class=\"sign\"><span>Директор: {a}<br>____________</span><span>Директор: {b}<br>____________</span></div>",
        a = esc(&a),
        b = esc(&b),
        kind = type_ru(x.partnership_type),
        year = esc(&year),
        goal = esc(&goal),
        start = date_ru(x.started_on),
    );
    let _ = &m;
    Ok(Document {
        html: page(&title, &body),
        title,
        mentorship_ids: vec![x.id],
    })
}

/// Addressed recommendations after the diagnostic round of `school_year`: for each school, its
/// teachers whose latest diagnostic of that year shows an A/B deficit, and the measure for each
/// (the mentor who works with it, or a mentor to assign).
pub fn recommendations(
    s: &Store,
    muni: &str,
    school_year: &str,
    order: Option<&Order>,
) -> ApiResult<Document> {
    let m = state::municipality(s, muni)?;
    let (from, to) = year_range(school_year)?;
    let names = Names::load(s, muni)?;
    let diagnostics: Vec<Diagnostic> = all_of(s, muni)?;
    let mentorships: Vec<Mentorship> = all_of(s, muni)?;
    let in_year: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.date >= from && d.date < to)
        .collect();
    let history = peerlift_domain::progress::History::new(in_year.iter().copied());
    let mut by_school: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut listed = Vec::new();
    for (teacher, subject, rounds) in history.all() {
        let Some(d) = rounds.last() else { continue };
        if !peerlift_domain::progress::is_deficit(d.level) {
            continue;
        }
        let Some(t) = names.teachers.get(teacher).filter(|t| t.active) else {
            continue;
        };
        let mentor = mentorships.iter().find(|x| {
            x.is_active()
                && !x.kind.is_schools()
                && (x.mentee_id == teacher || x.members.iter().any(|y| y == teacher))
                && (x.subject.is_empty() || x.subject == subject)
        });
        let measure = match mentor {
            Some(x) => {
                listed.push(x.id.clone());
                format!(
                    "Работа с наставником: {}",
                    esc(&names.teacher(&x.mentor_id))
                )
            }
            None => "Назначить наставника; включить в мероприятия сети по предмету".to_string(),
        };
        by_school
            .entry(t.school_id.clone())
            .or_default()
            .push(format!(
                "<tr data-teacher=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(teacher),
                esc(&t.full_name),
                esc(&subject_ru(subject)),
                d.level.code().to_uppercase(),
                measure
            ));
    }
    let (number, date) = signed(order);
    let title = format!("Адресные рекомендации по итогам мониторинга профессиональных дефицитов, {school_year} учебный год");
    let mut sections = String::new();
    for (school, rows) in &by_school {
        sections.push_str(&format!(
            "<h2>{}</h2>\n<table>\n<thead><tr><th>Педагог</th><th>Предмет</th><th>Уровень дефицита</th><th>Рекомендуемая мера</th></tr></thead>\n<tbody>\n{}\n</tbody>\n</table>\n",
            esc(&names.school(school)),
            rows.join("\n")
        ));
    }
    if by_school.is_empty() {
        sections.push_str("<p>По итогам мониторинга дефицитов уровней A и B не выявлено.</p>");
    }
    let body = format!(
        "{office}
<h1>{title}</h1>
<p class=\"center\">к распоряжению от {date} № {number}</p>
<p>По итогам мониторинга профессиональных дефицитов педагогов в {school_year} учебном году
руководителям образовательных организаций рекомендуется обеспечить участие педагогов с
дефицитами уровней A (системные) и B (локальные) в мерах, указанных ниже.</p>
{sections}
<div class=\"sign\"><span>Методическая служба</span><span>____________</span></div>",
        office = office(&m),
        title = esc(&title),
        school_year = esc(school_year),
    );
    listed.sort();
    listed.dedup();
    Ok(Document {
        html: page(&title, &body),
        title,
        mentorship_ids: listed,
    })
}

fn year_range(school_year: &str) -> ApiResult<(jiff::civil::Date, jiff::civil::Date)> {
    peerlift_domain::associations::school_year_range(school_year).ok_or_else(|| {
        ApiError::invalid(
            "school_year",
            format!("'{school_year}' is not a school year like 2022-2023"),
        )
    })
}

/// The report on an event: when, where, who organised and came, materials, what participants
/// said.
pub fn event_report(
    s: &Store,
    muni: &str,
    event_id: &str,
    order: Option<&Order>,
) -> ApiResult<Document> {
    let m = state::municipality(s, muni)?;
    let e = s
        .get::<Event>(&peerlift_store::key(&[muni, event_id]))?
        .ok_or_else(|| {
            ApiError::invalid(
                "subject",
                format!("no event '{event_id}' in municipality '{muni}'"),
            )
        })?;
    if e.status != EventStatus::Held {
        return Err(ApiError::FailedPrecondition(format!(
            "event '{event_id}' is {}: record it as held (peerlift events record) before reporting on it",
            e.status.code()
        )));
    }
    let names = Names::load(s, muni)?;
    let (number, date) = signed(order);
    let mut schools: Vec<String> = e
        .attended
        .iter()
        .filter_map(|t| names.teachers.get(t).map(|t| t.school_id.clone()))
        .chain((!e.host_school_id.is_empty()).then(|| e.host_school_id.clone()))
        .collect();
    schools.sort();
    schools.dedup();
    let ratings: Vec<f64> = e.feedback.iter().map(|f| f64::from(f.rating)).collect();
    let mean = peerlift_domain::progress::mean(ratings.iter().copied())
        .map_or_else(|| "—".to_string(), |x| format!("{x:.1}"));
    let people: String = e
        .attended
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "<tr data-teacher=\"{}\"><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(t),
                i + 1,
                esc(&names.teacher(t)),
                esc(&names
                    .teachers
                    .get(t)
                    .map(|x| names.school(&x.school_id))
                    .unwrap_or_default())
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let comments: String = e
        .feedback
        .iter()
        .filter(|f| !f.comment.is_empty())
        .map(|f| format!("<li>{}</li>", esc(&f.comment)))
        .collect();
    let title = format!("Отчёт о проведении мероприятия «{}»", e.title);
    let body = format!(
        "{office}
<h1>{title}</h1>
<p class=\"center\">к распоряжению от {date} № {number}</p>
<p>Дата проведения: {when}. Место: {place}. Форма: {mode}.</p>
<p>Участников: {n}; образовательных организаций: {schools}. Средняя оценка участников: {mean}
(из 5; отзывов: {feedback}).</p>
<h2>Участники</h2>
<table>
<thead><tr><th>№ п/п</th><th>Педагог</th><th>Образовательная организация</th></tr></thead>
<tbody>
{people}
</tbody>
</table>
{materials}{comments}
<div class=\"sign\"><span>Методическая служба</span><span>____________</span></div>",
        office = office(&m),
        title = esc(&title),
        when = date_ru(e.start.date()),
        place = esc(if e.place.is_empty() {
            names
                .schools
                .get(&e.host_school_id)
                .map_or("—", |x| x.name.as_str())
        } else {
            &e.place
        }),
        mode = esc(e.mode.code()),
        n = e.attended.len(),
        schools = schools.len(),
        feedback = e.feedback.len(),
        materials = if e.materials.is_empty() {
            String::new()
        } else {
            format!(
                "<h2>Материалы</h2><ul>{}</ul>",
                e.materials
                    .iter()
                    .map(|x| format!("<li>{}</li>", esc(x)))
                    .collect::<String>()
            )
        },
        comments = if comments.is_empty() {
            String::new()
        } else {
            format!("<h2>Отзывы участников</h2><ul>{comments}</ul>")
        },
    );
    Ok(Document {
        html: page(&title, &body),
        title,
        mentorship_ids: Vec::new(),
    })
}

/// A roadmap or a route as a table of its items with their effective status; a route fits one
/// page (the teacher, the school, the deficits and the items).
pub fn plan_document(
    s: &Store,
    muni: &str,
    plan_id: &str,
    want: PlanKind,
    today: jiff::civil::Date,
    order: Option<&Order>,
) -> ApiResult<Document> {
    let m = state::municipality(s, muni)?;
    let p = s
        .get::<Plan>(&peerlift_store::key(&[muni, plan_id]))?
        .filter(|p| p.kind == want)
        .ok_or_else(|| {
            ApiError::invalid(
                "subject",
                format!("no {} '{plan_id}' in municipality '{muni}'", want.code()),
            )
        })?;
    let names = Names::load(s, muni)?;
    let tracked = programme::TrackedData::load(s, muni, today)?;
    let settled = tracked
        .settle(std::slice::from_ref(&p))
        .pop()
        .unwrap_or_default();
    let (number, date) = signed(order);
    let rows: String = settled
        .iter()
        .map(|x| {
            format!(
                "<tr data-item=\"{}\"{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&x.item.id),
                if x.overdue { " class=\"overdue\"" } else { "" },
                esc(&x.item.id),
                esc(&x.item.what),
                esc(&x.item.responsible),
                opt_date(x.item.due),
                status_ru(x),
                esc(&x.item.evidence),
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let head = match p.kind {
        PlanKind::Roadmap => format!(
            "{office}\n<p class=\"right\">Утверждена распоряжением<br>от {date} № {number}</p>\n<h1>{title}</h1>{school}",
            office = office(&m),
            title = esc(&p.title),
            school = if p.school_id.is_empty() {
                String::new()
            } else {
                format!("<p class=\"center\">{}</p>", esc(&names.school(&p.school_id)))
            },
        ),
        PlanKind::Route => format!(
            "<h1>Индивидуальный образовательный маршрут педагога</h1>\n<p>Педагог: <strong>{}</strong><br>Образовательная организация: {}<br>Утверждён: {date} № {number}</p>",
            esc(&names.teacher(&p.teacher_id)),
            esc(&names.school(&p.school_id)),
        ),
    };
    let compact = if p.kind == PlanKind::Route {
        "<style>body { font-size: 11pt; } table { font-size: 10pt; } th, td { padding: 2px 4px; }</style>"
    } else {
        ""
    };
    let overdue = settled.iter().filter(|x| x.overdue).count();
    let body = format!(
        "{compact}{head}
<table>
<thead><tr><th>№</th><th>Мероприятие</th><th>Ответственный</th><th>Срок</th><th>Статус</th><th>Подтверждение</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p>Пунктов: {total}; выполнено: {done}; просрочено: {overdue}.</p>
<div class=\"sign\"><span>{signer}</span><span>____________</span></div>",
        total = settled.len(),
        done = settled
            .iter()
            .filter(|x| x.item.status == ItemStatus::Done)
            .count(),
        signer = if p.kind == PlanKind::Route {
            "Педагог / руководитель ОО"
        } else {
            "Председатель комитета"
        },
    );
    Ok(Document {
        html: page(&p.title, &body),
        title: p.title,
        mentorship_ids: p
            .items
            .iter()
            .filter(|x| x.kind == ItemKind::Mentorship)
            .map(|x| x.link.clone())
            .collect(),
    })
}

/// A programme's annual report: its goal and stages, each indicator of the year against its
/// target with what it rests on, and the network's year.
pub fn annual_report(
    s: &Store,
    muni: &str,
    programme_id: &str,
    school_year: &str,
    today: jiff::civil::Date,
    order: Option<&Order>,
) -> ApiResult<Document> {
    let m = state::municipality(s, muni)?;
    year_range(school_year)?;
    let (p, rows) = programme::indicators(s, muni, programme_id, today).map_err(|e| match e {
        ApiError::NotFound { .. } => ApiError::invalid(
            "subject",
            format!("no programme '{programme_id}' in municipality '{muni}'"),
        ),
        e => e,
    })?;
    let data = programme::Data::load(s, muni)?;
    let year = programme::network_by_year(&data, today)
        .into_iter()
        .find(|y| y.school_year == school_year);
    let (number, date) = signed(order);
    let stages: String = p
        .stages
        .iter()
        .map(|x| {
            format!(
                "<li>{}: {} — {}</li>",
                esc(&x.name),
                date_ru(x.start),
                date_ru(x.end)
            )
        })
        .collect();
    let fmt = |r: &IndicatorRow, v: Option<f64>| match v {
        None => "—".to_string(),
        Some(v) if r.indicator.is_percent() => format!("{v:.1}%"),
        Some(v) => format!("{v:.0}"),
    };
    let lines: String = rows
        .iter()
        .filter(|r| r.school_year == school_year)
        .map(|r| {
            let mut name = indicator_ru(r.indicator).to_string();
            if let Some(a) = r.assessment {
                name.push_str(&format!(", {}", assessment_ru(a)));
            }
            if !r.subject.is_empty() {
                name.push_str(&format!(", {}", subject_ru(&r.subject)));
            }
            format!(
                "<tr data-indicator=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.indicator.code(),
                esc(&name),
                fmt(r, r.value.map(|v| v.value)),
                r.value.map_or(0, |v| v.n),
                fmt(r, r.target),
                match r.met() {
                    Some(true) => "достигнуто",
                    Some(false) => "не достигнуто",
                    None => "—",
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let network = match &year {
        Some(y) => format!(
            "<p>Участвовали в сетевом взаимодействии {} из {} педагогов. Курсов повышения
квалификации завершено: {} из {} запланированных. Мероприятий сети проведено: {} из {}.
Вышли из перечня ШНОР: {}.</p>",
            y.participating,
            y.teachers,
            y.courses_completed,
            y.courses_planned,
            y.events_held,
            y.events_planned,
            if y.schools_left.is_empty() {
                "—".to_string()
            } else {
                esc(&y
                    .schools_left
                    .iter()
                    .map(|x| {
                        data.schools
                            .iter()
                            .find(|s| &s.id == x)
                            .map_or(x.as_str(), |s| s.name.as_str())
                    })
                    .collect::<Vec<_>>()
                    .join(", "))
            }
        ),
        None => String::new(),
    };
    let title = format!(
        "Отчёт о реализации программы «{}» за {school_year} учебный год",
        p.title
    );
    let body = format!(
        "{office}
<h1>{title}</h1>
<p class=\"center\">к распоряжению от {date} № {number}</p>
<p>Цель программы: {goal}</p>
<h2>Этапы</h2>
<ul>{stages}</ul>
<h2>Показатели за {year}</h2>
<table>
<thead><tr><th>Показатель</th><th>Значение</th><th>n</th><th>Целевое значение</th><th>Итог</th></tr></thead>
<tbody>
{lines}
</tbody>
</table>
<p>n — на чём основано значение: число обучающихся (результаты), школ, повторно
диагностированных дефицитов, педагогов или запланированных занятий.</p>
{network}
<div class=\"sign\"><span>Председатель комитета</span><span>____________</span></div>",
        office = office(&m),
        title = esc(&title),
        goal = esc(&p.goal),
        year = esc(school_year),
    );
    Ok(Document {
        html: page(&title, &body),
        title,
        mentorship_ids: Vec::new(),
    })
}

pub fn indicator_ru(i: Indicator) -> &'static str {
    match i {
        Indicator::PositiveShare => "Доля положительных отметок",
        Indicator::QualityShare => "Качество знаний (доля «4» и «5»)",
        Indicator::LowResultSchools => "Школ в перечне ШНОР на конец года",
        Indicator::DeficitsClosed => "Доля устранённых дефицитов A/B",
        Indicator::Participation => "Доля педагогов, участвующих в сети",
        Indicator::SessionsHeld => "Доля проведённых занятий",
        Indicator::ADeficitsClosed => "Доля педагогов с устранёнными дефицитами уровня A",
    }
}

pub fn assessment_ru(a: Assessment) -> &'static str {
    match a {
        Assessment::Vpr => "ВПР",
        Assessment::Oge => "ОГЭ",
        Assessment::Ege => "ЕГЭ",
        Assessment::Niko => "НИКО",
        Assessment::Regional => "региональная оценка",
    }
}

/// Records a signed document: drafts it (so its title and listed partnerships are the ones
/// signed), stores it under its id (derived from kind, number and date when empty), and for a
/// partnership order writes the order into the charter of each partnership its annex lists.
pub fn record_signed(
    s: &Store,
    b: &mut peerlift_store::Batch,
    m: &Municipality,
    mut doc: SignedDocument,
    now: jiff::Timestamp,
) -> ApiResult<SignedDocument> {
    let order = Order {
        number: doc.number.trim().to_string(),
        date: doc.date,
    };
    if doc.id.is_empty() {
        doc.id = SignedDocument::derived_id(doc.kind, &order.number, order.date);
    }
    if doc.subject.is_empty() {
        return Err(ApiError::invalid(
            "document.subject",
            "must name what the document is about (see DocumentKind)",
        ));
    }
    let today = state::today(m, now);
    let drafted = render(
        s,
        &m.id,
        doc.kind,
        &doc.subject,
        &doc.school_year,
        today,
        Some(&order),
    )
    .map_err(|e| match e {
        ApiError::Invalid(v) => ApiError::Invalid(v.prefixed("document")),
        e => e,
    })?;
    doc.title = drafted.title;
    doc.mentorship_ids = drafted.mentorship_ids;
    doc.validate()
        .map_err(|v| ApiError::Invalid(v.prefixed("document")))?;
    let cur = s.get::<SignedDocument>(&peerlift_store::Record::key(&doc))?;
    if let Some(cur) = &cur {
        doc.meta = cur.meta.clone();
        if &doc == cur {
            return Ok(doc);
        }
        doc.meta = cur.meta.next(now);
    }
    if doc.kind == DocumentKind::PartnershipOrder {
        for id in &doc.mentorship_ids {
            let Some(mut x) = s.get::<Mentorship>(&peerlift_store::key(&[&m.id, id]))? else {
                continue;
            };
            if x.charter.order.as_ref() == Some(&order) {
                continue;
            }
            x.charter.order = Some(order.clone());
            x.meta = x.meta.next(now);
            b.put(&x)?;
        }
    }
    b.put(&doc)?;
    tracing::info!(municipality = %m.id, document = %doc.id, kind = doc.kind.code(),
        partnerships = doc.mentorship_ids.len(), "signed document recorded");
    Ok(doc)
}

/// Drafts a document of any kind (see `DocumentKind` for what `subject` names).
pub fn render(
    s: &Store,
    muni: &str,
    kind: DocumentKind,
    subject: &str,
    school_year: &str,
    today: jiff::civil::Date,
    order: Option<&Order>,
) -> ApiResult<Document> {
    match kind {
        DocumentKind::PartnershipOrder => partnership_order(s, muni, subject, order),
        DocumentKind::NetworkAgreement => network_agreement(s, muni, subject, order),
        DocumentKind::Recommendations => recommendations(s, muni, subject, order),
        DocumentKind::EventReport => event_report(s, muni, subject, order),
        DocumentKind::Roadmap => plan_document(s, muni, subject, PlanKind::Roadmap, today, order),
        DocumentKind::Route => plan_document(s, muni, subject, PlanKind::Route, today, order),
        DocumentKind::AnnualReport => annual_report(s, muni, subject, school_year, today, order),
    }
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
