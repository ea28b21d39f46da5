//! The network picture of the console: schools as circles where they are on the map (or on a
//! circle when a school has no coordinates), mentorships between schools as lines, each school
//! a link to its page. SVG drawn here: the server needs no Graphviz.

use std::collections::BTreeMap;

use peerlift_api::app::documents::esc;
use peerlift_api::pb;

const W: f64 = 960.0;
const H: f64 = 640.0;
const PAD: f64 = 70.0;
/// Room at the sides for the names written under the circles.
const PAD_X: f64 = 170.0;

/// Where each school is drawn: by longitude and latitude when every school has them (scaled
/// by the cosine of the mean latitude, so distances look right), else evenly on a circle.
fn positions(schools: &[pb::NetworkSchool]) -> Vec<(f64, f64)> {
    let located: Vec<(f64, f64)> = schools
        .iter()
        .filter_map(|s| s.location.as_ref().map(|g| (g.lon, g.lat)))
        .collect();
    if !schools.is_empty() && located.len() == schools.len() {
        // Each axis fills the picture: the map's shape gives way to room for the names.
        let xs: Vec<f64> = located.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = located.iter().map(|p| p.1).collect();
        let (x0, x1) = min_max(&xs);
        let (y0, y1) = min_max(&ys);
        let sx = (W - 2.0 * PAD_X) / (x1 - x0).max(1e-9);
        let sy = (H - 2.0 * PAD) / (y1 - y0).max(1e-9);
        let placed: Vec<(f64, f64)> = xs
            .iter()
            .zip(&ys)
            // North up.
            .map(|(x, y)| (PAD_X + (x - x0) * sx, PAD + (y1 - y) * sy))
            .collect();
        return spread(placed);
    }
    let n = schools.len().max(1) as f64;
    let r = (H / 2.0 - PAD).min(W / 2.0 - PAD_X);
    (0..schools.len())
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
            (W / 2.0 + r * a.cos(), H / 2.0 + r * a.sin())
        })
        .collect()
}

/// Pushes schools drawn too close apart (a town with two schools) until each has room for
/// its circle and its name; a fixed number of rounds, in order, so the picture is the same
/// every time.
fn spread(mut p: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    const ROOM: f64 = 90.0;
    for _ in 0..200 {
        let mut moved = false;
        for i in 0..p.len() {
            for j in i + 1..p.len() {
                let (dx, dy) = (p[j].0 - p[i].0, p[j].1 - p[i].1);
                let d = (dx * dx + dy * dy).sqrt();
                if d < ROOM {
                    // Same point: part them sideways.
                    let (ux, uy) = if d < 1e-6 {
                        (1.0, 0.0)
                    } else {
                        (dx / d, dy / d)
                    };
                    let push = (ROOM - d) / 2.0;
                    p[i].0 -= ux * push;
                    p[i].1 -= uy * push;
                    p[j].0 += ux * push;
                    p[j].1 += uy * push;
                    moved = true;
                }
            }
        }
        for q in p.iter_mut() {
            q.0 = q.0.clamp(PAD_X, W - PAD_X);
            q.1 = q.1.clamp(PAD / 2.0, H - PAD);
        }
        if !moved {
            break;
        }
    }
    p
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(*x), b.max(*x))
        })
}

fn colour(status: i32) -> &'static str {
    match pb::SchoolStatus::try_from(status) {
        Ok(pb::SchoolStatus::LowResults) => "#c62828",
        Ok(pb::SchoolStatus::AtRisk) => "#ef6c00",
        Ok(pb::SchoolStatus::Leader) => "#2e7d32",
        _ => "#1565c0",
    }
}

