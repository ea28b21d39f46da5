//! Who may do what: bearer tokens, their roles and scopes, the per-service grants of
//! integrations, and the audit trail of writes.
//!
//! The policy lives here, pure, so the one table that decides every call can be read and tested
//! without a server: the API only classifies each RPC (which service, read or write, whether a
//! school may call it) and asks [`allows`] and [`Scope::covers`].

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::model::coded_enum;
use crate::validate::Violations;

coded_enum!(
    /// What a token's holder is.
    Role {
        /// Everything, everywhere, including tokens.
        Admin = "admin",
        /// Reads and writes everything in its scope; approves match runs and rematches; reads
        /// the audit log of its scope.
        Coordinator = "coordinator",
        /// Reads everything in its scope; writes diagnostics, mentor profiles, catalogues,
        /// mentorships, sessions and match proposals; approves nothing.
        Methodologist = "methodologist",
        /// One school: reads its own school, teachers, sessions and progress, records its own
        /// sessions.
        School = "school",
        /// Another municipal system: reads or writes exactly the services it is granted.
        Integration = "integration",
        /// A curator of several schools (seed 001): reads what a school token of each of its
        /// schools reads, records their sessions, and reads its own curator view. Its scope
        /// names the curator record, so reassigning schools changes what it sees at once.
        Curator = "curator",
    }
);

coded_enum!(
    /// The services an integration can be granted, one per gRPC service.
    Service {
        Municipalities = "municipalities",
        Schools = "schools",
        Teachers = "teachers",
        MentorProfiles = "mentor_profiles",
        Diagnostics = "diagnostics",
        Catalog = "catalog",
        Import = "import",
        Matching = "matching",
        Mentorships = "mentorships",
        Network = "network",
        Sessions = "sessions",
        Reports = "reports",
        Rematch = "rematch",
        Tokens = "tokens",
        Audit = "audit",
        Curators = "curators",
        Associations = "associations",
        Platforms = "platforms",
        Events = "events",
        /// Programmes, results, roadmaps, routes, signed documents.
        Programme = "programme",
    }
);

coded_enum!(
    /// What a grant allows: `write` includes `read`.
    Access {
        Read = "read",
        Write = "write",
    }
);

/// What kind of act an RPC is, which the roles are defined by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Read,
    Write,
    /// A decision that changes live pairs (approving a match run, rematch policy and triggers):
    /// people accountable for the network only.
    Approve,
    /// Administration of the whole installation (municipalities come and go, tokens).
    Admin,
}

/// One RPC as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rpc {
    pub service: Service,
    pub op: Op,
    /// Whether a school token may call it (on its own school only; the API checks which).
    pub school: bool,
}

/// A grant of an integration token: one service, read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub service: Service,
    pub access: Access,
}

impl Grant {
    /// Parses `sessions:write`, `reports:read` (`sessions` alone means read).
    pub fn parse(s: &str) -> Option<Grant> {
        let (svc, access) = match s.split_once([':', '=']) {
            Some((a, b)) => (a, Access::from_code(b)?),
            None => (s, Access::Read),
        };
        Some(Grant {
            service: Service::from_code(svc)?,
            access,
        })
    }

    pub fn code(&self) -> String {
        format!("{}:{}", self.service.code(), self.access.code())
    }
}

/// Where a token may act.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Everything (admin tokens only).
    All,
    /// Every municipality whose `region` is this.
    Region(String),
    Municipality(String),
    /// One school of one municipality (school tokens only).
    School {
        municipality_id: String,
        school_id: String,
    },
    /// The schools of one curator record (curator tokens only), read at each call.
    Curator {
        municipality_id: String,
        curator_id: String,
    },
}

