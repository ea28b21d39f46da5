use peerlift_domain::{stamp, Change, Meta, School, SchoolFlag, SchoolKind, SchoolStatus};
use peerlift_store::{key, prefix, Record, TreeId};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{check_id, required, under};
use crate::auth::Admit;
use crate::convert::{enum_from_pb, school_from_pb, school_to_pb};
use crate::error::ApiError;
use crate::pb;
use crate::pb::school_service_server::SchoolService;
use crate::state::{self, check_etag, page, page_size, today, walk, AppState};

#[derive(Debug, Clone)]
pub struct SchoolApi {
    pub state: AppState,
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "school",
        id: id.to_string(),
    }
}

#[tonic::async_trait]
impl SchoolService for SchoolApi {
    async fn create_school(
        &self,
        req: Request<pb::CreateSchoolRequest>,
    ) -> Result<Response<pb::School>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreateSchool",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let mut given = required("school", r.school)?;
                    if given.id.is_empty() {
                        given.id = format!("school-{}", s.generate_id()?);
                    }
                    let (mut school, since) =
                        school_from_pb(&m.id, given).map_err(under("school"))?;
                    let catalog = state::catalog(s, &m.id)?;
                    school.check_platforms(&catalog).map_err(under("school"))?;
                    if s.contains::<School>(&school.key())? {
                        return Err(ApiError::AlreadyExists {
                            kind: "school",
                            id: school.id,
                        });
                    }
                    school.record_status(None, since.unwrap_or_else(|| today(&m, now)));
                    school.meta = Meta::new(now);
                    b.put(&school)?;
                    Ok(school_to_pb(&school))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_school(
        &self,
        req: Request<pb::GetSchoolRequest>,
    ) -> Result<Response<pb::School>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let out = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                check_id("school_id", &r.school_id)?;
                let school = s
                    .get::<School>(&key(&[&r.municipality_id, &r.school_id]))?
                    .ok_or_else(|| not_found(&r.school_id))?;
                let mut curators = crate::app::curators::by_school(s, &r.municipality_id)?;
                Ok(with_curators(&school, &mut curators))
            })
            .await?;
        Ok(Response::new(out))
    }

    async fn list_schools(
        &self,
        req: Request<pb::ListSchoolsRequest>,
    ) -> Result<Response<pb::ListSchoolsResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let mut statuses = Vec::new();
        for (i, v) in r.statuses.iter().enumerate() {
            statuses.push(
                enum_from_pb(SchoolStatus::ALL, *v).ok_or_else(|| {
                    ApiError::invalid(format!("statuses[{i}]"), "is not a status")
                })?,
            );
        }
        let kind = optional_enum("kind", SchoolKind::ALL, r.kind)?;
        let flag = optional_enum("flag", SchoolFlag::ALL, r.flag)?;
        let (items, next, mut curators) = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                let curators = crate::app::curators::by_school(s, &r.municipality_id)?;
                let p = prefix(&[&r.municipality_id]);
                let w = state::Walk::new(
                    walk::SCHOOLS,
                    &(&statuses, kind, flag, &r.locality, &r.programme_tag),
                );
                let after = state::decode_token(&r.page_token, w, &p)?;
                let iter = s
                    .scan::<School>(&p, after.as_deref())
                    .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                page(iter, size, w, |x: &School| {
                    (statuses.is_empty() || statuses.contains(&x.status))
                        && kind.is_none_or(|k| x.kind == k)
                        && flag.is_none_or(|f| x.flags.contains(&f))
                        && (r.locality.is_empty() || x.locality == r.locality)
                        && (r.programme_tag.is_empty()
                            || x.programme_tags.contains(&r.programme_tag))
                })
                .map(|(items, next)| (items, next, curators))
            })
            .await?;
        Ok(Response::new(pb::ListSchoolsResponse {
            schools: items
                .iter()
                .map(|x| with_curators(x, &mut curators))
                .collect(),
            next_page_token: next,
        }))
    }

    async fn update_school(
        &self,
        req: Request<pb::UpdateSchoolRequest>,
    ) -> Result<Response<pb::School>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "UpdateSchool",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let given = required("school", r.school)?;
                    let given = match crate::mask::partial(r.update_mask.as_ref()) {
                        Some(mk) => {
                            check_id("school.id", &given.id)?;
                            let cur = s
                                .get::<School>(&key(&[&m.id, &given.id]))?
                                .ok_or_else(|| not_found(&given.id))?;
                            crate::mask::merge(
                                school_to_pb(&cur),
                                given,
                                mk,
                                crate::mask::SCHOOL,
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
                    let (mut school, since) =
                        school_from_pb(&m.id, given).map_err(under("school"))?;
                    let catalog = state::catalog(s, &m.id)?;
                    school.check_platforms(&catalog).map_err(under("school"))?;
                    let cur = s
                        .get::<School>(&school.key())?
                        .ok_or_else(|| not_found(&school.id))?;
                    check_etag("school", &school.id, &etag, &cur.meta)?;
                    school.record_status(Some(&cur), since.unwrap_or_else(|| today(&m, now)));
                    if stamp(&mut school, Some(&cur), now) == Change::Unchanged {
                        return Ok(school_to_pb(&cur));
                    }
                    b.put(&school)?;
                    Ok(school_to_pb(&school))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_school(
        &self,
        req: Request<pb::DeleteSchoolRequest>,
    ) -> Result<Response<pb::DeleteSchoolResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("school_id", &r.school_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeleteSchool",
                &rid,
                bytes,
                move |s, b, _| {
                    state::municipality(s, &r.municipality_id)?;
                    let k = key(&[&r.municipality_id, &r.school_id]);
                    let cur = s
                        .get::<School>(&k)?
                        .ok_or_else(|| not_found(&r.school_id))?;
                    check_etag("school", &cur.id, &r.etag, &cur.meta)?;
                    let teachers = prefix(&[&r.municipality_id, &r.school_id]);
                    if s.index_has(TreeId::TeachersBySchool, &teachers)? {
                        return Err(ApiError::FailedPrecondition(format!(
                            "school '{}' still has teachers; move or delete them first",
                            cur.id
                        )));
                    }
                    let plans: Vec<String> =
                        crate::app::all_of::<peerlift_domain::Plan>(s, &r.municipality_id)?
                            .into_iter()
                            .filter(|p| p.school_id == cur.id)
                            .map(|p| p.id)
                            .collect();
                    if !plans.is_empty() {
                        return Err(ApiError::FailedPrecondition(format!(
                            "school '{}' still has roadmaps or routes ({}); delete them first",
                            cur.id,
                            plans.join(", ")
                        )));
                    }
                    // Its students' results go with it: they describe no other school.
                    for x in s.scan::<peerlift_domain::StudentResult>(&teachers, None) {
                        b.delete::<peerlift_domain::StudentResult>(peerlift_store::Record::key(
                            &x?,
                        ));
                    }
                    b.delete::<School>(k);
                    Ok(pb::DeleteSchoolResponse {})
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}

/// A filter enum: UNSPECIFIED means "any".
pub(crate) fn optional_enum<T: Copy>(
    field: &str,
    all: &[T],
    v: i32,
) -> Result<Option<T>, ApiError> {
    if v == 0 {
        return Ok(None);
    }
    enum_from_pb(all, v)
        .map(Some)
        .ok_or_else(|| ApiError::invalid(field, format!("{v} is not a known value")))
}

/// A school as answers show it: with the curators assigned to it.
fn with_curators(
    school: &School,
    curators: &mut std::collections::BTreeMap<String, Vec<String>>,
) -> pb::School {
    let mut out = school_to_pb(school);
    out.curator_ids = curators.remove(&school.id).unwrap_or_default();
    out
}
