use peerlift_domain::{CatalogEntry, CatalogKind, Meta};
use prost::Message;
use tonic::{Request, Response, Status};

use super::required;
use crate::app::registry;
use crate::auth::Admit;
use crate::convert::{catalog_kind_from_pb, catalog_kind_to_pb};
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::pb::catalog_service_server::CatalogService;
use crate::state::AppState;
use peerlift_text::{catalog_name, Lang};

#[derive(Debug, Clone)]
pub struct CatalogApi {
    pub state: AppState,
}

/// A catalogue entry as the caller reads it: a built-in one named in the caller's language,
/// with its names in every language; a municipality's own by the name it was given.
fn entry_to_pb(
    kind: CatalogKind,
    code: &str,
    name: &str,
    builtin: bool,
    lang: Lang,
) -> pb::CatalogEntry {
    let names: std::collections::BTreeMap<String, String> = if builtin {
        [Lang::En, Lang::Ru]
            .into_iter()
            .filter_map(|l| catalog_name(l, kind, code).map(|n| (l.tag().to_string(), n)))
            .collect()
    } else {
        Default::default()
    };
    let name = names
        .get(lang.tag())
        .cloned()
        .unwrap_or_else(|| name.to_string());
    pb::CatalogEntry {
        kind: catalog_kind_to_pb(kind),
        code: code.to_string(),
        name,
        builtin,
        names,
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

#[tonic::async_trait]
impl CatalogService for CatalogApi {
    async fn list_catalog(
        &self,
        req: Request<pb::ListCatalogRequest>,
    ) -> Result<Response<pb::ListCatalogResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let filter = kind_filter(r.kind)?;
        let entries = self
            .state
            .read_now(move |s| registry::catalog(s, &r.municipality_id, filter))
            .await?;
        Ok(Response::new(pb::ListCatalogResponse {
            entries: entries
                .iter()
                .map(|(kind, code, name, builtin)| {
                    entry_to_pb(*kind, code, name, *builtin, caller.lang)
                })
                .collect(),
        }))
    }

    async fn create_catalog_entry(
        &self,
        req: Request<pb::CreateCatalogEntryRequest>,
    ) -> Result<Response<pb::CatalogEntry>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let lang = caller.lang;
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
                    let given = required("entry", r.entry)?;
                    let kind = catalog_kind_from_pb(given.kind)
                        .ok_or_else(|| ApiError::invalid("entry.kind", "must be set"))?;
                    let entry = registry::create_entry(
                        s,
                        b,
                        CatalogEntry {
                            municipality_id: r.municipality_id,
                            kind,
                            code: given.code,
                            name: given.name,
                            meta: Meta::new(now),
                        },
                    )?;
                    Ok(entry_to_pb(kind, &entry.code, &entry.name, false, lang))
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
                    let kind = catalog_kind_from_pb(r.kind)
                        .ok_or_else(|| ApiError::invalid("kind", "must be set"))?;
                    registry::delete_entry(s, b, &r.municipality_id, kind, &r.code)?;
                    Ok(pb::DeleteCatalogEntryResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}
