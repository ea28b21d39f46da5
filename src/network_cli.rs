//! `peerlift network`: the active network as statistics, DOT, GraphML or JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::client::Conn;
use peerlift_api::pb;
use peerlift_api::pb::network_service_client::NetworkServiceClient;

use crate::client::ClientError;
use crate::table::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Dot,
    Graphml,
    Json,
}

/// The whole network: every page, joined (a teacher named on several pages once).
pub async fn fetch(channel: Conn, municipality: String) -> Result<pb::Network, ClientError> {
    let mut c = NetworkServiceClient::new(channel);
    let mut net = c
        .get_network(pb::GetNetworkRequest {
            municipality_id: municipality.clone(),
            ..Default::default()
        })
        .await?
        .into_inner();
    let mut seen: std::collections::BTreeSet<(String, String)> = net
        .teachers
        .iter()
        .map(|t| (t.school_id.clone(), t.id.clone()))
        .collect();
    while !net.next_page_token.is_empty() {
        let page = c
            .get_network(pb::GetNetworkRequest {
                municipality_id: municipality.clone(),
                page_token: std::mem::take(&mut net.next_page_token),
                ..Default::default()
            })
            .await?
            .into_inner();
        net.mentorships.extend(page.mentorships);
        for t in page.teachers {
            if seen.insert((t.school_id.clone(), t.id.clone())) {
                net.teachers.push(t);
            }
        }
        net.next_page_token = page.next_page_token;
    }
    Ok(net)
}

fn status_name(v: i32) -> &'static str {
    match pb::SchoolStatus::try_from(v) {
        Ok(pb::SchoolStatus::LowResults) => "low results",
        Ok(pb::SchoolStatus::AtRisk) => "at risk",
        Ok(pb::SchoolStatus::Stable) => "stable",
        Ok(pb::SchoolStatus::Leader) => "leader",
        _ => "unknown",
    }
}

fn status_colour(v: i32) -> &'static str {
    match pb::SchoolStatus::try_from(v) {
        Ok(pb::SchoolStatus::LowResults) => "#f4a6a6",
        Ok(pb::SchoolStatus::AtRisk) => "#f9d49b",
        Ok(pb::SchoolStatus::Leader) => "#a8d5a2",
        _ => "#dde6f0",
    }
}

fn ptype(v: i32) -> &'static str {
    match pb::PartnershipType::try_from(v) {
        Ok(pb::PartnershipType::Identical) => "identical",
        Ok(pb::PartnershipType::Instrumental) => "instrumental",
        _ => "",
    }
}

/// DOT and GraphML ids and labels must not break the syntax: escape quotes and backslashes.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The mentees of a mentorship: a group's members, or the one mentee.
fn mentees(m: &pb::Mentorship) -> Vec<&str> {
    if m.members.is_empty() {
        vec![m.mentee_id.as_str()]
    } else {
        m.members.iter().map(String::as_str).collect()
    }
}

