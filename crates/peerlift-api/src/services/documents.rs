use tonic::{Request, Response, Status};

use peerlift_domain::{DocumentKind, Order, SignedDocument};
use peerlift_store::{prefix, Record};
use prost::Message;

use super::required;
use crate::app::documents;
use crate::auth::Admit;
use crate::convert::{enum_from_pb, parse_date, required_enum};
use crate::convert_programme::signed_to_pb;
use crate::error::ApiError;
use crate::pb;
use crate::pb::document_service_server::DocumentService;
use crate::state::{self, page, page_size, walk, AppState};

#[derive(Debug, Clone)]
pub struct DocumentApi {
    pub state: AppState,
}

#[tonic::async_trait]
impl DocumentService for DocumentApi {
    async fn render_partnership_order(
        &self,
        req: Request<pb::RenderPartnershipOrderRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let mut v = peerlift_domain::Violations::new();
        let order = r.order.as_ref().and_then(|o| {
            parse_date(&mut v, "order.date", &o.date).map(|date| peerlift_domain::Order {
                number: o.number.clone(),
                date,
            })
        });
        if let Some(o) = &order {
            if o.number.trim().is_empty() {
                v.add("order.number", "must not be empty");
            }
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let d = self
            .state
            .read(move |s| {
                documents::partnership_order(s, &r.municipality_id, &r.school_year, order.as_ref())
            })
            .await?;
        Ok(Response::new(pb::Document {
            title: d.title,
            html: d.html,
            mentorship_ids: d.mentorship_ids,
        }))
    }

    async fn render_document(
        &self,
        req: Request<pb::RenderDocumentRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let mut v = peerlift_domain::Violations::new();
        let kind = required_enum(&mut v, "kind", DocumentKind::ALL, r.kind);
        let order = order_of(&mut v, r.order.as_ref());
        if r.subject.is_empty() {
            v.add(
                "subject",
                "must name what the document is about (see DocumentKind)",
            );
        }
        v.into_result().map_err(ApiError::Invalid)?;
        let Some(kind) = kind else {
            return Err(ApiError::invalid("kind", "must be set").into());
        };
        let now = (self.state.clock)();
        let d = self
            .state
            .read(move |s| {
                let m = state::municipality(s, &r.municipality_id)?;
                let today = state::today(&m, now);
                documents::render(
                    s,
                    &r.municipality_id,
                    kind,
                    &r.subject,
                    &r.school_year,
                    today,
                    order.as_ref(),
                )
            })
            .await?;
        Ok(Response::new(pb::Document {
            title: d.title,
            html: d.html,
            mentorship_ids: d.mentorship_ids,
        }))
    }

    async fn record_signed_document(
        &self,
        req: Request<pb::RecordSignedDocumentRequest>,
    ) -> Result<Response<pb::SignedDocument>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let given = required("document", r.document.clone())?;
        let mut v = peerlift_domain::Violations::new();
        let kind = required_enum(&mut v, "document.kind", DocumentKind::ALL, given.kind);
        let date = parse_date(&mut v, "document.date", &given.date);
        crate::convert::check_municipality(&mut v, &given.municipality_id, &r.municipality_id);
        v.into_result().map_err(ApiError::Invalid)?;
        let (Some(kind), Some(date)) = (kind, date) else {
            return Err(ApiError::invalid("document", "kind and date must be set").into());
        };
        if kind == DocumentKind::PartnershipOrder {
            may_write_mentorships(&caller)?;
        }
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "RecordSignedDocument",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let doc = SignedDocument {
                        municipality_id: m.id.clone(),
                        id: given.id,
                        kind,
                        number: given.number,
                        date,
                        title: String::new(),
                        subject: given.subject,
                        school_year: given.school_year,
                        mentorship_ids: Vec::new(),
                        meta: peerlift_domain::Meta::new(now),
                    };
                    let d = documents::record_signed(s, b, &m, doc, now)?;
                    Ok(signed_to_pb(&d))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn list_signed_documents(
        &self,
        req: Request<pb::ListSignedDocumentsRequest>,
    ) -> Result<Response<pb::ListSignedDocumentsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let kind =
            match r.kind {
                0 => None,
                x => Some(enum_from_pb(DocumentKind::ALL, x).ok_or_else(|| {
                    ApiError::invalid("kind", format!("{x} is not a known value"))
                })?),
            };
        let (items, next) = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let p = prefix(&[&r.municipality_id]);
                let w = state::Walk::new(walk::DOCUMENTS, &(r.kind, &r.mentorship_id));
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s
                    .scan::<SignedDocument>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                page(iter, size, w, |x: &SignedDocument| {
                    kind.is_none_or(|k| k == x.kind)
                        && (r.mentorship_id.is_empty()
                            || x.mentorship_ids.contains(&r.mentorship_id))
                })
            })
            .await?;
        Ok(Response::new(pb::ListSignedDocumentsResponse {
            documents: items.iter().map(signed_to_pb).collect(),
            next_page_token: next,
        }))
    }
}

/// The number and date of a signed document, when given.
fn order_of(v: &mut peerlift_domain::Violations, o: Option<&pb::Order>) -> Option<Order> {
    let o = o?;
    if o.number.trim().is_empty() {
        v.add("order.number", "must not be empty");
    }
    parse_date(v, "order.date", &o.date).map(|date| Order {
        number: o.number.clone(),
        date,
    })
}

/// A signed partnership order is written into its partnerships' charters: the caller must be
/// allowed to write mentorships as well as documents (an integration granted only
/// `programme:write` is not).
fn may_write_mentorships(caller: &crate::auth::Caller) -> Result<(), Status> {
    use peerlift_domain::access::{allows, Op, Rpc, Service};
    let rpc = Rpc {
        service: Service::Mentorships,
        op: Op::Write,
        school: false,
    };
    if allows(caller.role, &caller.grants, &rpc) {
        return Ok(());
    }
    Err(ApiError::Denied {
        reason: "GRANT_MISSING",
        message: "recording a signed partnership order writes the order into its partnerships: it needs the mentorships:write grant too".into(),
        metadata: vec![
            ("role", caller.role.code().to_string()),
            ("method", "RecordSignedDocument".into()),
            ("missing_grant", "mentorships:write".into()),
        ],
    }
    .into())
}