/// The picture: `link(school_id)` is where a school's circle leads; `legend` the names of the
/// four statuses and of the two kinds of line, in the page's language.
pub fn svg(
    net: &pb::Network,
    mentorships: &[pb::Mentorship],
    link: impl Fn(&str) -> String,
    legend: [&str; 6],
) -> String {
    let index: BTreeMap<&str, usize> = net
        .schools
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let school_of: BTreeMap<&str, &str> = net
        .teachers
        .iter()
        .map(|t| (t.id.as_str(), t.school_id.as_str()))
        .collect();
    // School pair -> (partnerships, teacher mentorships).
    let mut edges: BTreeMap<(usize, usize), (u32, u32)> = BTreeMap::new();
    for m in mentorships {
        let schools_kind = matches!(
            pb::MatchKind::try_from(m.kind),
            Ok(pb::MatchKind::SchoolPartnerships
                | pb::MatchKind::SchoolDirections
                | pb::MatchKind::SchoolGroups
                | pb::MatchKind::ManagementPlatforms)
        );
        let at = |id: &str| -> Option<usize> {
            let school = if schools_kind {
                id
            } else {
                school_of.get(id).copied()?
            };
            index.get(school).copied()
        };
        let Some(mentor) = at(&m.mentor_id) else {
            continue;
        };
        let mentees: Vec<&str> = if m.members.is_empty() {
            vec![m.mentee_id.as_str()]
        } else {
            m.members.iter().map(String::as_str).collect()
        };
        for x in mentees {
            let Some(mentee) = at(x) else { continue };
            if mentee == mentor {
                continue;
            }
            let e = edges
                .entry((mentee.min(mentor), mentee.max(mentor)))
                .or_default();
            if schools_kind {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    let pos = positions(&net.schools);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    );
    for ((a, b), (schools, teachers)) in &edges {
        let (pa, pb_) = (pos[*a], pos[*b]);
        let (stroke, width) = if *schools > 0 {
            ("#0b3d6e", 3.0)
        } else {
            ("#9e9e9e", 1.0 + (f64::from(*teachers)).sqrt())
        };
        out.push_str(&format!(
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{stroke}\" stroke-width=\"{width:.1}\" stroke-opacity=\"0.75\"><title>{}</title></line>\n",
            pa.0, pa.1, pb_.0, pb_.1,
            esc(&format!(
                "{} — {}: {} / {}",
                net.schools[*a].name, net.schools[*b].name, schools, teachers
            )),
        ));
    }
    for (i, s) in net.schools.iter().enumerate() {
        let (x, y) = pos[i];
        let r = 6.0 + f64::from(s.teachers).sqrt() * 1.5;
        out.push_str(&format!(
            "<a href=\"{href}\"><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{fill}\" stroke=\"#fff\" stroke-width=\"2\"><title>{name}</title></circle><text x=\"{x:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" fill=\"#1b1b1b\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{name}</text></a>\n",
            href = esc(&link(&s.id)),
            fill = colour(s.status),
            name = esc(&s.name),
            ty = y + r + 14.0,
        ));
    }
    // The legend, top left.
    let items = [
        ("#c62828", legend[0]),
        ("#ef6c00", legend[1]),
        ("#1565c0", legend[2]),
        ("#2e7d32", legend[3]),
    ];
    for (i, (c, text)) in items.iter().enumerate() {
        let y = 18.0 + i as f64 * 18.0;
        out.push_str(&format!(
            "<circle cx=\"14\" cy=\"{y}\" r=\"6\" fill=\"{c}\"/><text x=\"26\" y=\"{:.0}\">{}</text>\n",
            y + 4.0,
            esc(text)
        ));
    }
    out.push_str(&format!(
        "<line x1=\"8\" y1=\"94\" x2=\"22\" y2=\"94\" stroke=\"#0b3d6e\" stroke-width=\"3\"/><text x=\"26\" y=\"98\">{}</text>\n<line x1=\"8\" y1=\"112\" x2=\"22\" y2=\"112\" stroke=\"#9e9e9e\" stroke-width=\"2\"/><text x=\"26\" y=\"116\">{}</text>\n",
        esc(legend[4]),
        esc(legend[5])
    ));
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school(id: &str, lat: f64, lon: f64) -> pb::NetworkSchool {
        pb::NetworkSchool {
            id: id.into(),
            name: format!("School {id}"),
            location: Some(pb::GeoPoint { lat, lon }),
            teachers: 20,
            ..Default::default()
        }
    }

    #[test]
    fn schools_are_links_and_partners_are_joined() {
        let net = pb::Network {
            schools: vec![school("a", 59.8, 31.0), school("b", 59.9, 31.5)],
            ..Default::default()
        };
        let ms = [pb::Mentorship {
            kind: pb::MatchKind::SchoolPartnerships as i32,
            mentee_id: "a".into(),
            mentor_id: "b".into(),
            ..Default::default()
        }];
        let svg = svg(
            &net,
            &ms,
            |id| format!("/m/x/schools/{id}"),
            ["1", "2", "3", "4", "5", "6"],
        );
        assert!(svg.contains("href=\"/m/x/schools/a\""));
        assert!(svg.contains("href=\"/m/x/schools/b\""));
        assert_eq!(
            svg.matches("stroke=\"#0b3d6e\" stroke-width=\"3.0\"")
                .count(),
            1
        );
        // North up: b is north of a, so it is drawn higher.
        let y = |id: &str| -> f64 {
            let at = svg.find(&format!("schools/{id}\"><circle")).unwrap();
            let rest = &svg[at..];
            let cy = rest.find("cy=\"").unwrap() + 4;
            rest[cy..].split('"').next().unwrap().parse().unwrap()
        };
        assert!(y("b") < y("a"));
    }
}