impl Scope {
    /// Parses `all`, `region:NAME`, `municipality:ID`, `school:MUNICIPALITY/SCHOOL`,
    /// `curator:MUNICIPALITY/CURATOR`.
    pub fn parse(s: &str) -> Option<Scope> {
        let s = s.trim();
        if s == "all" {
            return Some(Scope::All);
        }
        let (kind, rest) = s.split_once(':')?;
        if rest.is_empty() {
            return None;
        }
        // Every part must be what the registry accepts as such: a scope of a municipality
        // that no id can name (`a,b`, `region:north`) would be a token for nothing, or for
        // more than it says.
        let id = crate::ids::is_valid_id;
        match kind {
            "region" => (rest.chars().count() <= 200 && !rest.chars().any(char::is_control))
                .then(|| Scope::Region(rest.to_string())),
            "municipality" => id(rest).then(|| Scope::Municipality(rest.to_string())),
            "school" => {
                let (m, sc) = rest.split_once('/')?;
                (id(m) && id(sc)).then(|| Scope::School {
                    municipality_id: m.to_string(),
                    school_id: sc.to_string(),
                })
            }
            "curator" => {
                let (m, c) = rest.split_once('/')?;
                (id(m) && id(c)).then(|| Scope::Curator {
                    municipality_id: m.to_string(),
                    curator_id: c.to_string(),
                })
            }
            _ => None,
        }
    }

    pub fn code(&self) -> String {
        match self {
            Scope::All => "all".into(),
            Scope::Region(r) => format!("region:{r}"),
            Scope::Municipality(m) => format!("municipality:{m}"),
            Scope::School {
                municipality_id,
                school_id,
            } => format!("school:{municipality_id}/{school_id}"),
            Scope::Curator {
                municipality_id,
                curator_id,
            } => format!("curator:{municipality_id}/{curator_id}"),
        }
    }

    /// Whether a municipality (whose region is `region`, if it exists) is inside the scope.
    /// A municipality that does not exist has no region: only `All` covers it, so a scoped
    /// caller cannot tell a missing municipality from someone else's.
    pub fn covers(&self, municipality_id: &str, region: Option<&str>) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(r) => region == Some(r.as_str()),
            Scope::Municipality(m) => m == municipality_id,
            Scope::School {
                municipality_id: m, ..
            }
            | Scope::Curator {
                municipality_id: m, ..
            } => m == municipality_id,
        }
    }

    /// Whether a whole region is inside the scope.
    pub fn covers_region(&self, region: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(r) => r == region,
            _ => false,
        }
    }

    /// The school a school token is bound to.
    pub fn school(&self) -> Option<(&str, &str)> {
        match self {
            Scope::School {
                municipality_id,
                school_id,
            } => Some((municipality_id, school_id)),
            _ => None,
        }
    }

    /// The curator record a curator token is bound to.
    pub fn curator(&self) -> Option<(&str, &str)> {
        match self {
            Scope::Curator {
                municipality_id,
                curator_id,
            } => Some((municipality_id, curator_id)),
            _ => None,
        }
    }
}

/// Whether a role (with its grants, for integrations) may make this kind of call at all; the
/// scope is checked separately against the resource the call names.
pub fn allows(role: Role, grants: &[Grant], rpc: &Rpc) -> bool {
    use Service as S;
    match role {
        Role::Admin => true,
        Role::Coordinator => rpc.op != Op::Admin && rpc.service != S::Tokens,
        Role::Methodologist => match rpc.op {
            Op::Read => !matches!(rpc.service, S::Tokens | S::Audit),
            Op::Write => matches!(
                rpc.service,
                S::Diagnostics
                    | S::MentorProfiles
                    | S::Catalog
                    | S::Mentorships
                    | S::Sessions
                    | S::Matching
                    | S::Associations
                    | S::Events
                    | S::Programme
            ),
            Op::Approve | Op::Admin => false,
        },
        Role::School => rpc.school,
        Role::Curator => rpc.school || (rpc.service == S::Curators && rpc.op == Op::Read),
        Role::Integration => {
            let granted = |need: Access| {
                grants.iter().any(|g| {
                    g.service == rpc.service && (g.access == need || g.access == Access::Write)
                })
            };
            match rpc.op {
                Op::Read => granted(Access::Read),
                Op::Write => granted(Access::Write),
                Op::Approve | Op::Admin => false,
            }
        }
    }
}

/// A bearer token as stored: never the secret, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Public name of the token (`tok-…`): shown in listings and the audit log, used to revoke.
    pub id: String,
    /// Hex SHA-256 of the secret.
    pub hash: String,
    pub role: Role,
    pub scope: Scope,
    /// Integration tokens only.
    pub grants: Vec<Grant>,
    /// What the token is for ("attendance system of Kirovsk").
    pub label: String,
    pub create_time: Timestamp,
    /// Token id of whoever created it (`bootstrap` for the command line on the store).
    pub created_by: String,
    pub expire_time: Option<Timestamp>,
    pub revoke_time: Option<Timestamp>,
}

