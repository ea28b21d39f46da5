//! The active network of a municipality.

use std::collections::BTreeSet;

use peerlift_domain::{MatchKind, Mentorship, SchoolStatus};
use tonic::{Request, Response, Status};

use super::matching::load_scope;
use crate::convert::enum_to_pb;
use crate::convert_match::mentorship_to_pb;
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
        let net = self
            .state
            .read(move |s| {
                // A municipality, or "region:<name>" for every municipality of a region.
                let (snap, _) = load_scope(s, &r.municipality_id)?;
                let (figures, stats) = peerlift_match::network::analyse(
                    &snap,
                    peerlift_domain::Policy::default().default_partner_capacity,
                );
                let active: Vec<&Mentorship> = snap.mentorships.iter().collect();
                let in_pairs: BTreeSet<&str> = active
                    .iter()
                    .filter(|x| {
                        matches!(x.kind, MatchKind::TeacherPairs | MatchKind::TeacherGroups)
                    })
                    .flat_map(|x| {
                        let mut v = x.mentees();
                        v.push(x.mentor_id.as_str());
                        v
                    })
                    .collect();
                Ok(pb::Network {
                    municipality_id: r.municipality_id.clone(),
                    schools: snap
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
                        .collect(),
                    teachers: snap
                        .teachers
                        .iter()
                        .filter(|t| in_pairs.contains(t.id.as_str()))
                        .map(|t| pb::NetworkTeacher {
                            id: t.id.clone(),
                            school_id: t.school_id.clone(),
                            full_name: t.full_name.clone(),
                            subjects: t.subjects.clone(),
                        })
                        .collect(),
                    mentorships: active.iter().map(|x| mentorship_to_pb(x)).collect(),
                    stats: Some(pb::NetworkStats {
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
                    }),
                })
            })
            .await?;
        Ok(Response::new(net))
    }
}
