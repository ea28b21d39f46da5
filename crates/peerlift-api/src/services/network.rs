//! The network service: a page of [`crate::app::network`] in protobuf.

use peerlift_domain::SchoolStatus;
use tonic::{Request, Response, Status};

use crate::app::network::{self as app, NetworkPage};
use crate::auth::Admit;
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
        let (caller, r) = self.state.admit(req).await?;
        let size = app::page_size(r.page_size)?;
        let scope = r.municipality_id.clone();
        let page = self
            .state
            .read(move |s| app::page(s, &r.municipality_id, size, &r.page_token))
            .await?;
        Ok(Response::new(network_to_pb(scope, page, caller.lang)))
    }
}

fn network_to_pb(scope: String, p: NetworkPage, lang: peerlift_text::Lang) -> pb::Network {
    let mut net = pb::Network {
        municipality_id: scope,
        teachers: p
            .teachers
            .into_iter()
            .map(|t| pb::NetworkTeacher {
                id: t.id,
                school_id: t.school_id,
                full_name: t.full_name,
                subjects: t.subjects,
            })
            .collect(),
        mentorships: p
            .mentorships
            .iter()
            .map(|m| mentorship_to_pb(m, lang))
            .collect(),
        next_page_token: p.next,
        mentorship_count: p.total,
        ..Default::default()
    };
    if let Some((schools, stats)) = p.overview {
        net.schools = schools
            .into_iter()
            .map(|(x, f)| pb::NetworkSchool {
                status: enum_to_pb(SchoolStatus::ALL, &x.status),
                location: x.location.map(|p| pb::GeoPoint {
                    lat: p.lat,
                    lon: p.lon,
                }),
                id: x.id,
                name: x.name,
                locality: x.locality,
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
                .into_iter()
                .map(|l| pb::LeaderLoad {
                    school_id: l.school_id,
                    partners: l.partners,
                    capacity: l.capacity,
                    mentoring_pairs: l.mentoring_pairs,
                })
                .collect(),
            isolated_schools: stats.isolated_schools,
            component_sizes: stats.component_sizes,
        });
    }
    net
}
