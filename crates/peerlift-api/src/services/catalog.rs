use peerlift_domain::{CatalogEntry, CatalogKind, Diagnostic, MentorProfile, Meta, Teacher};
use peerlift_store::{key, prefix, Record, Store};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{required, under};
use crate::auth::Admit;
use crate::convert::{catalog_kind_from_pb, catalog_kind_to_pb};
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::pb::catalog_service_server::CatalogService;
use crate::state::{self, AppState};

#[derive(Debug, Clone)]
pub struct CatalogApi {
    pub state: AppState,
}

fn entry_to_pb(kind: CatalogKind, code: &str, name: &str, builtin: bool) -> pb::CatalogEntry {
    pb::CatalogEntry {
        kind: catalog_kind_to_pb(kind),
        code: code.to_string(),
        name: name.to_string(),
        builtin,
    }
}

fn kind_filter(v: i32) -> ApiResult<Option<CatalogKind>> {
    if v == 0 {
        return Ok(None);
    }
    catalog_kind_from_pb(v)
        .map(Some)
        .ok_or_else(|| ApiError::invalid("kind", format!("{v} is not a catalogue kind")))
}

/// True when any record of the municipality uses the code.
fn in_use(s: &Store, muni: &str, kind: CatalogKind, code: &str) -> ApiResult<bool> {
    let p = prefix(&[muni]);
    let code = code.to_string();
    Ok(match kind {
        CatalogKind::Subject => {
            any::<Teacher>(s, &p, |t| t.subjects.contains(&code))?
                || any::<MentorProfile>(s, &p, |m| m.subjects.contains(&code))?
                || any::<Diagnostic>(s, &p, |d| d.subject == code)?
        }
        CatalogKind::Direction => any::<MentorProfile>(s, &p, |m| m.directions.contains(&code))?,
        CatalogKind::CompetenceArea => any::<Diagnostic>(s, &p, |d| d.scores.contains_key(&code))?,
    })
}

fn any<R: Record>(s: &Store, p: &[u8], f: impl Fn(&R) -> bool) -> ApiResult<bool> {
    for r in s.scan::<R>(p, None) {
        if f(&r?) {
            return Ok(true);
        }
    }
    Ok(false)
}

#[tonic::async_trait]
impl CatalogService for CatalogApi {
    async fn list_catalog(
        &self,
        req: Request<pb::ListCatalogRequest>,
    ) -> Result<Response<pb::ListCatalogResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let filter = kind_filter(r.kind)?;
        let entries = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let mut out = Vec::new();
                for kind in CatalogKind::ALL {
                    if filter.is_some_and(|f| f != kind) {
                        continue;
                    }
                    for (code, name) in kind.builtin() {
                        out.push(entry_to_pb(kind, code, name, true));
                    }
                    for e in s.scan::<CatalogEntry>(&prefix(&[&r.municipality_id]), None) {
                        let e = e?;
                        if e.kind == kind {
                            out.push(entry_to_pb(kind, &e.code, &e.name, false));
                        }
                    }
                }
                Ok(out)
            })
            .await?;
        Ok(Response::new(pb::ListCatalogResponse { entries }))
    }

    async fn create_catalog_entry(
        &self,
        req: Request<pb::CreateCatalogEntryRequest>,
    ) -> Result<Response<pb::CatalogEntry>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreateCatalogEntry",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let given = required("entry", r.entry)?;
                    let kind = catalog_kind_from_pb(given.kind)
                        .ok_or_else(|| ApiError::invalid("entry.kind", "must be set"))?;
                    let entry = CatalogEntry {
                        municipality_id: m.id.clone(),
                        kind,
                        code: given.code,
                        name: given.name,
                        meta: Meta::new(now),
                    };
                    let builtin = kind.builtin().iter().any(|(c, _)| *c == entry.code);
                    if builtin || s.contains::<CatalogEntry>(&entry.key())? {
                        return Err(ApiError::AlreadyExists {
                            kind: "catalogue entry",
                            id: entry.key_id(),
                        });
                    }
                    entry.validate().map_err(under("entry"))?;
                    b.put(&entry)?;
                    Ok(entry_to_pb(kind, &entry.code, &entry.name, false))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_catalog_entry(
        &self,
        req: Request<pb::DeleteCatalogEntryRequest>,
    ) -> Result<Response<pb::DeleteCatalogEntryResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeleteCatalogEntry",
                &rid,
                bytes,
                move |s, b, _| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let kind = catalog_kind_from_pb(r.kind)
                        .ok_or_else(|| ApiError::invalid("kind", "must be set"))?;
                    if kind.builtin().iter().any(|(c, _)| *c == r.code) {
                        return Err(ApiError::FailedPrecondition(format!(
                            "'{}' is a built-in {} and cannot be removed",
                            r.code,
                            kind.code()
                        )));
                    }
                    let k = key(&[&m.id, &format!("{}:{}", kind.code(), r.code)]);
                    if !s.contains::<CatalogEntry>(&k)? {
                        return Err(ApiError::NotFound {
                            kind: "catalogue entry",
                            id: r.code,
                        });
                    }
                    if in_use(s, &m.id, kind, &r.code)? {
                        return Err(ApiError::FailedPrecondition(format!(
                            "{} '{}' is still used by records of '{}'",
                            kind.code(),
                            r.code,
                            m.id
                        )));
                    }
                    b.delete::<CatalogEntry>(k);
                    Ok(pb::DeleteCatalogEntryResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}
