//! The active network of a municipality.

use std::collections::BTreeSet;

use peerlift_domain::{MatchKind, Mentorship, SchoolStatus};
use tonic::{Request, Response, Status};

use crate::app::runs::load_scope;
use crate::auth::Admit;
use crate::convert::enum_to_pb;
use crate::convert_match::mentorship_to_pb;
use crate::error::ApiError;
use crate::paging::{page_of, walk_print};
use crate::pb;
use crate::pb::network_service_server::NetworkService;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct NetworkApi {
    pub state: AppState,
}

#[tonic::async_trait]
impl NetworkService for NetworkApi {
    async fn get_network(
        &self,
        req: Request<pb::GetNetworkRequest>,
    ) -> Result<Response<pb::Network>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = match r.page_size {
            0 => 2000,
            n if n < 0 => return Err(ApiError::invalid("page_size", "must not be negative").into()),
            n => (n as usize).min(5000),
        };
        let net = self
            .state
            .read(move |s| {
                // A municipality, or "region:<name>" for every municipality of a region.
                let (snap, generations) = load_scope(s, &r.municipality_id)?;
                // A token is bound to the scope and its state: pages of a network that changed
                // in between would not add up.
                let state: Vec<String> = generations
                    .iter()
                    .map(|(m, g)| format!("{m}={g}"))
                    .collect();
                let print = walk_print(&[&r.municipality_id, "network", &state.join(",")]);
                let all: Vec<usize> = (0..snap.mentorships.len()).collect();
                let first = r.page_token.is_empty();
                let (page, next, total) =
                    page_of(all, size as i32, &r.page_token, print).map_err(|e| match e {
                        ApiError::Invalid(_) if !first => ApiError::invalid(
                            "page_token",
                            "is not a page of this network as it is now (it changed since the \
                             first page, or the token is of another call): start again",
                        ),
                        other => other,
                    })?;
                let mentorships: Vec<&Mentorship> =
                    page.iter().map(|&i| &snap.mentorships[i]).collect();
                let in_pairs: BTreeSet<(&str, &str)> = mentorships
                    .iter()
                    .filter(|x| {
                        matches!(x.kind, MatchKind::TeacherPairs | MatchKind::TeacherGroups)
                    })
                    .flat_map(|x| {
                        let mut v: Vec<(&str, &str)> = x
                            .mentees()
                            .into_iter()
                            .map(|m| (x.municipality_id.as_str(), m))
                            .collect();
                        let (mm, mid) = (
                            if x.mentor_municipality_id.is_empty() {
                                x.municipality_id.as_str()
                            } else {
                                x.mentor_municipality_id.as_str()
                            },
                            x.mentor_id.as_str(),
                        );
                        v.push((mm, mid));
                        v
                    })
                    .collect();
                let teachers = snap
                    .teachers
                    .iter()
                    .filter(|t| in_pairs.contains(&(t.municipality_id.as_str(), t.id.as_str())))
                    .map(|t| pb::NetworkTeacher {
                        id: t.id.clone(),
                        school_id: t.school_id.clone(),
                        full_name: t.full_name.clone(),
                        subjects: t.subjects.clone(),
                    })
                    .collect();
                let mut net = pb::Network {
                    municipality_id: r.municipality_id.clone(),
                    teachers,
                    mentorships: mentorships.iter().map(|x| mentorship_to_pb(x)).collect(),
                    next_page_token: next,
                    mentorship_count: total,
                    ..Default::default()
                };
                if first {
                    let (figures, stats) = peerlift_match::network::analyse(
                        &snap,
                        peerlift_domain::Policy::default().default_partner_capacity,
                    );
                    net.schools = snap
                        .schools
                        .iter()
                        .zip(&figures)
                        .map(|(x, f)| pb::NetworkSchool {
                            id: x.id.clone(),
                            name: x.name.clone(),
                            status: enum_to_pb(SchoolStatus::ALL, &x.status),
                            locality: x.locality.clone(),
                            location: x.location.map(|p| pb::GeoPoint {
                                lat: p.lat,
                                lon: p.lon,
                            }),
                            teachers: f.teachers,
                            ab_deficits: f.ab_deficits,
                            ab_covered: f.ab_covered,
                        })
                        .collect();
                    net.stats = Some(pb::NetworkStats {
                        schools_in_need: stats.schools_in_need,
                        schools_in_need_with_partner: stats.schools_in_need_with_partner,
                        ab_deficits: stats.ab_deficits,
                        ab_covered: stats.ab_covered,
                        leaders: stats
                            .leaders
                            .iter()
                            .map(|l| pb::LeaderLoad {
                                school_id: l.school_id.clone(),
                                partners: l.partners,
                                capacity: l.capacity,
                                mentoring_pairs: l.mentoring_pairs,
                            })
                            .collect(),
                        isolated_schools: stats.isolated_schools.clone(),
                        component_sizes: stats.component_sizes.clone(),
                    });
                }
                Ok(net)
            })
            .await?;
        Ok(Response::new(net))
    }
}
