use peerlift_domain::platforms::{difficulties, SEVERE_BELOW};
use peerlift_domain::{stamp, Change, ManagementDiagnostic, Meta, Platform};
use peerlift_store::{key, prefix, Record};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{check_id, required, under};
use crate::app::platforms::{self, not_found};
use crate::auth::Admit;
use crate::convert_network::{
    management_from_pb, management_to_pb, platform_from_pb, platform_to_pb,
};
use crate::error::ApiError;
use crate::pb;
use crate::pb::platform_service_server::PlatformService;
use crate::state::{self, page, page_size, walk, AppState};

#[derive(Debug, Clone)]
pub struct PlatformApi {
    pub state: AppState,
}

fn diagnostic_not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "management diagnostic",
        id: id.to_string(),
    }
}

#[tonic::async_trait]
impl PlatformService for PlatformApi {
    async fn create_platform(
        &self,
        req: Request<pb::CreatePlatformRequest>,
    ) -> Result<Response<pb::Platform>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreatePlatform",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let given = required("platform", r.platform)?;
                    let mut p = platform_from_pb(&m.id, given).map_err(under("platform"))?;
                    if s.contains::<Platform>(&p.key())? {
                        return Err(ApiError::AlreadyExists {
                            kind: "platform",
                            id: p.id,
                        });
                    }
                    platforms::check(s, &p, "platform")?;
                    p.meta = Meta::new(now);
                    b.put(&p)?;
                    Ok(platform_to_pb(&p))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_platform(
        &self,
        req: Request<pb::GetPlatformRequest>,
    ) -> Result<Response<pb::Platform>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        check_id("platform_id", &r.platform_id)?;
        let p = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                s.get::<Platform>(&key(&[&r.municipality_id, &r.platform_id]))?
                    .ok_or_else(|| not_found(&r.platform_id))
            })
            .await?;
        Ok(Response::new(platform_to_pb(&p)))
    }

    async fn list_platforms(
        &self,
        req: Request<pb::ListPlatformsRequest>,
    ) -> Result<Response<pb::ListPlatformsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let (items, next) = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let p = prefix(&[&r.municipality_id]);
                let w = state::Walk::new(walk::PLATFORMS, &(&r.direction, &r.school_id));
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s
                    .scan::<Platform>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                page(iter, size, w, |x: &Platform| {
                    (r.direction.is_empty() || x.direction == r.direction)
                        && (r.school_id.is_empty() || x.school_id == r.school_id)
                })
            })
            .await?;
        Ok(Response::new(pb::ListPlatformsResponse {
            platforms: items.iter().map(platform_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn update_platform(
        &self,
        req: Request<pb::UpdatePlatformRequest>,
    ) -> Result<Response<pb::Platform>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "UpdatePlatform",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let given = required("platform", r.platform)?;
                    let etag = given.etag.clone();
                    let p = platform_from_pb(&m.id, given).map_err(under("platform"))?;
                    let id = p.id.clone();
                    let saved = state::replace_checked(
                        s,
                        b,
                        p,
                        ("platform", &id, &etag),
                        not_found,
                        |s, p| platforms::check(s, p, "platform"),
                        now,
                    )?;
                    Ok(platform_to_pb(&saved))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_platform(
        &self,
        req: Request<pb::DeletePlatformRequest>,
    ) -> Result<Response<pb::DeletePlatformResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("platform_id", &r.platform_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeletePlatform",
                &rid,
                bytes,
                move |s, b, _| {
                    let ids = (r.municipality_id.as_str(), r.platform_id.as_str());
                    state::delete_checked::<Platform>(s, b, ids, &r.etag, "platform", not_found)?;
                    Ok(pb::DeletePlatformResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn record_management_diagnostic(
        &self,
        req: Request<pb::RecordManagementDiagnosticRequest>,
    ) -> Result<Response<pb::ManagementDiagnostic>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "RecordManagementDiagnostic",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let given = required("diagnostic", r.diagnostic)?;
                    let mut d = management_from_pb(&m.id, given).map_err(under("diagnostic"))?;
                    platforms::check_diagnostic(s, &d, "diagnostic")?;
                    let cur = s.get::<ManagementDiagnostic>(&d.key())?;
                    if stamp(&mut d, cur.as_ref(), now) != Change::Unchanged {
                        b.put(&d)?;
                    }
                    Ok(management_to_pb(&d))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn list_management_diagnostics(
        &self,
        req: Request<pb::ListManagementDiagnosticsRequest>,
    ) -> Result<Response<pb::ListManagementDiagnosticsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        if !r.school_id.is_empty() {
            check_id("school_id", &r.school_id)?;
        }
        let out = self
            .state
            .read(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let all: Vec<ManagementDiagnostic> =
                    crate::app::all_of::<ManagementDiagnostic>(s, &r.municipality_id)?
                        .into_iter()
                        .filter(|d| r.school_id.is_empty() || d.school_id == r.school_id)
                        .collect();
                let mut found: Vec<(String, f64)> = if r.school_id.is_empty() {
                    Vec::new()
                } else {
                    difficulties(&r.school_id, &all).into_iter().collect()
                };
                found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
                Ok(pb::ListManagementDiagnosticsResponse {
                    diagnostics: all.iter().map(management_to_pb).collect(),
                    difficulties: found
                        .into_iter()
                        .map(|(direction, share)| pb::ManagementDifficulty {
                            direction,
                            share,
                            severe: share < SEVERE_BELOW,
                        })
                        .collect(),
                })
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_management_diagnostic(
        &self,
        req: Request<pb::DeleteManagementDiagnosticRequest>,
    ) -> Result<Response<pb::DeleteManagementDiagnosticResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("diagnostic_id", &r.diagnostic_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeleteManagementDiagnostic",
                &rid,
                bytes,
                move |s, b, _| {
                    let ids = (r.municipality_id.as_str(), r.diagnostic_id.as_str());
                    state::delete_checked::<ManagementDiagnostic>(
                        s,
                        b,
                        ids,
                        &r.etag,
                        "management diagnostic",
                        diagnostic_not_found,
                    )?;
                    Ok(pb::DeleteManagementDiagnosticResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}
