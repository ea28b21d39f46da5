use peerlift_domain::{stamp, CatalogEntry, Change, Meta, Municipality, School};
use peerlift_store::{key, prefix};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{check_id, required, under};
use crate::app::registry::check_municipality_write;
use crate::auth::Admit;
use crate::convert::{municipality_from_pb, municipality_to_pb};
use crate::error::ApiError;
use crate::pb;
use crate::pb::municipality_service_server::MunicipalityService;
use crate::state::{self, check_etag, page, page_size, walk, AppState};

#[derive(Debug, Clone)]
pub struct MunicipalityApi {
    pub state: AppState,
}

#[tonic::async_trait]
impl MunicipalityService for MunicipalityApi {
    async fn create_municipality(
        &self,
        req: Request<pb::CreateMunicipalityRequest>,
    ) -> Result<Response<pb::Municipality>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let rid = r.request_id.clone();
        let out = self
            .state
            .write(
                &caller,
                "",
                "CreateMunicipality",
                &rid,
                bytes,
                move |s, b, now| {
                    let mut m = required("municipality", r.municipality)?;
                    if m.id.is_empty() {
                        m.id = format!("m-{}", s.generate_id()?);
                    }
                    let mut m = municipality_from_pb(m).map_err(under("municipality"))?;
                    if s.contains::<Municipality>(&key(&[&m.id]))? {
                        return Err(ApiError::AlreadyExists {
                            kind: "municipality",
                            id: m.id,
                        });
                    }
                    m.meta = Meta::new(now);
                    b.put(&m)?;
                    Ok(municipality_to_pb(&m))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_municipality(
        &self,
        req: Request<pb::GetMunicipalityRequest>,
    ) -> Result<Response<pb::Municipality>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let id = r.municipality_id;
        let m = self
            .state
            .read_now(move |s| state::municipality(s, &id))
            .await?;
        Ok(Response::new(municipality_to_pb(&m)))
    }

    async fn list_municipalities(
        &self,
        req: Request<pb::ListMunicipalitiesRequest>,
    ) -> Result<Response<pb::ListMunicipalitiesResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let w = state::Walk::new(walk::MUNICIPALITIES, &r.region);
        let after = state::decode_token(&r.page_token, w, &[])?;
        let (items, next) = self
            .state
            .read_now(move |s| {
                let iter = s
                    .scan::<Municipality>(&[], after.as_deref())
                    .map(|m| m.map(|m| (key(&[&m.id]), m)).map_err(ApiError::from));
                // A scoped token lists only what it may read.
                page(iter, size, w, |m| {
                    (r.region.is_empty() || m.region == r.region)
                        && caller.scope.covers(&m.id, Some(&m.region))
                })
            })
            .await?;
        Ok(Response::new(pb::ListMunicipalitiesResponse {
            municipalities: items.iter().map(municipality_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn update_municipality(
        &self,
        req: Request<pb::UpdateMunicipalityRequest>,
    ) -> Result<Response<pb::Municipality>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let rid = r.request_id.clone();
        let who = caller.clone();
        let out = self
            .state
            .write(
                &caller,
                "",
                "UpdateMunicipality",
                &rid,
                bytes,
                move |s, b, now| {
                    let given = required("municipality", r.municipality)?;
                    let given = match crate::mask::partial(r.update_mask.as_ref()) {
                        Some(mk) => {
                            let cur = state::municipality(s, &given.id)?;
                            crate::mask::merge(
                                municipality_to_pb(&cur),
                                given,
                                mk,
                                crate::mask::MUNICIPALITY,
                                |o, g| {
                                    o.id = g.id.clone();
                                    o.etag = g.etag.clone();
                                },
                            )?
                        }
                        None => given,
                    };
                    let etag = given.etag.clone();
                    let mut m = municipality_from_pb(given).map_err(under("municipality"))?;
                    let cur = state::municipality(s, &m.id)?;
                    check_etag("municipality", &m.id, &etag, &cur.meta)?;
                    check_municipality_write(&who, Some(&cur), &m)?;
                    if stamp(&mut m, Some(&cur), now) == Change::Unchanged {
                        return Ok(municipality_to_pb(&cur));
                    }
                    b.put(&m)?;
                    Ok(municipality_to_pb(&m))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_municipality(
        &self,
        req: Request<pb::DeleteMunicipalityRequest>,
    ) -> Result<Response<pb::DeleteMunicipalityResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("municipality_id", &r.municipality_id)?;
        let bytes = r.encode_to_vec();
        let rid = r.request_id.clone();
        let out = self
            .state
            .write(&caller, "", "DeleteMunicipality", &rid, bytes, move |s, b, _| {
                let cur = state::municipality(s, &r.municipality_id)?;
                check_etag("municipality", &cur.id, &r.etag, &cur.meta)?;
                let p = prefix(&[&cur.id]);
                let schools = s.scan::<School>(&p, None).take(1).count();
                let entries = s.scan::<CatalogEntry>(&p, None).take(1).count();
                if schools + entries > 0 {
                    return Err(ApiError::FailedPrecondition(format!(
                        "municipality '{}' still has schools or catalogue entries; delete them first",
                        cur.id
                    )));
                }
                // The programme year's records name the municipality too.
                let year = s.scan::<peerlift_domain::Programme>(&p, None).take(1).count()
                    + s.scan::<peerlift_domain::Plan>(&p, None).take(1).count();
                if year > 0 {
                    return Err(ApiError::FailedPrecondition(format!(
                        "municipality '{}' still has programmes, roadmaps or routes; delete them first",
                        cur.id
                    )));
                }
                // Its register of signed documents goes with it (there is nothing left they
                // could be about).
                for d in s.scan::<peerlift_domain::SignedDocument>(&p, None) {
                    b.delete::<peerlift_domain::SignedDocument>(peerlift_store::Record::key(&d?));
                }
                b.delete::<Municipality>(key(&[&cur.id]));
                Ok(pb::DeleteMunicipalityResponse {})
            })
            .await?;
        Ok(Response::new(out))
    }
}
