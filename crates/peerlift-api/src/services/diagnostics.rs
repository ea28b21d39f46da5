use peerlift_domain::{stamp, Change, Diagnostic, Level, Meta, Violations};
use peerlift_store::{key, Record};
use prost::Message;
use tonic::{Request, Response, Status};

use super::mentor_profiles::check_teacher;
use super::schools::optional_enum;
use super::{check_id, required, under};
use crate::app::registry::{self, DiagnosticQuery};
use crate::auth::Admit;
use crate::convert::{diagnostic_from_pb, diagnostic_to_pb, parse_date};
use crate::error::ApiError;
use crate::pb;
use crate::pb::diagnostic_service_server::DiagnosticService;
use crate::state::{self, check_etag, page_size, AppState};

#[derive(Debug, Clone)]
pub struct DiagnosticApi {
    pub state: AppState,
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "diagnostic",
        id: id.to_string(),
    }
}

#[tonic::async_trait]
impl DiagnosticService for DiagnosticApi {
    async fn create_diagnostic(
        &self,
        req: Request<pb::CreateDiagnosticRequest>,
    ) -> Result<Response<pb::Diagnostic>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreateDiagnostic",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let catalog = state::catalog(s, &m.id)?;
                    let given = required("diagnostic", r.diagnostic)?;
                    let mut d =
                        diagnostic_from_pb(&m.id, &catalog, given).map_err(under("diagnostic"))?;
                    check_teacher(s, "diagnostic.teacher_id", &m.id, &d.teacher_id)?;
                    if s.contains::<Diagnostic>(&d.key())? {
                        return Err(ApiError::AlreadyExists {
                            kind: "diagnostic",
                            id: d.id,
                        });
                    }
                    d.meta = Meta::new(now);
                    b.put(&d)?;
                    Ok(diagnostic_to_pb(&d))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_diagnostic(
        &self,
        req: Request<pb::GetDiagnosticRequest>,
    ) -> Result<Response<pb::Diagnostic>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let d = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                check_id("diagnostic_id", &r.diagnostic_id)?;
                s.get::<Diagnostic>(&key(&[&r.municipality_id, &r.diagnostic_id]))?
                    .ok_or_else(|| not_found(&r.diagnostic_id))
            })
            .await?;
        Ok(Response::new(diagnostic_to_pb(&d)))
    }

    async fn list_diagnostics(
        &self,
        req: Request<pb::ListDiagnosticsRequest>,
    ) -> Result<Response<pb::ListDiagnosticsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let level = optional_enum("level", Level::ALL, r.level)?;
        let mut v = Violations::new();
        let from = (!r.date_from.is_empty())
            .then(|| parse_date(&mut v, "date_from", &r.date_from))
            .flatten();
        let to = (!r.date_to.is_empty())
            .then(|| parse_date(&mut v, "date_to", &r.date_to))
            .flatten();
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                v.add("date_to", "must not be before date_from");
            }
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let (items, next) = self
            .state
            .read_now(move |s| {
                let q = DiagnosticQuery {
                    teacher_id: r.teacher_id,
                    subject: r.subject,
                    level,
                    from,
                    to,
                };
                registry::diagnostics(s, &r.municipality_id, &q, size, &r.page_token)
            })
            .await?;
        Ok(Response::new(pb::ListDiagnosticsResponse {
            diagnostics: items.iter().map(diagnostic_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn update_diagnostic(
        &self,
        req: Request<pb::UpdateDiagnosticRequest>,
    ) -> Result<Response<pb::Diagnostic>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "UpdateDiagnostic",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let catalog = state::catalog(s, &m.id)?;
                    let given = required("diagnostic", r.diagnostic)?;
                    if given.id.is_empty() {
                        return Err(ApiError::invalid("diagnostic.id", "must be set"));
                    }
                    let given = match crate::mask::partial(r.update_mask.as_ref()) {
                        Some(mk) => {
                            check_id("diagnostic.id", &given.id)?;
                            let cur = s
                                .get::<Diagnostic>(&key(&[&m.id, &given.id]))?
                                .ok_or_else(|| not_found(&given.id))?;
                            crate::mask::merge(
                                diagnostic_to_pb(&cur),
                                given,
                                mk,
                                crate::mask::DIAGNOSTIC,
                                |o, g| {
                                    o.id = g.id.clone();
                                    o.municipality_id = g.municipality_id.clone();
                                    o.etag = g.etag.clone();
                                },
                            )?
                        }
                        None => given,
                    };
                    let etag = given.etag.clone();
                    let mut d =
                        diagnostic_from_pb(&m.id, &catalog, given).map_err(under("diagnostic"))?;
                    let cur = s
                        .get::<Diagnostic>(&d.key())?
                        .ok_or_else(|| not_found(&d.id))?;
                    check_etag("diagnostic", &d.id, &etag, &cur.meta)?;
                    if d.teacher_id != cur.teacher_id {
                        check_teacher(s, "diagnostic.teacher_id", &m.id, &d.teacher_id)?;
                    }
                    if stamp(&mut d, Some(&cur), now) == Change::Unchanged {
                        return Ok(diagnostic_to_pb(&cur));
                    }
                    b.put(&d)?;
                    Ok(diagnostic_to_pb(&d))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_diagnostic(
        &self,
        req: Request<pb::DeleteDiagnosticRequest>,
    ) -> Result<Response<pb::DeleteDiagnosticResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("diagnostic_id", &r.diagnostic_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeleteDiagnostic",
                &rid,
                bytes,
                move |s, b, _| {
                    state::municipality(s, &r.municipality_id)?;
                    let k = key(&[&r.municipality_id, &r.diagnostic_id]);
                    let cur = s
                        .get::<Diagnostic>(&k)?
                        .ok_or_else(|| not_found(&r.diagnostic_id))?;
                    check_etag("diagnostic", &cur.id, &r.etag, &cur.meta)?;
                    b.delete::<Diagnostic>(k);
                    Ok(pb::DeleteDiagnosticResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}