/// A school-level picture: schools coloured by status, partnerships as bold edges, teacher
/// pairs between two schools as one dashed edge with the count and subjects.
pub fn dot(n: &pb::Network) -> String {
    let mut out = String::new();
    // Directed: who mentors whom reads off the arrow (mentor's school -> mentee's school).
    let _ = writeln!(out, "digraph \"{}\" {{", esc(&n.municipality_id));
    use crate::i18n::{n as num, s as text, t, tr};
    let _ = writeln!(
        out,
        "  graph [label=\"{}\", labelloc=t, fontsize=16, fontname=\"Helvetica\", layout=neato, overlap=false, sep=\"+24\", splines=true, esep=\"+8\"];",
        esc(&tr("net-title", &[("municipality", text(&n.municipality_id))])).replace('\n', "\\n")
    );
    let _ = writeln!(
        out,
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];"
    );
    // `decorate` ties each label to its edge with a short line, so no label floats free.
    let _ = writeln!(
        out,
        "  edge [fontname=\"Helvetica\", fontsize=9, decorate=true, arrowsize=0.8];"
    );
    let school_of: BTreeMap<&str, &str> = n
        .teachers
        .iter()
        .map(|t| (t.id.as_str(), t.school_id.as_str()))
        .collect();
    let mut pairs: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut partnerships = Vec::new();
    for m in &n.mentorships {
        let teachers = m.kind == pb::MatchKind::TeacherPairs as i32
            || m.kind == pb::MatchKind::TeacherGroups as i32;
        if !teachers {
            let form = if m.kind == pb::MatchKind::SchoolGroups as i32 {
                t("net-group-partnership")
            } else {
                t("net-partnership")
            };
            let what = if m.subject.is_empty() {
                format!(
                    "{form} ({})",
                    t(&format!("net-type-{}", ptype(m.partnership_type)))
                )
            } else {
                format!("{}: {}", form, m.subject)
            };
            for mentee in mentees(m) {
                partnerships.push((
                    m.mentor_id.clone(),
                    mentee.to_string(),
                    what.clone(),
                    ptype(m.partnership_type),
                ));
            }
        } else {
            // Teacher pairs and groups: one edge per pair of schools, counting the mentees.
            let Some(a) = school_of.get(m.mentor_id.as_str()) else {
                continue;
            };
            for mentee in mentees(m) {
                if let Some(b) = school_of.get(mentee) {
                    pairs
                        .entry((a.to_string(), b.to_string()))
                        .or_default()
                        .push(m.subject.clone());
                }
            }
        }
    }
    let summary = |subjects: &[String]| {
        let mut uniq = subjects.to_vec();
        uniq.sort();
        uniq.dedup();
        (
            tr("net-mentees", &[("count", num(subjects.len() as u32))]),
            uniq.join(", "),
        )
    };
    for s in &n.schools {
        let cover = if s.ab_deficits > 0 {
            format!(
                "\\n{}",
                tr(
                    "net-covered",
                    &[
                        ("covered", num(s.ab_covered)),
                        ("deficits", num(s.ab_deficits))
                    ]
                )
            )
        } else {
            String::new()
        };
        // Mentoring inside the school is part of its box, not a label beside it.
        let internal = pairs
            .get(&(s.id.clone(), s.id.clone()))
            .map(|subjects| {
                format!(
                    "\\n{}",
                    tr("net-within", &[("mentees", text(summary(subjects).0))])
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\\n{} · {}{}{}\", fillcolor=\"{}\"];",
            esc(&s.id),
            esc(&s.name),
            t(&format!(
                "status-{}",
                status_name(s.status).replace('_', "-")
            )),
            tr("net-teachers", &[("count", num(s.teachers))]),
            cover,
            internal,
            status_colour(s.status)
        );
    }
    // One edge per pair of schools: a partnership and the teachers mentored along it share
    // it, so the picture has as few lines as the network has links.
    let mut drawn = std::collections::BTreeSet::new();
    for (mentor, mentee, what, kind) in partnerships {
        let teachers = pairs.get(&(mentor.clone(), mentee.clone()));
        let label = match teachers {
            Some(t) => format!("{what} · {}", summary(t).0),
            None => what,
        };
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\" [penwidth=3, color=\"{}\", label=\"{}\"];",
            esc(&mentor),
            esc(&mentee),
            if kind == "identical" {
                "#6a3d9a"
            } else {
                "#1f4e79"
            },
            esc(&label)
        );
        drawn.insert((mentor, mentee));
    }
    for ((a, b), subjects) in &pairs {
        if a == b || drawn.contains(&(a.clone(), b.clone())) {
            continue;
        }
        let (count, which) = summary(subjects);
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\" [style=dashed, color=\"#555555\", label=\"{}\", tooltip=\"{}: {}\"];",
            esc(a),
            esc(b),
            esc(&count),
            esc(&count),
            esc(&which)
        );
    }
    out.push_str("}\n");
    out
}