/// Prefix of every secret, so a leaked one is recognisable (secret scanners, logs).
pub const SECRET_PREFIX: &str = "plt_";

impl Token {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        match (&self.role, &self.scope) {
            (Role::Admin, Scope::All) => {}
            (Role::Admin, _) => v.add("scope", "an admin token's scope is `all`"),
            (_, Scope::All) => v.add(
                "scope",
                "only admin tokens cover everything: give a municipality or a region",
            ),
            (Role::School, Scope::School { .. }) => {}
            (Role::School, _) => v.add(
                "scope",
                "a school token names its school: school:MUNICIPALITY/SCHOOL",
            ),
            (_, Scope::School { .. }) => {
                v.add("scope", "only school tokens are scoped to one school")
            }
            (Role::Curator, Scope::Curator { .. }) => {}
            (Role::Curator, _) => v.add(
                "scope",
                "a curator token names its curator record: curator:MUNICIPALITY/CURATOR",
            ),
            (_, Scope::Curator { .. }) => {
                v.add("scope", "only curator tokens are scoped to a curator")
            }
            _ => {}
        }
        match self.role {
            Role::Integration if self.grants.is_empty() => v.add(
                "grants",
                "an integration token needs at least one grant, like sessions:write",
            ),
            Role::Integration => {
                for (i, g) in self.grants.iter().enumerate() {
                    if matches!(g.service, Service::Tokens | Service::Audit) {
                        v.add(
                            format!("grants[{i}]"),
                            "tokens and audit are not grantable to integrations",
                        );
                    }
                }
            }
            _ if !self.grants.is_empty() => v.add("grants", "only integration tokens have grants"),
            _ => {}
        }
        crate::validate::text(&mut v, "label", &self.label, false, 200);
        let mut seen = std::collections::BTreeSet::new();
        for (i, g) in self.grants.iter().enumerate() {
            if !seen.insert(g.service) {
                v.add(
                    format!("grants[{i}]"),
                    format!("{} is granted twice", g.service.code()),
                );
            }
        }
        if let Some(e) = self.expire_time {
            if e <= self.create_time {
                v.add("expire_time", "must be after the creation time");
            }
        }
        v.into_result()
    }

    /// Whether the token may be used at `now`.
    pub fn live(&self, now: Timestamp) -> bool {
        self.revoke_time.is_none() && self.expire_time.is_none_or(|e| now < e)
    }
}

