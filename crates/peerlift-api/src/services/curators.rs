use peerlift_domain::{Curator, Meta};
use peerlift_store::{key, prefix, Record};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{check_id, required, under};
use crate::app::curators::{self, not_found};
use crate::auth::Admit;
use crate::convert_network::{curator_from_pb, curator_to_pb, view_to_pb};
use crate::error::ApiError;
use crate::pb;
use crate::pb::curator_service_server::CuratorService;
use crate::state::{self, page, page_size, walk, AppState};

#[derive(Debug, Clone)]
pub struct CuratorApi {
    pub state: AppState,
}

#[tonic::async_trait]
impl CuratorService for CuratorApi {
    async fn create_curator(
        &self,
        req: Request<pb::CreateCuratorRequest>,
    ) -> Result<Response<pb::Curator>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreateCurator",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let given = required("curator", r.curator)?;
                    let mut c = curator_from_pb(&m.id, given).map_err(under("curator"))?;
                    curators::check(s, &c, "curator")?;
                    if s.contains::<Curator>(&c.key())? {
                        return Err(ApiError::AlreadyExists {
                            kind: "curator",
                            id: c.id,
                        });
                    }
                    c.meta = Meta::new(now);
                    b.put(&c)?;
                    tracing::info!(municipality = %c.municipality_id, curator = %c.id,
                    schools = c.schools.len(), "curator assigned");
                    Ok(curator_to_pb(&c))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_curator(
        &self,
        req: Request<pb::GetCuratorRequest>,
    ) -> Result<Response<pb::Curator>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("curator_id", &r.curator_id)?;
        caller.gate_curator(&r.curator_id)?;
        let c = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                s.get::<Curator>(&key(&[&r.municipality_id, &r.curator_id]))?
                    .ok_or_else(|| not_found(&r.curator_id))
            })
            .await?;
        Ok(Response::new(curator_to_pb(&c)))
    }

    async fn list_curators(
        &self,
        req: Request<pb::ListCuratorsRequest>,
    ) -> Result<Response<pb::ListCuratorsResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let own = caller.scope.curator().map(|(_, c)| c.to_string());
        let (items, next) = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let p = prefix(&[&r.municipality_id]);
                let w = state::Walk::new(walk::CURATORS, &(&r.school_id, &r.direction));
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s
                    .scan::<Curator>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                page(iter, size, w, |x: &Curator| {
                    own.as_ref().is_none_or(|o| *o == x.id)
                        && (r.school_id.is_empty() || x.curates(&r.school_id))
                        && (r.direction.is_empty() || x.directions.contains(&r.direction))
                })
            })
            .await?;
        Ok(Response::new(pb::ListCuratorsResponse {
            curators: items.iter().map(curator_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn update_curator(
        &self,
        req: Request<pb::UpdateCuratorRequest>,
    ) -> Result<Response<pb::Curator>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "UpdateCurator",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let given = required("curator", r.curator)?;
                    let etag = given.etag.clone();
                    let c = curator_from_pb(&m.id, given).map_err(under("curator"))?;
                    let id = c.id.clone();
                    let saved = state::replace_checked(
                        s,
                        b,
                        c,
                        ("curator", &id, &etag),
                        not_found,
                        |s, c| curators::check(s, c, "curator"),
                        now,
                    )?;
                    Ok(curator_to_pb(&saved))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_curator(
        &self,
        req: Request<pb::DeleteCuratorRequest>,
    ) -> Result<Response<pb::DeleteCuratorResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("curator_id", &r.curator_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeleteCurator",
                &rid,
                bytes,
                move |s, b, _| {
                    let ids = (r.municipality_id.as_str(), r.curator_id.as_str());
                    state::delete_checked::<Curator>(s, b, ids, &r.etag, "curator", not_found)?;
                    Ok(pb::DeleteCuratorResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_curator_view(
        &self,
        req: Request<pb::GetCuratorViewRequest>,
    ) -> Result<Response<pb::CuratorView>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let id = match (r.curator_id.as_str(), caller.scope.curator()) {
            ("", Some((_, own))) => own.to_string(),
            (given, _) => {
                check_id("curator_id", given)?;
                caller.gate_curator(given)?;
                given.to_string()
            }
        };
        let lang = caller.lang;
        let v = self
            .state
            .read(move |s| curators::view(s, &r.municipality_id, &id))
            .await?;
        Ok(Response::new(view_to_pb(&v, lang)))
    }
}