/// Teacher-level GraphML: schools and the teachers in pairs as nodes; works-at, pair and
/// partnership edges, with attributes.
pub fn graphml(n: &pb::Network) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n");
    for (id, on, ty) in [
        ("kind", "node", "string"),
        ("name", "node", "string"),
        ("status", "node", "string"),
        ("locality", "node", "string"),
        ("teachers", "node", "int"),
        ("ab_deficits", "node", "int"),
        ("ab_covered", "node", "int"),
        ("form", "edge", "string"),
        ("subject", "edge", "string"),
        ("mode", "edge", "string"),
        ("type", "edge", "string"),
        ("locked", "edge", "boolean"),
    ] {
        let _ = writeln!(
            out,
            "  <key id=\"{id}\" for=\"{on}\" attr.name=\"{id}\" attr.type=\"{ty}\"/>"
        );
    }
    let _ = writeln!(
        out,
        "  <graph id=\"{}\" edgedefault=\"directed\">",
        xml(&n.municipality_id)
    );
    for s in &n.schools {
        let _ = writeln!(
            out,
            "    <node id=\"school:{}\"><data key=\"kind\">school</data><data key=\"name\">{}</data><data key=\"status\">{}</data><data key=\"locality\">{}</data><data key=\"teachers\">{}</data><data key=\"ab_deficits\">{}</data><data key=\"ab_covered\">{}</data></node>",
            xml(&s.id), xml(&s.name), status_name(s.status), xml(&s.locality), s.teachers, s.ab_deficits, s.ab_covered
        );
    }
    for t in &n.teachers {
        let _ = writeln!(
            out,
            "    <node id=\"teacher:{}\"><data key=\"kind\">teacher</data><data key=\"name\">{}</data></node>",
            xml(&t.id),
            xml(&t.full_name)
        );
        let _ = writeln!(
            out,
            "    <edge source=\"teacher:{}\" target=\"school:{}\"><data key=\"form\">works_at</data></edge>",
            xml(&t.id),
            xml(&t.school_id)
        );
    }
    for m in &n.mentorships {
        let (prefix, form) = match pb::MatchKind::try_from(m.kind) {
            Ok(pb::MatchKind::SchoolDirections) => ("school", "direction_partnership"),
            Ok(pb::MatchKind::SchoolPartnerships) => ("school", "partnership"),
            Ok(pb::MatchKind::SchoolGroups) => ("school", "school_group"),
            Ok(pb::MatchKind::ManagementPlatforms) => ("school", "management_platform"),
            Ok(pb::MatchKind::TeacherGroups) => ("teacher", "teacher_group"),
            _ => ("teacher", "teacher_pair"),
        };
        let mode = if m.mode == pb::Mode::Online as i32 {
            "online"
        } else {
            "in_person"
        };
        for (k, mentee) in mentees(m).into_iter().enumerate() {
            let _ = writeln!(
                out,
                "    <edge id=\"{}#{k}\" source=\"{prefix}:{}\" target=\"{prefix}:{}\"><data key=\"form\">{form}</data><data key=\"subject\">{}</data><data key=\"mode\">{mode}</data><data key=\"type\">{}</data><data key=\"locked\">{}</data></edge>",
                xml(&m.id),
                xml(&m.mentor_id),
                xml(mentee),
                xml(&m.subject),
                ptype(m.partnership_type),
                m.locked
            );
        }
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

pub fn json(n: &pb::Network) -> String {
    let stats = n.stats.clone().unwrap_or_default();
    let v = serde_json::json!({
        "municipality_id": n.municipality_id,
        "schools": n.schools.iter().map(|s| serde_json::json!({
            "id": s.id, "name": s.name, "status": status_name(s.status), "locality": s.locality,
            "location": s.location.map(|p| serde_json::json!({"lat": p.lat, "lon": p.lon})),
            "teachers": s.teachers, "ab_deficits": s.ab_deficits, "ab_covered": s.ab_covered,
        })).collect::<Vec<_>>(),
        "teachers": n.teachers.iter().map(|t| serde_json::json!({
            "id": t.id, "school_id": t.school_id, "full_name": t.full_name, "subjects": t.subjects,
        })).collect::<Vec<_>>(),
        "mentorships": n.mentorships.iter().map(|m| serde_json::json!({
            "id": m.id,
            "form": match pb::MatchKind::try_from(m.kind) { Ok(pb::MatchKind::SchoolPartnerships) => "partnership", Ok(pb::MatchKind::SchoolDirections) => "direction_partnership", _ => "teacher_pair" },
            "mentee_id": m.mentee_id, "mentor_id": m.mentor_id, "subject": m.subject,
            "mode": if m.mode == pb::Mode::Online as i32 { "online" } else { "in_person" },
            "type": ptype(m.partnership_type), "locked": m.locked, "started_on": m.started_on,
            "members": m.members,
        })).collect::<Vec<_>>(),
        "stats": {
            "schools_in_need": stats.schools_in_need,
            "schools_in_need_with_partner": stats.schools_in_need_with_partner,
            "ab_deficits": stats.ab_deficits,
            "ab_covered": stats.ab_covered,
            "leaders": stats.leaders.iter().map(|l| serde_json::json!({
                "school_id": l.school_id, "partners": l.partners, "capacity": l.capacity,
                "mentoring_pairs": l.mentoring_pairs,
            })).collect::<Vec<_>>(),
            "isolated_schools": stats.isolated_schools,
            "component_sizes": stats.component_sizes,
        }
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// The statistics as text.
pub fn print_stats(n: &pb::Network) {
    use crate::i18n::{n as num, s as text, tr};
    let s = n.stats.clone().unwrap_or_default();
    let pct = |a: u64, b: u64| (a * 100).checked_div(b).unwrap_or(0);
    println!(
        "{}",
        tr(
            "stats-partnered",
            &[
                ("with", num(s.schools_in_need_with_partner)),
                ("need", num(s.schools_in_need)),
                (
                    "pct",
                    num(pct(
                        u64::from(s.schools_in_need_with_partner),
                        u64::from(s.schools_in_need)
                    ) as f64),
                ),
            ],
        )
    );
    println!(
        "{}",
        tr(
            "stats-covered",
            &[
                ("covered", num(s.ab_covered as f64)),
                ("deficits", num(s.ab_deficits as f64)),
                ("pct", num(pct(s.ab_covered, s.ab_deficits) as f64)),
            ],
        )
    );
    let mut t = Table::new(&["leader", "partners", "capacity", "teacher pairs mentored"]);
    for l in &s.leaders {
        t.row(vec![
            l.school_id.clone(),
            l.partners.to_string(),
            l.capacity.to_string(),
            l.mentoring_pairs.to_string(),
        ]);
    }
    print!("{}", t.render());
    let isolated = if s.isolated_schools.is_empty() {
        crate::i18n::t("stats-none")
    } else {
        s.isolated_schools.join(", ")
    };
    println!("{}", tr("stats-isolated", &[("list", text(isolated))]));
    let sizes: Vec<String> = s.component_sizes.iter().map(|x| x.to_string()).collect();
    println!(
        "{}",
        tr(
            "stats-components",
            &[
                ("count", num(s.component_sizes.len() as f64)),
                ("sizes", text(sizes.join(", "))),
            ],
        )
    );
}