/// Hex SHA-256 of a presented secret: what [`Token::hash`] is compared with.
pub fn hash_secret(secret: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(secret.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The pseudonym of a teacher in shared exports: keyed by an installation secret, so it is
/// stable across exports but cannot be computed from the (often guessable) id alone.
pub fn pseudonym(key: &[u8], municipality_id: &str, teacher_id: &str) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(key);
    h.update([0u8]);
    h.update(municipality_id.as_bytes());
    h.update([0u8]);
    h.update(teacher_id.as_bytes());
    let digest = h.finalize();
    let mut out = String::from("T-");
    for b in &digest[..5] {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Turns 32 random bytes (the caller's CSPRNG) into a secret.
pub fn secret_from(bytes: &[u8; 32]) -> String {
    let mut out = String::with_capacity(SECRET_PREFIX.len() + 64);
    out.push_str(SECRET_PREFIX);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// One acknowledged write: who, what, when, under which request id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The municipality written to; empty for installation-wide writes (tokens).
    pub municipality_id: String,
    pub time: Timestamp,
    /// Orders entries of the same instant; unique in the store.
    pub seq: u64,
    /// Token id of the caller; `dev` with auth off; `scheduler` for the nightly job.
    pub token_id: String,
    pub role: String,
    /// The RPC (`CreateSchool`) or job (`NightlyRematch`).
    pub method: String,
    pub request_id: String,
    /// What was written: `tree/key` of each record put or deleted (the first 50).
    pub changes: Vec<String>,
    /// How many records the write changed in all.
    pub change_count: u64,
    /// The hash of the entry written just before this one (by `seq`; empty for the first).
    /// Entries of stores older than the chain have both hashes empty.
    #[serde(default)]
    pub prev_hash: String,
    /// [`AuditEntry::chain_hash`] of this entry.
    #[serde(default)]
    pub hash: String,
}

/// The newest entry of the audit chain: removing entries from the end shows against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: u64,
    pub hash: String,
    /// Entries in the chain.
    pub count: u64,
}

/// Where the audit chain breaks, or that it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Entries that carry a hash and were checked.
    pub chained: u64,
    /// Entries written before the chain existed (schema 2), at its start: not covered.
    pub before_chain: u64,
    /// The head's hash (to note down elsewhere: a chain rewritten whole shows against it).
    pub head: String,
    /// Every break found, in order; empty when the chain holds.
    pub breaks: Vec<String>,
}

impl AuditEntry {
    /// SHA-256 over `prev_hash` and every field but `hash`, each length-prefixed, so no two
    /// different entries encode alike and the value does not depend on any serializer.
    pub fn chain_hash(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        };
        field(self.prev_hash.as_bytes());
        field(self.municipality_id.as_bytes());
        field(&self.time.as_nanosecond().to_be_bytes());
        field(&self.seq.to_be_bytes());
        field(self.token_id.as_bytes());
        field(self.role.as_bytes());
        field(self.method.as_bytes());
        field(self.request_id.as_bytes());
        field(&(self.changes.len() as u64).to_be_bytes());
        for c in &self.changes {
            field(c.as_bytes());
        }
        field(&self.change_count.to_be_bytes());
        hex(&h.finalize())
    }

    /// Links this entry after `head` (None: the first of the chain) and returns the new head.
    pub fn link(&mut self, head: Option<&AuditHead>) -> AuditHead {
        self.prev_hash = head.map(|h| h.hash.clone()).unwrap_or_default();
        self.hash = self.chain_hash();
        AuditHead {
            seq: self.seq,
            hash: self.hash.clone(),
            count: head.map_or(0, |h| h.count) + 1,
        }
    }
}

/// Checks a whole audit log against its head: every entry's hash, every link to the entry
/// before it (by `seq`), and the head against the last entry. A changed entry, a removed one
/// (first, middle or last) and a reordered one each show as a break, named by its seq, its
/// municipality and its time.
pub fn verify_chain(mut entries: Vec<AuditEntry>, head: Option<&AuditHead>) -> ChainReport {
    entries.sort_by_key(|e| e.seq);
    let mut report = ChainReport {
        chained: 0,
        before_chain: 0,
        head: head.map(|h| h.hash.clone()).unwrap_or_default(),
        breaks: Vec::new(),
    };
    let name = |e: &AuditEntry| {
        format!(
            "entry {} ({} {} {})",
            e.seq,
            if e.municipality_id.is_empty() {
                "installation"
            } else {
                &e.municipality_id
            },
            e.time,
            e.method
        )
    };
    let mut prev: Option<&AuditEntry> = None;
    for e in &entries {
        if e.hash.is_empty() && e.prev_hash.is_empty() {
            if prev.is_some() {
                report.breaks.push(format!(
                    "{} has no hash, after chained entries: it was inserted",
                    name(e)
                ));
            } else {
                report.before_chain += 1;
            }
            continue;
        }
        report.chained += 1;
        if e.chain_hash() != e.hash {
            report
                .breaks
                .push(format!("{} was changed after it was written", name(e)));
        }
        let expected = prev.map(|p| p.hash.as_str()).unwrap_or_default();
        if e.prev_hash != expected {
            report.breaks.push(match prev {
                Some(p) => format!(
                    "{} does not follow {}: an entry between them was removed, or one of them changed",
                    name(e),
                    name(p)
                ),
                None => format!(
                    "{} is not the first of the chain: the entries before it were removed",
                    name(e)
                ),
            });
        }
        prev = Some(e);
    }
    match (head, prev) {
        (None, None) => {}
        (None, Some(last)) => report.breaks.push(format!(
            "the chain's head is missing (last entry {})",
            name(last)
        )),
        (Some(h), None) => report.breaks.push(format!(
            "the head names entry {} but no chained entry is left: the log was removed",
            h.seq
        )),
        (Some(h), Some(last)) => {
            if h.seq != last.seq || h.hash != last.hash {
                report.breaks.push(format!(
                    "the last entry is {} but the head names entry {}: entries at the end were removed",
                    name(last),
                    h.seq
                ));
            } else if h.count != report.chained {
                report.breaks.push(format!(
                    "the head counts {} entries, the log has {}: entries were removed",
                    h.count, report.chained
                ));
            }
        }
    }
    report
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

impl AuditEntry {
    /// Sortable time part of the key: nanoseconds since the epoch, zero-padded.
    pub fn time_key(t: Timestamp) -> String {
        format!("{:024}", t.as_nanosecond().max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpc(service: Service, op: Op, school: bool) -> Rpc {
        Rpc {
            service,
            op,
            school,
        }
    }

    #[test]
    fn scopes_parse_and_print_back() {
        for s in [
            "all",
            "region:Leningrad region",
            "municipality:kirovsky",
            "school:kirovsky/s1",
        ] {
            let parsed = Scope::parse(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(parsed.code(), s);
        }
        for bad in [
            "",
            "region:",
            "school:kirovsky",
            "school:/x",
            "planet:earth",
            "ALL",
            "municipality:a,b",
            "municipality:region:north",
            "school:m/region:x",
            "region:a\u{1b}b",
        ] {
            assert_eq!(Scope::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_missing_municipality_is_covered_by_nobody_scoped() {
        let region = Scope::Region("R".into());
        assert!(region.covers("m1", Some("R")));
        assert!(!region.covers("m1", Some("Q")));
        assert!(!region.covers("m1", None));
        assert!(Scope::All.covers("m1", None));
        assert!(Scope::Municipality("m1".into()).covers("m1", None));
        assert!(!Scope::Municipality("m1".into()).covers("m2", Some("R")));
        assert!(!Scope::Municipality("m1".into()).covers_region("R"));
    }

    #[test]
    fn roles_follow_the_table() {
        let read = rpc(Service::Schools, Op::Read, false);
        let write = rpc(Service::Schools, Op::Write, false);
        let diag_write = rpc(Service::Diagnostics, Op::Write, false);
        let approve = rpc(Service::Matching, Op::Approve, false);
        let admin = rpc(Service::Municipalities, Op::Admin, false);
        let tokens = rpc(Service::Tokens, Op::Read, false);
        let audit = rpc(Service::Audit, Op::Read, false);
        let school_read = rpc(Service::Schools, Op::Read, true);
        let cases = [
            (
                Role::Admin,
                [true, true, true, true, true, true, true, true],
            ),
            (
                Role::Coordinator,
                [true, true, true, true, false, false, true, true],
            ),
            (
                Role::Methodologist,
                [true, false, true, false, false, false, false, true],
            ),
            (
                Role::School,
                [false, false, false, false, false, false, false, true],
            ),
        ];
        for (role, expect) in cases {
            let got = [
                &read,
                &write,
                &diag_write,
                &approve,
                &admin,
                &tokens,
                &audit,
                &school_read,
            ]
            .map(|r| allows(role, &[], r));
            assert_eq!(got, expect, "{role:?}");
        }
    }

    #[test]
    fn integrations_get_exactly_their_grants() {
        let grants = [
            Grant::parse("sessions:write").unwrap_or_else(|| panic!()),
            Grant::parse("reports").unwrap_or_else(|| panic!()),
        ];
        let i = |s, op| allows(Role::Integration, &grants, &rpc(s, op, false));
        assert!(i(Service::Sessions, Op::Read));
        assert!(i(Service::Sessions, Op::Write));
        assert!(i(Service::Reports, Op::Read));
        assert!(!i(Service::Reports, Op::Write));
        assert!(!i(Service::Schools, Op::Read));
        assert!(!i(Service::Sessions, Op::Approve));
        assert!(!allows(
            Role::Integration,
            &[],
            &rpc(Service::Sessions, Op::Read, false)
        ));
    }

    #[test]
    fn token_shapes_are_checked() {
        let now = Timestamp::UNIX_EPOCH;
        let base = Token {
            id: "tok-1".into(),
            hash: hash_secret("plt_x"),
            role: Role::Coordinator,
            scope: Scope::Municipality("m".into()),
            grants: vec![],
            label: String::new(),
            create_time: now,
            created_by: "bootstrap".into(),
            expire_time: None,
            revoke_time: None,
        };
        assert!(base.validate().is_ok());
        let bad = [
            Token {
                scope: Scope::All,
                ..base.clone()
            },
            Token {
                role: Role::Admin,
                ..base.clone()
            },
            Token {
                role: Role::School,
                ..base.clone()
            },
            Token {
                role: Role::Integration,
                ..base.clone()
            },
            Token {
                grants: vec![Grant {
                    service: Service::Schools,
                    access: Access::Read,
                }],
                ..base.clone()
            },
            Token {
                expire_time: Some(now),
                ..base.clone()
            },
        ];
        for t in bad {
            assert!(t.validate().is_err(), "{t:?}");
        }
        assert!(base.live(now));
        let revoked = Token {
            revoke_time: Some(now),
            ..base.clone()
        };
        assert!(!revoked.live(now));
    }

    #[test]
    fn pseudonyms_are_keyed_and_stable() {
        let a = pseudonym(b"k1", "m", "t1");
        assert_eq!(a, pseudonym(b"k1", "m", "t1"));
        assert_ne!(a, pseudonym(b"k2", "m", "t1"));
        assert_ne!(a, pseudonym(b"k1", "m", "t2"));
        assert!(a.starts_with("T-") && a.len() == 12, "{a}");
    }

    #[test]
    fn secrets_hash_stably() {
        let s = secret_from(&[7u8; 32]);
        assert!(s.starts_with(SECRET_PREFIX));
        assert_eq!(s.len(), 4 + 64);
        assert_eq!(hash_secret(&s), hash_secret(&s));
        assert_ne!(hash_secret(&s), hash_secret("plt_other"));
        // The known SHA-256 of the empty string.
        assert_eq!(
            hash_secret(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    fn chain(n: u64) -> (Vec<AuditEntry>, AuditHead) {
        let mut head: Option<AuditHead> = None;
        let mut out = Vec::new();
        for seq in 1..=n {
            let mut e = AuditEntry {
                municipality_id: if seq % 2 == 0 {
                    "m".into()
                } else {
                    String::new()
                },
                time: Timestamp::constant(1_700_000_000 + seq as i64, 0),
                seq: seq * 10,
                token_id: "tok-1".into(),
                role: "admin".into(),
                method: "CreateSchool".into(),
                request_id: String::new(),
                changes: vec![format!("schools/m/s{seq}")],
                change_count: 1,
                prev_hash: String::new(),
                hash: String::new(),
            };
            head = Some(e.link(head.as_ref()));
            out.push(e);
        }
        (out, head.unwrap_or_else(|| unreachable!()))
    }

    /// The chain holds as written, and every way of changing it quietly shows, named.
    #[test]
    fn the_audit_chain_shows_every_change_and_removal() {
        let (entries, head) = chain(5);
        let ok = verify_chain(entries.clone(), Some(&head));
        assert_eq!((ok.chained, ok.breaks.len()), (5, 0), "{:?}", ok.breaks);
        assert_eq!(ok.head, entries[4].hash);

        let mut changed = entries.clone();
        changed[2].method = "DeleteSchool".into();
        let r = verify_chain(changed, Some(&head));
        assert_eq!(r.breaks.len(), 1, "{:?}", r.breaks);
        assert!(r.breaks[0].contains("entry 30") && r.breaks[0].contains("changed"));

        // Changed and re-hashed: the next entry no longer follows it.
        let mut rehashed = entries.clone();
        rehashed[2].method = "DeleteSchool".into();
        rehashed[2].hash = rehashed[2].chain_hash();
        let r = verify_chain(rehashed, Some(&head));
        assert!(r
            .breaks
            .iter()
            .any(|b| b.contains("entry 40") && b.contains("does not follow")));

        for (i, what) in [
            (0, "were removed"),
            (2, "removed"),
            (4, "at the end were removed"),
        ] {
            let mut removed = entries.clone();
            removed.remove(i);
            let r = verify_chain(removed, Some(&head));
            assert!(
                r.breaks.iter().any(|b| b.contains(what)),
                "removing entry {i}: {:?}",
                r.breaks
            );
        }
        let r = verify_chain(Vec::new(), Some(&head));
        assert_eq!(r.breaks.len(), 1);

        // Entries from before the chain, at its start, are counted, not broken.
        let mut legacy = entries[0].clone();
        legacy.seq = 1;
        legacy.prev_hash.clear();
        legacy.hash.clear();
        let mut with_legacy = entries.clone();
        with_legacy.push(legacy);
        let r = verify_chain(with_legacy, Some(&head));
        assert_eq!((r.before_chain, r.breaks.len()), (1, 0), "{:?}", r.breaks);
    }
}
