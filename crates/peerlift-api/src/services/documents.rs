use tonic::{Request, Response, Status};

use crate::app::documents;
use crate::auth::Admit;
use crate::convert::parse_date;
use crate::error::ApiError;
use crate::pb;
use crate::pb::document_service_server::DocumentService;
use crate::state::AppState;

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
}
