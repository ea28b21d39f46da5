use peerlift_domain::{stamp, Change, Meta, School, Teacher, Violations};
use peerlift_store::{key, prefix, Record, Store, TreeId};
use prost::Message;
use tonic::{Request, Response, Status};

use super::{check_id, required, under};
use crate::app::registry::{self, Deletion};
use crate::auth::Admit;
use crate::convert::{teacher_from_pb, teacher_to_pb};
use crate::error::{ApiError, ApiResult};
use crate::pb;
use crate::pb::delete_teacher_response::Outcome;
use crate::pb::teacher_service_server::TeacherService;
use crate::state::{self, check_etag, page, page_size, walk, AppState};

#[derive(Debug, Clone)]
pub struct TeacherApi {
    pub state: AppState,
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: "teacher",
        id: id.to_string(),
    }
}

/// The teacher's school must exist in the same municipality.
/// A teacher converted from a request, with an unknown school named in the same answer as
/// every other bad field (an empty name no longer hides it).
fn converted(
    s: &Store,
    m: &str,
    catalog: &peerlift_domain::Catalog,
    given: pb::Teacher,
) -> ApiResult<(Teacher, crate::convert::TeacherFlags)> {
    let school_id = given.school_id.clone();
    match teacher_from_pb(m, catalog, given).map_err(under("teacher")) {
        Err(ApiError::Invalid(mut v)) => {
            let named = v.0.iter().any(|x| x.field == "teacher.school_id");
            if !named
                && peerlift_domain::ids::is_valid_id(&school_id)
                && !s.contains::<School>(&key(&[m, &school_id]))?
            {
                v.add(
                    "teacher.school_id",
                    format!("no school '{school_id}' in municipality '{m}'"),
                );
            }
            Err(ApiError::Invalid(v))
        }
        other => other,
    }
}

fn check_school(s: &Store, t: &Teacher) -> ApiResult<()> {
    if !s.contains::<School>(&key(&[&t.municipality_id, &t.school_id]))? {
        return Err(ApiError::Invalid(Violations::single(
            "teacher.school_id",
            format!(
                "no school '{}' in municipality '{}'",
                t.school_id, t.municipality_id
            ),
        )));
    }
    Ok(())
}

/// A teacher has history when anything refers to them: then they are deactivated, not erased,
/// so past diagnostics and mentoring keep their meaning.
#[tonic::async_trait]
impl TeacherService for TeacherApi {
    async fn create_teacher(
        &self,
        req: Request<pb::CreateTeacherRequest>,
    ) -> Result<Response<pb::Teacher>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "CreateTeacher",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let catalog = state::catalog(s, &m.id)?;
                    let mut given = required("teacher", r.teacher)?;
                    if given.id.is_empty() {
                        given.id = format!("teacher-{}", s.generate_id()?);
                    }
                    let (mut t, _) = converted(s, &m.id, &catalog, given)?;
                    check_school(s, &t)?;
                    if s.contains::<Teacher>(&t.key())? {
                        return Err(ApiError::AlreadyExists {
                            kind: "teacher",
                            id: t.id,
                        });
                    }
                    t.meta = Meta::new(now);
                    b.put(&t)?;
                    Ok(teacher_to_pb(&t))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn get_teacher(
        &self,
        req: Request<pb::GetTeacherRequest>,
    ) -> Result<Response<pb::Teacher>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let t = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                check_id("teacher_id", &r.teacher_id)?;
                let found = s.get::<Teacher>(&key(&[&r.municipality_id, &r.teacher_id]))?;
                caller.gate_school(found.iter().map(|t| t.school_id.as_str()), found.is_some())?;
                found.ok_or_else(|| not_found(&r.teacher_id))
            })
            .await?;
        Ok(Response::new(teacher_to_pb(&t)))
    }

    async fn list_teachers(
        &self,
        req: Request<pb::ListTeachersRequest>,
    ) -> Result<Response<pb::ListTeachersResponse>, Status> {
        let (_caller, r) = self.state.admit(req).await?;
        let size = page_size(r.page_size)?;
        let (items, next) = self
            .state
            .read_now(move |s| {
                state::municipality(s, &r.municipality_id)?;
                // A filter on a code nobody can have is a typo, not an empty list.
                if !r.subject.is_empty() {
                    let mut v = Violations::new();
                    state::catalog(s, &r.municipality_id)?.check(
                        &mut v,
                        "subject",
                        peerlift_domain::CatalogKind::Subject,
                        &r.subject,
                    );
                    v.into_result().map_err(ApiError::Invalid)?;
                }
                let keep = |t: &Teacher| {
                    (r.subject.is_empty() || t.subjects.contains(&r.subject))
                        && r.active.is_none_or(|a| t.active == a)
                };
                let filters = (&r.subject, r.active);
                if r.school_id.is_empty() {
                    let p = prefix(&[&r.municipality_id]);
                    let w = state::Walk::new(walk::TEACHERS, &filters);
                    let after = state::decode_token(&r.page_token, w, &p)?;
                    let iter = s
                        .scan::<Teacher>(&p, after.as_deref())
                        .map(|x| x.map(|x| (x.key(), x)).map_err(ApiError::from));
                    page(iter, size, w, keep)
                } else {
                    // Walk the school index instead of every teacher of the municipality.
                    let p = prefix(&[&r.municipality_id, &r.school_id]);
                    let w = state::Walk::new(walk::TEACHERS_BY_SCHOOL, &filters);
                    let after = state::decode_token(&r.page_token, w, &p)?;
                    let iter = state::index_walk::<Teacher>(
                        s,
                        TreeId::TeachersBySchool,
                        &p,
                        after.as_deref(),
                        &r.municipality_id,
                    );
                    page(iter, size, w, keep)
                }
            })
            .await?;
        Ok(Response::new(pb::ListTeachersResponse {
            teachers: items.iter().map(teacher_to_pb).collect(),
            next_page_token: next,
        }))
    }

    async fn update_teacher(
        &self,
        req: Request<pb::UpdateTeacherRequest>,
    ) -> Result<Response<pb::Teacher>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "UpdateTeacher",
                &rid,
                bytes,
                move |s, b, now| {
                    let m = state::municipality(s, &r.municipality_id)?;
                    let catalog = state::catalog(s, &m.id)?;
                    let given = required("teacher", r.teacher)?;
                    let given = match crate::mask::partial(r.update_mask.as_ref()) {
                        Some(mk) => {
                            check_id("teacher.id", &given.id)?;
                            let cur = s
                                .get::<Teacher>(&key(&[&m.id, &given.id]))?
                                .ok_or_else(|| not_found(&given.id))?;
                            crate::mask::merge(
                                teacher_to_pb(&cur),
                                given,
                                mk,
                                crate::mask::TEACHER,
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
                    let (mut t, flags) = converted(s, &m.id, &catalog, given)?;
                    let cur = s
                        .get::<Teacher>(&t.key())?
                        .ok_or_else(|| not_found(&t.id))?;
                    check_etag("teacher", &t.id, &etag, &cur.meta)?;
                    t.active = flags.active.unwrap_or(cur.active);
                    t.accepts_online = flags.accepts_online.unwrap_or(cur.accepts_online);
                    t.position = flags.position.unwrap_or(cur.position);
                    if t.school_id != cur.school_id {
                        check_school(s, &t)?;
                    }
                    if stamp(&mut t, Some(&cur), now) == Change::Unchanged {
                        return Ok(teacher_to_pb(&cur));
                    }
                    b.put(&t)?;
                    Ok(teacher_to_pb(&t))
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn delete_teacher(
        &self,
        req: Request<pb::DeleteTeacherRequest>,
    ) -> Result<Response<pb::DeleteTeacherResponse>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("teacher_id", &r.teacher_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "DeleteTeacher",
                &rid,
                bytes,
                move |s, b, now| {
                    let d = registry::delete_teacher(
                        s,
                        b,
                        &r.municipality_id,
                        &r.teacher_id,
                        &r.etag,
                        now,
                    )?;
                    Ok(match d {
                        Deletion::Deactivated(t) => pb::DeleteTeacherResponse {
                            outcome: Outcome::Deactivated as i32,
                            teacher: Some(teacher_to_pb(&t)),
                        },
                        Deletion::Erased => pb::DeleteTeacherResponse {
                            outcome: Outcome::Erased as i32,
                            teacher: None,
                        },
                    })
                },
            )
            .await?;
        Ok(Response::new(out))
    }

    async fn erase_teacher(
        &self,
        req: Request<pb::EraseTeacherRequest>,
    ) -> Result<Response<pb::Teacher>, Status> {
        let (caller, r) = self.state.admit(req).await?;
        check_id("teacher_id", &r.teacher_id)?;
        let bytes = r.encode_to_vec();
        let (scope, rid) = (r.municipality_id.clone(), r.request_id.clone());
        let out = self
            .state
            .write(
                &caller,
                &scope,
                "EraseTeacher",
                &rid,
                bytes,
                move |s, b, now| {
                    let t = registry::erase_teacher(s, b, &r.municipality_id, &r.teacher_id, now)?;
                    Ok(teacher_to_pb(&t))
                },
            )
            .await?;
        Ok(Response::new(out))
    }
}
