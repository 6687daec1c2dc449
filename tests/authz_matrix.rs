//! The authorization matrix: every route the app registers (`jiwon::web::route_table()`,
//! built by the same `jiwon::routes` as the server), called by every kind of caller —
//! anonymous, owner A, owner B, editor/reviewer/admin of agency A and of agency B, an
//! operator. Each route's rule (`Access` + `Object`, declared where it is registered)
//! says who may call it; the matrix proves that those callers get through and that
//! everyone else is refused (403/404, 410 for a used link; anonymous visitors of pages
//! are sent to the login page, of the API get 401; staff and operators on owner pages
//! are sent to `/console`) with the database unchanged and none of the object's secrets
//! in the answer. Objects are made fresh for each request (a new draft, file, staff
//! member, subscription, token…), so an allowed publish or delete spoils nothing. Every answer, allowed or not, is also searched for marker
//! strings the caller must never see (another agency's draft, another owner's email,
//! operator-only errors).
//!
//! A route whose rule the matrix cannot exercise — an `Access` on an `Object` it does
//! not know, a POST without a body here, a path placeholder it cannot fill — fails the
//! test by name, so a new route has to be classified and exercised.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use common::*;
use jiwon::accounts::model::{Agency, Invitation, User};
use jiwon::accounts::{password, store as accounts_store};
use jiwon::accounts::{CurrentUser, SESSION_COOKIE};
use jiwon::alerts::criteria::Criteria;
use jiwon::alerts::delivery::{self, NewDelivery};
use jiwon::alerts::model::OwnerProfile;
use jiwon::alerts::{store as alerts_store, tokens};
use jiwon::announcements::model::Attachment;
use jiwon::announcements::service::{self, Content};
use jiwon::announcements::store as ann_store;
use jiwon::announcements::WindowKind;
use jiwon::db::schema::{jobs, sessions};
use jiwon::db::DbConnection;
use jiwon::ids::{new_id, random_token, sha256_hex};
use jiwon::web::{route_table, Access, Object, RouteSpec};

const OWNER_PW: &str = "owner password 123";

// --- callers ----------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Side {
    A,
    B,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Who {
    Anonymous,
    Owner(Side),
    Editor(Side),
    Reviewer(Side),
    Admin(Side),
    Operator,
    /// An agency's own system with an unrevoked API key of agency A or B, no cookies.
    Key(Side),
    /// A revoked API key of agency A, no cookies.
    RevokedKey,
}

/// The matrix's own setup acting for an agency (API keys are made before any call).
struct SetUp(String);

impl jiwon::audit::Actor for SetUp {
    fn actor_id(&self) -> &str {
        "authz-matrix"
    }
    fn actor_label(&self) -> String {
        "권한표 준비".into()
    }
    fn agency_id(&self) -> Option<&str> {
        Some(&self.0)
    }
}

const CALLERS: [Who; 10] = [
    Who::Anonymous,
    Who::Owner(Side::A),
    Who::Owner(Side::B),
    Who::Editor(Side::A),
    Who::Reviewer(Side::A),
    Who::Admin(Side::A),
    Who::Editor(Side::B),
    Who::Reviewer(Side::B),
    Who::Admin(Side::B),
    Who::Operator,
];

/// The callers with an API key (`Authorization: Bearer`, no cookies). They call every
/// `Access::AgencyKey` route; on every other route agency A's key is tried too and must
/// be treated as anonymous (a key opens no cookie route). Without a key is `Anonymous`.
const KEY_CALLERS: [Who; 3] = [Who::Key(Side::A), Who::Key(Side::B), Who::RevokedKey];

impl Who {
    fn is_key(self) -> bool {
        matches!(self, Who::Key(_) | Who::RevokedKey)
    }
    fn agency(self) -> Option<Side> {
        match self {
            Who::Editor(s) | Who::Reviewer(s) | Who::Admin(s) => Some(s),
            _ => None,
        }
    }
    fn is_staff(self) -> bool {
        self.agency().is_some()
    }
    fn can_edit(self) -> bool {
        matches!(self, Who::Editor(_) | Who::Admin(_))
    }
    fn is_admin(self) -> bool {
        matches!(self, Who::Admin(_))
    }
    fn is_owner(self) -> bool {
        matches!(self, Who::Owner(_))
    }
    fn signed_in(self) -> bool {
        self != Who::Anonymous
    }
}

/// Who may read a marker string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    StaffOf(Side),
    Owner(Side),
    Operator,
    /// Anyone the route lets in (an object's secret in a capability page); only denial
    /// answers are searched for it.
    Allowed,
}

impl Audience {
    fn includes(self, who: Who) -> bool {
        match self {
            // The agency's API key reads what its staff read (on the pull API).
            Audience::StaffOf(s) => who.agency() == Some(s) || who == Who::Key(s),
            Audience::Owner(s) => who == Who::Owner(s),
            Audience::Operator => who == Who::Operator,
            Audience::Allowed => true,
        }
    }
}

struct Marker {
    text: String,
    audience: Audience,
}

fn marker(text: impl Into<String>, audience: Audience) -> Marker {
    Marker {
        text: text.into(),
        audience,
    }
}

/// A signed-in (or anonymous) browser: its cookies and the form token of its session.
struct Session {
    who: Who,
    email: Option<String>,
    password: String,
    cookie: String,
    csrf: String,
    session_token: Option<String>,
    /// An API key sent as `Authorization: Bearer` (key callers).
    bearer: Option<String>,
}

// --- HTTP -------------------------------------------------------------------------------

enum Body {
    Empty,
    Form(Vec<(String, String)>),
    Multipart(Vec<(String, String)>, String, Vec<u8>),
    Json(serde_json::Value),
}

struct Req {
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: Body,
}

struct Answer {
    status: u16,
    location: String,
    set_cookies: Vec<String>,
    body: String,
}

/// One request from a fresh agent carrying `cookie`: whatever the answer sets (a new
/// session, a removed one) does not stick to the caller.
fn send(app: &TestApp, cookie: &str, req: &Req) -> Answer {
    let agent = ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(Duration::from_secs(60))
        .build();
    let mut r = agent.request(req.method, &format!("{}{}", app.addr, req.path));
    if !cookie.is_empty() {
        r = r.set("Cookie", cookie);
    }
    for (k, v) in &req.headers {
        r = r.set(k, v);
    }
    let result = match &req.body {
        Body::Empty => r.call(),
        Body::Form(fields) => {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            r.send_form(&pairs)
        }
        Body::Multipart(fields, file_name, bytes) => {
            let boundary = "----jiwonMatrixBoundary";
            let mut body = Vec::new();
            for (k, v) in fields {
                body.extend_from_slice(
                    format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                        .as_bytes(),
                );
            }
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            r.set(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send_bytes(&body)
        }
        Body::Json(v) => r.send_json(v.clone()),
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{} {} failed: {e}", req.method, req.path),
    };
    let status = resp.status();
    let location = resp.header("location").unwrap_or("").to_string();
    let set_cookies = resp
        .all("set-cookie")
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut bytes = Vec::new();
    let _ = resp.into_reader().take(20_000_000).read_to_end(&mut bytes);
    Answer {
        status,
        location,
        set_cookies,
        body: html_escape::decode_html_entities(&String::from_utf8_lossy(&bytes)).to_string(),
    }
}

fn cookie_value(answer: &Answer, name: &str) -> Option<String> {
    answer.set_cookies.iter().find_map(|c| {
        let first = c.split(';').next()?;
        let (k, v) = first.split_once('=')?;
        (k.trim() == name && !v.is_empty()).then(|| v.to_string())
    })
}

fn get(path: &str) -> Req {
    Req {
        method: "GET",
        path: path.to_string(),
        headers: Vec::new(),
        body: Body::Empty,
    }
}

/// An anonymous browser that has seen a form (so it has a CSRF cookie and token); with
/// an email, signed in through `/login`.
fn open_session(app: &TestApp, who: Who, email: Option<&str>, password: &str) -> Session {
    let page = send(app, "", &get("/login"));
    let csrf_cookie = cookie_value(&page, "jiwon_csrf").expect("csrf cookie on /login");
    let csrf = extract_csrf(&page.body).expect("csrf token on /login");
    let mut s = Session {
        who,
        email: email.map(String::from),
        password: password.to_string(),
        cookie: format!("jiwon_csrf={csrf_cookie}"),
        csrf,
        session_token: None,
        bearer: None,
    };
    if let Some(email) = email {
        let r = send(
            app,
            &s.cookie,
            &Req {
                method: "POST",
                path: "/login".into(),
                headers: Vec::new(),
                body: Body::Form(vec![
                    ("email".into(), email.into()),
                    ("password".into(), password.into()),
                    ("csrf_token".into(), s.csrf.clone()),
                    ("next".into(), "/console".into()),
                ]),
            },
        );
        assert_eq!(r.status, 303, "login of {who:?} failed: {}", r.body);
        let token = cookie_value(&r, SESSION_COOKIE).expect("session cookie");
        s.cookie = format!("jiwon_csrf={csrf_cookie}; {SESSION_COOKIE}={token}");
        s.session_token = Some(token);
    }
    s
}

// --- the database fingerprint -----------------------------------------------------------

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    r: String,
}

fn text_rows(conn: &mut DbConnection, sql: &str) -> Vec<String> {
    let rows: Vec<TextRow> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c),
        DbConnection::Postgres(c) => diesel::sql_query(sql).load(c),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().map(|t| t.r).collect()
}

/// One query per table giving each row as text: every column of every table, except
/// the reference data seeded at boot (regions, KSIC, categories), which only nothing
/// writes and is counted.
struct Fingerprinter {
    queries: Vec<(String, String)>,
    upload_dir: std::path::PathBuf,
}

const REFERENCE_TABLES: &[&str] = &["categories", "regions", "ksic"];
/// Not compared: a refused API key is counted against its address (`rate_limits`), which
/// is the point of the limit and holds nothing of anyone's.
const UNCOMPARED_TABLES: &[&str] = &["rate_limits"];

impl Fingerprinter {
    fn new(app: &TestApp) -> Fingerprinter {
        let mut conn = app.conn();
        let sqlite = matches!(&*conn, DbConnection::Sqlite(_));
        let tables = text_rows(
            &mut conn,
            if sqlite {
                "SELECT name AS r FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name"
            } else {
                "SELECT CAST(table_name AS TEXT) AS r FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
                 ORDER BY table_name"
            },
        );
        let mut queries = Vec::new();
        for t in tables {
            if UNCOMPARED_TABLES.contains(&t.as_str()) {
                continue;
            }
            if REFERENCE_TABLES.contains(&t.as_str()) {
                queries.push((
                    t.clone(),
                    format!("SELECT CAST(COUNT(*) AS TEXT) AS r FROM \"{t}\""),
                ));
                continue;
            }
            let cols = text_rows(
                &mut conn,
                &if sqlite {
                    format!("SELECT name AS r FROM pragma_table_info('{t}')")
                } else {
                    format!(
                        "SELECT CAST(column_name AS TEXT) AS r FROM information_schema.columns \
                         WHERE table_schema = current_schema() AND table_name = '{t}' \
                         ORDER BY ordinal_position"
                    )
                },
            );
            assert!(!cols.is_empty(), "no columns for {t}");
            let expr = cols
                .iter()
                .map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), '~')"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            queries.push((t.clone(), format!("SELECT {expr} AS r FROM \"{t}\"")));
        }
        Fingerprinter {
            queries,
            upload_dir: app.state.config.upload_dir.clone(),
        }
    }

    /// Table → (rows, digest of the sorted rows); plus the uploaded files.
    fn take(&self, app: &TestApp) -> BTreeMap<String, (usize, String)> {
        use sha2::Digest;
        let mut conn = app.conn();
        let mut out = BTreeMap::new();
        for (t, q) in &self.queries {
            let mut rows = text_rows(&mut conn, q);
            rows.sort();
            let digest = hex::encode(sha2::Sha256::digest(rows.join("\n").as_bytes()));
            out.insert(t.clone(), (rows.len(), digest));
        }
        let files = std::fs::read_dir(&self.upload_dir)
            .map(|d| d.count())
            .unwrap_or(0);
        out.insert("<upload dir>".into(), (files, String::new()));
        out
    }
}

fn changed_tables(
    before: &BTreeMap<String, (usize, String)>,
    after: &BTreeMap<String, (usize, String)>,
) -> Vec<String> {
    after
        .iter()
        .filter(|(t, v)| before.get(*t) != Some(v))
        .map(|(t, (n, _))| format!("{t} ({} → {n} rows)", before.get(t).map_or(0, |b| b.0)))
        .collect()
}

// --- fixtures ---------------------------------------------------------------------------

struct World {
    agency: HashMap<Side, Agency>,
    /// The user behind each signed-in caller.
    user: HashMap<Who, User>,
    owner_id: HashMap<Side, String>,
    a_draft: String,
    a_published: String,
    a_published_file: String,
    outbox_name: String,
    /// An agency without staff among the callers, owner of the drafts A executes.
    agency_c: Agency,
    markers: Vec<Marker>,
    counter: u32,
    /// The API key of each key caller.
    keys: HashMap<Who, String>,
}

/// What a check calls the route with: the values for the path's placeholders (and the
/// object's field), and what must not show in a refusal.
struct Target {
    values: HashMap<&'static str, String>,
    secrets: Vec<Marker>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    /// The route's object as it is: a valid link, a direct request, A's draft for the
    /// console.
    Plain,
    /// A public announcement (or its file), where the rule serves public ones.
    Shown,
    /// A draft (or its file), where the rule serves public ones.
    Hidden,
    /// A capability route with a made-up secret.
    Bogus,
    /// The development outbox through a proxy.
    Proxied,
    /// A console route on a draft another agency owns with agency A as the executing
    /// partner: A's staff manage it as their own.
    Partnered,
}

fn variants(spec: &RouteSpec) -> Vec<Variant> {
    let visible_by_status = matches!(spec.object, Object::Announcement | Object::Attachment)
        && matches!(
            spec.access,
            Access::Public | Access::Preview | Access::SignedIn | Access::Owner
        );
    if visible_by_status {
        vec![Variant::Shown, Variant::Hidden]
    } else if spec.object == Object::Announcement
        && matches!(spec.access, Access::Staff | Access::StaffEdit)
    {
        vec![Variant::Plain, Variant::Partnered]
    } else if spec.access == Access::Capability {
        vec![Variant::Plain, Variant::Bogus]
    } else if spec.access == Access::DevOnly {
        vec![Variant::Plain, Variant::Proxied]
    } else {
        vec![Variant::Plain]
    }
}

/// The `(Access, Object)` pairs the matrix knows how to exercise. A route declared with
/// any other pair fails the test until it is taught here.
fn known(access: Access, object: Object) -> bool {
    use Access as A;
    use Object as O;
    matches!(
        (access, object),
        (
            A::Public,
            O::None | O::Agency | O::StaticFile | O::DeliveryCode | O::Announcement
        ) | (A::Preview, O::Announcement | O::Attachment)
            | (
                A::SignedIn,
                O::None | O::Announcement | O::Subscription | O::Bookmark
            )
            | (A::Owner, O::None | O::Announcement | O::Application)
            | (
                A::Staff | A::StaffEdit,
                O::None | O::Announcement | O::Attachment | O::Application | O::ApplicationFile
            )
            | (A::AgencyAdmin, O::None | O::StaffMember)
            | (A::Operator, O::None | O::Job | O::Delivery)
            | (
                A::Capability,
                O::VerifyLink
                    | O::ResetLink
                    | O::InviteLink
                    | O::ConfirmLink
                    | O::UnsubscribeLink
                    | O::DeliveryCode
                    | O::BusinessInvite
            )
            | (A::DevOnly, O::None | O::OutboxMessage)
            | (A::AgencyKey, O::None | O::Application | O::ApplicationFile)
            | (A::Nobody, O::None)
    )
}

/// Whether `who` may call `spec` with the object of `variant` (all objects are A's or
/// owner A's).
fn allowed(spec: &RouteSpec, variant: Variant, who: Who) -> bool {
    if spec.access == Access::AgencyKey {
        // An unrevoked key: its agency's list; A's objects with A's key only.
        return match who {
            Who::Key(Side::A) => true,
            Who::Key(Side::B) => spec.object == Object::None,
            _ => false,
        };
    }
    if who.is_key() {
        // A key opens no other route: its caller is anonymous there.
        return allowed(spec, variant, Who::Anonymous);
    }
    // The object belongs to agency A / owner A: only they may act on it.
    let of_agency_a = match spec.object {
        Object::Announcement
        | Object::Attachment
        | Object::StaffMember
        | Object::Application
        | Object::ApplicationFile => who.agency() == Some(Side::A),
        _ => true,
    };
    let of_owner_a = match spec.object {
        Object::Subscription | Object::Bookmark | Object::Application => who == Who::Owner(Side::A),
        _ => true,
    };
    match spec.access {
        Access::Public => variant != Variant::Hidden,
        Access::Preview => variant != Variant::Hidden || who.agency() == Some(Side::A),
        Access::SignedIn => variant != Variant::Hidden && who.signed_in() && of_owner_a,
        Access::Owner => variant != Variant::Hidden && who.is_owner() && of_owner_a,
        Access::Staff => who.is_staff() && of_agency_a,
        Access::StaffEdit => who.can_edit() && of_agency_a,
        Access::AgencyAdmin => who.is_admin() && of_agency_a,
        Access::Operator => who == Who::Operator,
        Access::Capability => variant == Variant::Plain,
        Access::DevOnly => variant == Variant::Plain,
        Access::Nobody => false,
        Access::AgencyKey => unreachable!("decided above"),
    }
}

fn needs_sign_in(access: Access) -> bool {
    matches!(
        access,
        Access::SignedIn
            | Access::Owner
            | Access::Staff
            | Access::StaffEdit
            | Access::AgencyAdmin
            | Access::Operator
    )
}

/// Is this answer a proper refusal for `who`? `Err(why)` if not.
fn check_refusal(spec: &RouteSpec, who: Who, a: &Answer) -> Result<(), String> {
    if spec.access == Access::AgencyKey {
        // Another agency's key: the object is not there. Anyone else — no key (cookies
        // of any caller open nothing here), a revoked key — 401 JSON with a code.
        let want = if who == Who::Key(Side::B) { 404 } else { 401 };
        let json_code = serde_json::from_str::<serde_json::Value>(&a.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(String::from));
        return if a.status == want && json_code.is_some() {
            Ok(())
        } else {
            Err(format!(
                "expected {want} JSON with an error code, got {} {}",
                a.status,
                a.body.chars().take(200).collect::<String>()
            ))
        };
    }
    if who.is_key() {
        return check_refusal(spec, Who::Anonymous, a);
    }
    let api = spec.path.starts_with("/api/");
    if who == Who::Anonymous && needs_sign_in(spec.access) {
        let ok = if api {
            a.status == 401
        } else {
            a.status == 303 && a.location.starts_with("/login?next=")
        };
        return if ok {
            Ok(())
        } else {
            Err(format!(
                "anonymous should be sent to sign in, got {} {}",
                a.status, a.location
            ))
        };
    }
    let ok = match spec.access {
        // Staff and operators have no owner pages: they are sent to theirs.
        Access::Owner if who.signed_in() => {
            matches!(a.status, 403 | 404) || (a.status == 303 && a.location == "/console")
        }
        Access::Capability => matches!(a.status, 403 | 404 | 410),
        _ => matches!(a.status, 403 | 404),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected a refusal, got {} {}",
            a.status, a.location
        ))
    }
}

fn refused(a: &Answer) -> bool {
    matches!(a.status, 401 | 403 | 404 | 410)
        || (a.status == 303 && a.location.starts_with("/login"))
}

fn owner_user(app: &TestApp, email: &str, business: &str) -> User {
    let mut conn = app.conn();
    let user = User {
        id: new_id(),
        email: email.to_string(),
        password_hash: password::hash_password(OWNER_PW).expect("hash"),
        display_name: "사장님".into(),
        is_operator: false,
        agency_id: None,
        agency_role: None,
        active: true,
        created_at: app.now(),
        last_login_at: None,
    };
    accounts_store::insert_user(&mut conn, &user).expect("owner");
    let mut p = OwnerProfile::new(&user.id, app.now());
    p.email_verified_at = Some(app.now());
    p.business_name = business.to_string();
    alerts_store::save_profile(&mut conn, &p).expect("profile");
    user
}

fn content(title: &str, agency: &Agency, now: NaiveDateTime) -> Content {
    Content {
        title: title.to_string(),
        summary: "권한 시험용 공고".into(),
        body_html: "<p>본문</p>".into(),
        body_markdown: None,
        owner_agency_id: Some(agency.id.clone()),
        category: Some("내수".into()),
        nationwide: true,
        window_kind: Some(WindowKind::Dated),
        apply_start: Some(now),
        apply_end: Some(now + chrono::Duration::days(30)),
        apply_method: "external".into(),
        apply_url: Some("https://example.go.kr/apply".into()),
        ..Default::default()
    }
}

impl World {
    fn build(app: &TestApp) -> (World, Vec<(Who, String, String)>) {
        let now = app.now();
        let mut logins = Vec::new();
        let mut agency = HashMap::new();
        let mut markers = Vec::new();
        for (side, name) in [(Side::A, "권한시험 가기관"), (Side::B, "권한시험 나기관")]
        {
            for (who, role) in [
                (Who::Editor(side), "editor"),
                (Who::Reviewer(side), "reviewer"),
                (Who::Admin(side), "admin"),
            ] {
                let (ag, email, pw) = app.staff(name, role);
                agency.insert(side, ag);
                markers.push(marker(email.clone(), Audience::StaffOf(side)));
                logins.push((who, email, pw));
            }
        }
        let (op_email, op_pw) = app.operator();
        logins.push((Who::Operator, op_email, op_pw));
        let mut owner_id = HashMap::new();
        for (side, email, business) in [
            (Side::A, "mkownera@example.com", "MKABIZ 한식당"),
            (Side::B, "mkownerb@example.com", "MKBBIZ 분식집"),
        ] {
            let u = owner_user(app, email, business);
            owner_id.insert(side, u.id.clone());
            markers.push(marker(email, Audience::Owner(side)));
            markers.push(marker(business, Audience::Owner(side)));
            logins.push((Who::Owner(side), email.to_string(), OWNER_PW.to_string()));
        }
        let mut conn = app.conn();
        let mut user = HashMap::new();
        for (who, email, _) in &logins {
            let u = accounts_store::find_user_by_email(&mut conn, email)
                .expect("lookup")
                .expect("user");
            user.insert(*who, u);
        }
        let actor = |side: Side| CurrentUser {
            user: user[&Who::Editor(side)].clone(),
            agency: Some(agency[&side].clone()),
        };
        let a_draft = service::create(
            &mut conn,
            &content("가기관 초안 MKADRAFT", &agency[&Side::A], now),
            false,
            &actor(Side::A),
            now,
        )
        .expect("A draft")
        .id;
        markers.push(marker("MKADRAFT", Audience::StaffOf(Side::A)));
        service::create(
            &mut conn,
            &content("나기관 초안 MKBDRAFT", &agency[&Side::B], now),
            false,
            &actor(Side::B),
            now,
        )
        .expect("B draft");
        markers.push(marker("MKBDRAFT", Audience::StaffOf(Side::B)));
        let a_published = service::create(
            &mut conn,
            &content(
                "가기관 공개 공고 소상공인 판로 지원",
                &agency[&Side::A],
                now,
            ),
            false,
            &actor(Side::A),
            now,
        )
        .expect("A announcement")
        .id;
        service::publish_now(&mut conn, &a_published, &actor(Side::A), now).expect("publish");

        let mut world = World {
            agency,
            user,
            owner_id,
            a_draft: a_draft.clone(),
            a_published: a_published.clone(),
            a_published_file: String::new(),
            outbox_name: "matrix-0001.eml".into(),
            agency_c: accounts_store::agency_by_name_or_create(
                &mut app.conn(),
                "권한시험 다기관",
                now,
            )
            .expect("agency C"),
            markers,
            counter: 0,
            keys: HashMap::new(),
        };
        drop(conn);
        // Files: one on A's draft (secret), one on the public announcement.
        let (_, draft_file_markers) = world.attachment(app, &a_draft, "MKADFILE");
        for m in draft_file_markers {
            world.markers.push(m);
        }
        world.a_published_file = world.attachment(app, &a_published, "").0;
        // API keys: one of each agency, and a revoked one of A.
        {
            use jiwon::applications::api_keys;
            let mut conn = app.conn();
            for (who, side, name) in [
                (Who::Key(Side::A), Side::A, "가기관 시스템"),
                (Who::Key(Side::B), Side::B, "나기관 시스템"),
                (Who::RevokedKey, Side::A, "가기관 옛 시스템"),
            ] {
                let by = SetUp(world.agency[&side].id.clone());
                let (row, key) = api_keys::create(&mut conn, &by, name, now).expect("key");
                if who == Who::RevokedKey {
                    api_keys::revoke(&mut conn, &by, &row.id, now).expect("revoke");
                }
                world.keys.insert(who, key);
            }
        }
        // Owner A: a subscription and a bookmark.
        let mut conn = app.conn();
        let oa = world.owner_id[&Side::A].clone();
        alerts_store::subscribe(
            &mut conn,
            alerts_store::Subscriber::Owner {
                user_id: &oa,
                source: "시험",
            },
            "MKASUB 알림",
            &Criteria {
                categories: vec!["내수".into()],
                ..Default::default()
            },
            "instant",
            &["email".to_string()],
            now,
        )
        .expect("subscription");
        world
            .markers
            .push(marker("MKASUB", Audience::Owner(Side::A)));
        alerts_store::add_bookmark(&mut conn, &oa, &a_published, now).expect("bookmark");
        drop(conn);
        // Operator-only failures: a dead delivery to owner A, a dead job.
        world.dead_delivery(app, "MKDELERR");
        world.markers.push(marker("MKDELERR", Audience::Operator));
        world.dead_job(app, "MKJOBERR");
        world.markers.push(marker("MKJOBERR", Audience::Operator));
        // A message in the development outbox.
        let mail = app.state.config.outbox_dir.join("mail");
        std::fs::create_dir_all(&mail).expect("outbox dir");
        std::fs::write(
            mail.join(&world.outbox_name),
            "To: someone@example.com\r\nSubject: reset\r\n\r\nMKOUTBOX http://jiwon.test/password/reset/secret\r\n",
        )
        .expect("outbox message");
        (world, logins)
    }

    fn application(&mut self, app: &TestApp, n: u32) -> String {
        use jiwon::applications::form::{FormSchema, Kind, Question, Section};
        use jiwon::applications::model::{Application, Settings};
        use jiwon::applications::store as app_store;
        use jiwon::db::schema::applications;
        let now = app.now();
        let mut conn = app.conn();
        let a = self.a_published.clone();
        let form = match app_store::published_form(&mut conn, &a).expect("form") {
            Some(f) => f,
            None => {
                app_store::save_settings(
                    &mut conn,
                    &Settings {
                        announcement_id: a.clone(),
                        mode: "portal".into(),
                        supplement_days: 7,
                        show_count: false,
                        updated_at: now,
                    },
                )
                .expect("settings");
                let schema = FormSchema {
                    sections: vec![Section {
                        key: "main".into(),
                        title: "사업 계획".into(),
                        intro: String::new(),
                        questions: vec![Question::new("plan", Kind::ShortText, "계획")],
                    }],
                };
                app_store::save_draft_form(&mut conn, &a, &schema, None, now).expect("draft");
                app_store::publish_draft_form(&mut conn, &a, now)
                    .expect("publish")
                    .expect("published")
            }
        };
        let oa = self.owner_id[&Side::A].clone();
        drop(conn);
        // Not the profile's name (a marker only owner A sees): the agency sees who applied.
        let business = self.business_of_a(app, n, &format!("MKAPPBIZ{n} 상회"));
        let mut conn = app.conn();
        let id = new_id();
        diesel::insert_into(applications::table)
            .values(&Application {
                id: id.clone(),
                announcement_id: a,
                business_id: business,
                form_id: form.id,
                agency_id: self.agency[&Side::A].id.clone(),
                status: "submitted".into(),
                receipt_no: Some(format!("JW-MK-{n:06}")),
                applicant_json: format!(r#"{{"name":"MKAPPBIZ{n} 상회"}}"#),
                answers_json: r#"{"plan":"MKAPLAN"}"#.into(),
                step: 4,
                supplement_note: String::new(),
                supplement_due: None,
                created_by: oa.clone(),
                submitted_by: Some(oa),
                submitted_at: Some(now),
                decided_at: None,
                created_at: now,
                updated_at: now,
            })
            .execute(&mut conn)
            .expect("application");
        id
    }

    /// A fresh business with owner A as its representative.
    fn business_of_a(&mut self, app: &TestApp, n: u32, name: &str) -> String {
        use jiwon::db::schema::{business_members, businesses};
        let now = app.now();
        let mut conn = app.conn();
        let oa = self.owner_id[&Side::A].clone();
        let business = new_id();
        diesel::insert_into(businesses::table)
            .values((
                businesses::id.eq(&business),
                businesses::business_number.eq(format!("999{n:07}")),
                businesses::name.eq(name),
                businesses::created_by.eq(&oa),
                businesses::created_at.eq(now),
            ))
            .execute(&mut conn)
            .expect("business");
        diesel::insert_into(business_members::table)
            .values((
                business_members::business_id.eq(&business),
                business_members::user_id.eq(&oa),
                business_members::role.eq("representative"),
                business_members::created_at.eq(now),
            ))
            .execute(&mut conn)
            .expect("member");
        business
    }

    fn next(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    fn editor_a(&self) -> CurrentUser {
        CurrentUser {
            user: self.user[&Who::Editor(Side::A)].clone(),
            agency: Some(self.agency[&Side::A].clone()),
        }
    }

    /// A stored file on `announcement`; with a marker, its name and content are secret
    /// to agency A.
    fn attachment(
        &mut self,
        app: &TestApp,
        announcement: &str,
        mark: &str,
    ) -> (String, Vec<Marker>) {
        let n = self.next();
        let stored = format!("{}.bin", new_id());
        let (name, body) = if mark.is_empty() {
            (
                format!("안내문{n}.pdf"),
                format!("%PDF-1.4 공개 안내문 {n}"),
            )
        } else {
            (format!("{mark}{n}.pdf"), format!("%PDF-1.4 {mark}BODY{n}"))
        };
        std::fs::create_dir_all(&app.state.config.upload_dir).expect("upload dir");
        std::fs::write(app.state.config.upload_dir.join(&stored), &body).expect("file");
        let id = new_id();
        ann_store::insert_attachment(
            &mut app.conn(),
            &Attachment {
                id: id.clone(),
                announcement_id: announcement.to_string(),
                position: n as i32,
                file_name: name.clone(),
                stored_name: Some(stored),
                url: None,
                content_type: Some("application/pdf".into()),
                size_bytes: Some(body.len() as i64),
                created_at: app.now(),
            },
        )
        .expect("attachment");
        let secrets = if mark.is_empty() {
            Vec::new()
        } else {
            vec![
                marker(format!("{mark}{n}"), Audience::StaffOf(Side::A)),
                marker(format!("{mark}BODY{n}"), Audience::StaffOf(Side::A)),
            ]
        };
        (id, secrets)
    }

    fn delivery(
        &mut self,
        app: &TestApp,
        status: &str,
        error: Option<&str>,
    ) -> jiwon::alerts::model::Delivery {
        let n = self.next();
        let mut d = delivery::row(
            &NewDelivery {
                user_id: Some(self.owner_id[&Side::A].clone()),
                subscription_id: None,
                announcement_id: Some(self.a_published.clone()),
                agency_id: None,
                channel: "email".into(),
                kind: format!("matrix:{n}"),
                frequency: "instant".into(),
                address: "mkownera@example.com".into(),
                reason: String::new(),
                detail: serde_json::json!({}),
            },
            app.now(),
        );
        d.status = status.parse().expect("a delivery status");
        d.last_error = error.map(String::from);
        if error.is_some() {
            // An operator's failure is not about an announcement of an agency.
            d.announcement_id = None;
        }
        assert!(delivery::insert_one(&mut app.conn(), &d).expect("delivery"));
        d
    }

    fn dead_delivery(&mut self, app: &TestApp, error: &str) -> String {
        self.delivery(app, "dead", Some(error)).id
    }

    fn dead_job(&mut self, app: &TestApp, error: &str) -> String {
        let n = self.next();
        let id = new_id();
        let now = app.now();
        diesel::insert_into(jobs::table)
            .values(&jiwon::jobs::QueuedJob {
                id: id.clone(),
                kind: "matrix_test".into(),
                payload: format!("{{\"n\":{n}}}"),
                dedupe_key: None,
                status: jiwon::jobs::JobStatus::Dead,
                attempts: 8,
                max_attempts: 8,
                run_at: now,
                locked_by: None,
                locked_at: None,
                last_error: Some(error.to_string()),
                created_at: now,
                updated_at: now,
            })
            .execute(&mut app.conn())
            .expect("job");
        id
    }

    /// A fresh email-only subscription (pending), or owner A's.
    fn subscription(&mut self, app: &TestApp, of_owner_a: bool) -> (String, String) {
        let n = self.next();
        let name = format!("MKSUB{n} 알림");
        let oa = self.owner_id[&Side::A].clone();
        let email = format!("mkanon{n}@example.com");
        let who = if of_owner_a {
            alerts_store::Subscriber::Owner {
                user_id: &oa,
                source: "시험",
            }
        } else {
            alerts_store::Subscriber::Email(&email)
        };
        let id = alerts_store::subscribe(
            &mut app.conn(),
            who,
            &name,
            &Criteria {
                categories: vec!["창업".into()],
                ..Default::default()
            },
            "instant",
            &["email".to_string()],
            app.now(),
        )
        .expect("subscription");
        (id, format!("MKSUB{n}"))
    }

    /// The object `spec` names, made fresh for this one request where acting on it
    /// changes it, with what must stay secret.
    fn target(
        &mut self,
        app: &TestApp,
        spec: &RouteSpec,
        variant: Variant,
    ) -> Result<Target, String> {
        let now = app.now();
        let mut values = HashMap::new();
        let mut secrets = Vec::new();
        let bogus = variant == Variant::Bogus;
        let a_staff = Audience::StaffOf(Side::A);
        if spec.access == Access::AgencyKey {
            // Every application the matrix makes is agency A's (receipts `JW-MK-…`): only
            // A's key may see one through the pull API.
            if spec.object == Object::None {
                let n = self.next();
                self.application(app, n);
            }
            secrets.push(marker("JW-MK-", a_staff));
        }
        match spec.object {
            Object::None => {}
            Object::Announcement => {
                let id = match variant {
                    Variant::Shown => self.a_published.clone(),
                    _ => {
                        let n = self.next();
                        let title = format!("가기관 새 초안 MKFRESH{n}");
                        let mut c = content(&title, &self.agency[&Side::A], now);
                        if variant == Variant::Partnered {
                            c.owner_agency_id = Some(self.agency_c.id.clone());
                            c.exec_agency_id = Some(self.agency[&Side::A].id.clone());
                        }
                        let a = service::create(&mut app.conn(), &c, false, &self.editor_a(), now)
                            .expect("fresh draft");
                        secrets.push(marker(format!("MKFRESH{n}"), a_staff));
                        a.id
                    }
                };
                values.insert("id", id);
            }
            Object::Attachment => {
                let (announcement, id) = match variant {
                    Variant::Shown => (self.a_published.clone(), self.a_published_file.clone()),
                    _ => {
                        let draft = self.a_draft.clone();
                        let (id, s) = self.attachment(app, &draft, "MKFILE");
                        secrets.extend(s);
                        (draft, id)
                    }
                };
                values.insert("id", id);
                values.insert("announcement", announcement);
            }
            Object::Agency => {
                values.insert("id", self.agency[&Side::A].id.clone());
            }
            Object::ApplicationFile => {
                let n = self.next();
                let application = self.application(app, n);
                let stored = format!("{}.bin", new_id());
                let body = format!("%PDF-1.4 MKAFILEBODY{n}");
                std::fs::create_dir_all(&app.state.config.upload_dir).expect("upload dir");
                std::fs::write(app.state.config.upload_dir.join(&stored), &body).expect("file");
                let id = new_id();
                {
                    use jiwon::db::schema::application_files as f;
                    diesel::insert_into(f::table)
                        .values((
                            f::id.eq(&id),
                            f::application_id.eq(&application),
                            f::question_key.eq("plan"),
                            f::stored_name.eq(&stored),
                            f::original_name.eq(format!("MKAFILE{n}.pdf")),
                            f::content_type.eq("application/pdf"),
                            f::size_bytes.eq(body.len() as i64),
                            f::sha256.eq(sha256_hex(&body)),
                            f::created_by.eq(None::<String>),
                            f::created_at.eq(now),
                        ))
                        .execute(&mut app.conn())
                        .expect("application file");
                }
                secrets.push(marker(format!("MKAFILEBODY{n}"), a_staff));
                values.insert("id", id);
                values.insert("application", application);
            }
            Object::StaffMember => {
                let n = self.next();
                let email = format!("mkstaff{n}@a.test");
                let u = User {
                    id: new_id(),
                    email: email.clone(),
                    password_hash: "not a hash".into(),
                    display_name: format!("대상 직원 {n}"),
                    is_operator: false,
                    agency_id: Some(self.agency[&Side::A].id.clone()),
                    agency_role: Some("reviewer".into()),
                    active: true,
                    created_at: now,
                    last_login_at: None,
                };
                accounts_store::insert_user(&mut app.conn(), &u).expect("staff member");
                secrets.push(marker(email, a_staff));
                values.insert("id", u.id);
            }
            Object::Subscription => {
                let (id, name) = self.subscription(app, true);
                secrets.push(marker(name, Audience::Owner(Side::A)));
                values.insert("id", id);
            }
            Object::Bookmark => {
                // On an announcement nobody else has bookmarked: a bookmark is named by
                // its announcement, and each caller's own would be theirs to remove.
                let n = self.next();
                let mut conn = app.conn();
                let a = service::create(
                    &mut conn,
                    &content(&format!("가기관 공고 {n}"), &self.agency[&Side::A], now),
                    false,
                    &self.editor_a(),
                    now,
                )
                .expect("announcement");
                service::publish_now(&mut conn, &a.id, &self.editor_a(), now).expect("publish");
                let oa = self.owner_id[&Side::A].clone();
                alerts_store::add_bookmark(&mut conn, &oa, &a.id, now).expect("bookmark");
                values.insert("id", a.id);
            }
            Object::Delivery => {
                let n = self.counter + 1;
                let id = self.dead_delivery(app, &format!("MKDEL{n}"));
                secrets.push(marker(format!("MKDEL{n}"), Audience::Operator));
                values.insert("id", id);
            }
            Object::Job => {
                let n = self.counter + 1;
                let id = self.dead_job(app, &format!("MKJOB{n}"));
                secrets.push(marker(format!("MKJOB{n}"), Audience::Operator));
                values.insert("id", id);
            }
            Object::OutboxMessage => {
                values.insert("name", self.outbox_name.clone());
                secrets.push(marker("MKOUTBOX", Audience::Allowed));
            }
            Object::StaticFile => {
                values.insert("file", "css/site.css".to_string());
            }
            Object::VerifyLink | Object::ResetLink => {
                let purpose = if spec.object == Object::VerifyLink {
                    jiwon::owners::VERIFY_EMAIL
                } else {
                    jiwon::owners::RESET_PASSWORD
                };
                let token = alerts_store::create_token(
                    &mut app.conn(),
                    purpose,
                    Some(&self.owner_id[&Side::A]),
                    None,
                    chrono::Duration::hours(1),
                    now,
                )
                .expect("token");
                values.insert("token", if bogus { random_token(40) } else { token });
            }
            Object::InviteLink => {
                let n = self.next();
                let token = random_token(40);
                let email = format!("mkinvite{n}@a.test");
                accounts_store::insert_invitation(
                    &mut app.conn(),
                    &Invitation {
                        id: new_id(),
                        agency_id: Some(self.agency[&Side::A].id.clone()),
                        email: email.clone(),
                        agency_role: Some("editor".into()),
                        token_hash: sha256_hex(&token),
                        invited_by: Some(self.user[&Who::Admin(Side::A)].id.clone()),
                        created_at: now,
                        expires_at: now + chrono::Duration::days(7),
                        accepted_at: None,
                        operator: false,
                    },
                )
                .expect("invitation");
                secrets.push(marker(email, Audience::Allowed));
                values.insert("token", if bogus { random_token(40) } else { token });
            }
            Object::ConfirmLink => {
                let (sid, name) = self.subscription(app, false);
                let token = alerts_store::create_token(
                    &mut app.conn(),
                    "confirm_subscription",
                    None,
                    Some(&sid),
                    chrono::Duration::days(7),
                    now,
                )
                .expect("token");
                secrets.push(marker(name, Audience::Allowed));
                values.insert("token", if bogus { random_token(40) } else { token });
            }
            Object::UnsubscribeLink => {
                let (sid, name) = self.subscription(app, true);
                secrets.push(marker(name, Audience::Allowed));
                let token = tokens::sign(&app.state.keys, &format!("s:{sid}"));
                let forged = tokens::sign(
                    &jiwon::signing::Keys::new(b"not the secret, not the secret!!", &[]),
                    &format!("s:{sid}"),
                );
                values.insert("token", if bogus { forged } else { token });
            }
            Object::Application => {
                // A submitted application of a fresh business of owner A, to owner A's
                // public program.
                let n = self.next();
                let id = self.application(app, n);
                // Seen by owner A (their application) and agency A's staff (its inbox).
                secrets.push(marker("MKAPLAN", Audience::Allowed));
                values.insert("id", id);
            }
            Object::BusinessInvite => {
                let n = self.next();
                let business = self.business_of_a(app, n, "초대 시험 사업자");
                let token = jiwon::applications::members::invite_token(
                    &app.state.keys,
                    &business,
                    &format!("mkinvitee{n}@example.com"),
                    now,
                );
                values.insert("token", if bogus { random_token(40) } else { token });
            }
            Object::DeliveryCode => {
                let d = self.delivery(app, "sent", None);
                values.insert(
                    "code",
                    if bogus {
                        random_token(10)
                    } else {
                        d.short_code
                    },
                );
            }
        }
        Ok(Target { values, secrets })
    }
}

// --- requests ---------------------------------------------------------------------------

/// The placeholders `World::target` fills for each object.
fn provides(object: Object) -> &'static [&'static str] {
    match object {
        Object::None => &[],
        Object::Announcement
        | Object::Application
        | Object::Agency
        | Object::StaffMember
        | Object::Subscription
        | Object::Bookmark
        | Object::Delivery
        | Object::Job => &["id"],
        Object::Attachment => &["id", "announcement"],
        Object::ApplicationFile => &["id", "application"],
        Object::OutboxMessage => &["name"],
        Object::StaticFile => &["file"],
        Object::VerifyLink
        | Object::ResetLink
        | Object::InviteLink
        | Object::ConfirmLink
        | Object::UnsubscribeLink
        | Object::BusinessInvite => &["token"],
        Object::DeliveryCode => &["code"],
    }
}

/// Why the matrix cannot exercise `spec`, if it cannot — checked for every route before
/// any request, so a new route that is not classified and taught here fails by name.
fn unexercisable(spec: &RouteSpec) -> Option<String> {
    if !known(spec.access, spec.object) {
        return Some(format!(
            "{spec}: the matrix does not know how to exercise {:?} on {:?} — classify the \
             route with a known rule or teach tests/authz_matrix.rs (known, World::target)",
            spec.access, spec.object
        ));
    }
    let dummy = Target {
        values: provides(spec.object)
            .iter()
            .map(|k| (*k, "x".to_string()))
            .collect(),
        secrets: Vec::new(),
    };
    if let Err(e) = fill_path(spec, &dummy) {
        return Some(e);
    }
    let post = spec.method.as_ref() == Some(&actix_web::http::Method::POST);
    let nobody = Session {
        who: Who::Anonymous,
        email: None,
        password: String::new(),
        cookie: String::new(),
        csrf: String::new(),
        session_token: None,
        bearer: None,
    };
    if post && post_body(spec, &nobody, &dummy, 0).is_none() {
        return Some(format!(
            "{spec}: no request body for this POST in the matrix — add one to post_body in \
             tests/authz_matrix.rs"
        ));
    }
    None
}

/// The path with its placeholders filled, or why not.
fn fill_path(spec: &RouteSpec, t: &Target) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = spec.path.as_str();
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let end = rest[i..]
            .find('}')
            .ok_or_else(|| format!("{spec}: unbalanced braces"))?
            + i;
        let name = rest[i + 1..end].split(':').next().unwrap_or_default();
        let value = match (name, spec.access) {
            // The catch-all's tail: any path nothing else answers.
            ("tail", Access::Nobody) => "no-such-endpoint".to_string(),
            _ => t.values.get(name).cloned().ok_or_else(|| {
                format!(
                    "{spec}: the matrix cannot fill {{{name}}} for {:?} — teach World::target",
                    spec.object
                )
            })?,
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    if let Some(field) = spec.field {
        if spec.method.as_ref() != Some(&actix_web::http::Method::POST) {
            let v = t
                .values
                .get("id")
                .ok_or_else(|| format!("{spec}: no object id"))?;
            out.push_str(&format!("?{field}={v}"));
        }
    } else if spec.object == Object::None
        && spec.method.as_ref() != Some(&actix_web::http::Method::POST)
    {
        // Listings and searches look for drafts ("초안" is in every draft's title, not in
        // the public one's) among all public states; other pages ignore the query.
        out.push_str("?q=%EC%B4%88%EC%95%88&status=all");
    }
    Ok(out)
}

fn form(s: &Session, fields: &[(&str, &str)]) -> Body {
    let mut v = vec![("csrf_token".to_string(), s.csrf.clone())];
    v.extend(
        fields
            .iter()
            .map(|(k, val)| (k.to_string(), val.to_string())),
    );
    Body::Form(v)
}

/// A plausible body for each POST: valid where acting is harmless (or acts on a fresh
/// object), invalid where acting would spend the caller's account (a 422 still proves
/// the caller got past the access check). `None`: the matrix does not know this route.
fn post_body(
    spec: &RouteSpec,
    s: &Session,
    t: &Target,
    n: u32,
) -> Option<(Body, Vec<(String, String)>)> {
    let id = t.values.get("id").cloned().unwrap_or_default();
    let none = Vec::new();
    let body = match spec.path.as_str() {
        "/login" => form(
            s,
            &[
                ("email", "nobody@example.com"),
                ("password", "wrong password"),
            ],
        ),
        "/logout" => form(s, &[]),
        "/invite/{token}" => form(
            s,
            &[
                ("name", ""),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        ),
        "/console/staff/invite" => form(s, &[("email", "not an address"), ("role", "editor")]),
        "/console/staff/{id}/remove" => form(s, &[]),
        "/console/staff/{id}/role" => form(s, &[("role", "editor")]),
        "/console/announcements" => form(s, &[("title", "")]),
        "/console/announcements/{id}/edit" => form(s, &[("title", "")]),
        "/console/announcements/{id}/correct" => form(s, &[("title", ""), ("reason", "")]),
        "/console/announcements/{id}/publish"
        | "/console/announcements/{id}/unpublish"
        | "/console/announcements/{id}/close" => form(s, &[]),
        "/console/applications/{id}/status" => form(s, &[("to", "reviewing"), ("note", "")]),
        "/console/webhooks" => form(s, &[("url", "not a url")]),
        "/console/webhooks/rotate" | "/console/webhooks/deactivate" => form(s, &[]),
        "/console/webhooks/replay" => form(s, &[("delivery", "")]),
        // Invalid (no name / no key named): refused at the field, nothing made or revoked.
        "/console/api-keys" => form(s, &[("name", "")]),
        "/console/api-keys/revoke" => form(s, &[("key", "")]),
        "/console/announcements/{id}/schedule" => {
            form(s, &[("date", "2026-12-20"), ("time", "09:00")])
        }
        "/console/announcements/{id}/attachments" => Body::Multipart(
            vec![("csrf_token".into(), s.csrf.clone())],
            format!("matrix{n}.pdf"),
            format!("%PDF-1.4 matrix upload {n}").into_bytes(),
        ),
        "/console/announcements/{announcement}/attachments/{id}/delete" => form(s, &[]),
        "/console/announcements/{id}/apply-settings" => {
            form(s, &[("mode", "external"), ("supplement_days", "0")])
        }
        // Invalid (empty title / key / label): refused at the fields, nothing saved.
        "/console/announcements/{id}/form/sections" => form(s, &[("title", "")]),
        "/console/announcements/{id}/form/questions" => form(
            s,
            &[
                ("section", "program"),
                ("key", ""),
                ("kind", "short_text"),
                ("label", ""),
            ],
        ),
        "/console/announcements/{id}/form/move" => form(s, &[("key", "none"), ("dir", "up")]),
        "/console/announcements/{id}/form/delete" | "/console/announcements/{id}/form/bank" => {
            form(s, &[("key", "none")])
        }
        "/console/announcements/{id}/form/bank-add" => {
            form(s, &[("bank_id", "none"), ("section", "program")])
        }
        "/console/announcements/{id}/form/publish" => form(s, &[]),
        "/admin/jobs/{id}/retry" | "/admin/deliveries/{id}/retry" => form(s, &[]),
        "/signup" => form(s, &[("email", "not an address")]),
        "/verify/resend" | "/password/forgot" => form(s, &[("email", "not an address")]),
        "/verify/{token}" => form(s, &[]),
        "/password/reset/{token}" => {
            form(s, &[("password", "short"), ("password_confirm", "short")])
        }
        "/me/profile" => form(s, &[("business_number", "123")]),
        "/me/delete" => form(s, &[("password", "not my password")]),
        "/alerts" => form(s, &[("name", "빈 알림")]),
        "/alerts/confirm/{token}" => form(s, &[]),
        "/me/subscriptions/{id}/delete" | "/me/bookmarks/{id}/delete" => form(s, &[]),
        "/me/subscriptions/{id}/pause" | "/me/subscriptions/{id}/resume" => form(s, &[]),
        // Invalid: no conditions at all (a 422 still proves the caller got in).
        "/me/subscriptions/{id}/edit" => form(s, &[("mode", "custom"), ("channel", "email")]),
        // The matrix's owners have no phone saved: 422, and no SMS is spent.
        "/me/phone/code" => form(s, &[]),
        "/me/phone/verify" => form(s, &[("code", "12")]),
        "/me/bookmarks" => form(s, &[("announcement", &id)]),
        // The matrix's program takes no portal applications (or the owner has no
        // 사업자등록번호): 422, nothing made.
        "/announcements/{id}/apply" => form(s, &[]),
        // A submitted application: saving is refused (422), submitting again is a 409.
        "/me/applications/{id}" => form(s, &[("step", "3"), ("q.plan", "바꾼 계획")]),
        "/me/applications/{id}/submit" | "/me/applications/{id}/cancel" => form(s, &[]),
        // A submitted application takes no file (refused, sent back with the reason).
        "/me/applications/{id}/files" => Body::Multipart(
            vec![
                ("csrf_token".into(), s.csrf.clone()),
                ("question".into(), "plan".into()),
            ],
            format!("matrix{n}.pdf"),
            format!("%PDF-1.4 matrix upload {n}").into_bytes(),
        ),
        // Invalid: no business of the caller's, no address (422).
        "/me/business/invite" => form(s, &[("business", "none"), ("email", "not an address")]),
        // The link names another address than any caller's: 422 for all, nobody joins.
        "/business/join/{token}" => form(s, &[]),
        // RFC 8058 one-click, as a mail client sends it: no token.
        "/unsubscribe/{token}" => Body::Form(vec![("List-Unsubscribe".into(), "One-Click".into())]),
        // The pull API's receipt: no body, the key in the header.
        "/api/v1/agency/applications/{id}/confirm" => Body::Empty,
        "/api/v1/push/subscribe" | "/api/v1/push/unsubscribe" => {
            return Some((
                Body::Json(serde_json::json!({
                    "endpoint": format!("https://push.example.com/matrix/{n}"),
                    "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"},
                })),
                vec![("X-CSRF-Token".into(), s.csrf.clone())],
            ))
        }
        _ => return None,
    };
    Some((body, none))
}

// --- the matrix -------------------------------------------------------------------------

#[test]
fn every_route_admits_exactly_the_callers_its_rule_names() {
    let started = Instant::now();
    // Every caller signs in from 127.0.0.1, and some checks post wrong passwords.
    let app = TestApp::spawn_with(|c| c.login_rate_limit = 100_000);
    // The operator's job pages need dead-lettered jobs to show and retry.
    app.expect_failed_jobs();
    let (mut world, logins) = World::build(&app);
    // Run the jobs the fixtures queued: the search index gets the public announcement
    // (and must drop the drafts), owner A's alert is matched and sent.
    app.tick();
    let listed = send(
        &app,
        "",
        &get("/announcements?q=%ED%8C%90%EB%A1%9C&status=all"),
    );
    assert!(
        listed.body.contains("가기관 공개 공고"),
        "the listings have the public announcement to show (and drafts they must not)"
    );
    let fp = Fingerprinter::new(&app);
    let mut sessions: Vec<Session> = CALLERS
        .iter()
        .map(|who| match logins.iter().find(|(w, _, _)| w == who) {
            Some((_, email, pw)) => open_session(&app, *who, Some(email), pw),
            None => open_session(&app, *who, None, ""),
        })
        .collect();
    for who in KEY_CALLERS {
        // No session; the CSRF cookie an anonymous browser has (a key holder is an
        // anonymous visitor everywhere but the pull API).
        let mut s = open_session(&app, who, None, "");
        s.bearer = Some(world.keys[&who].clone());
        sessions.push(s);
    }
    let setup = started.elapsed();

    let table = route_table();
    let mut failures: Vec<String> = Vec::new();
    let (mut requests, mut allowed_n, mut denied_n, mut relogins) = (0usize, 0, 0, 0);
    let passes: usize = table.iter().map(|r| variants(r).len()).sum();
    let matrix_started = Instant::now();
    for spec in &table {
        if let Some(why) = unexercisable(spec) {
            failures.push(why);
            continue;
        }
        let method = match &spec.method {
            Some(m) if m == actix_web::http::Method::POST => "POST",
            _ => "GET",
        };
        for variant in variants(spec) {
            for s in sessions.iter_mut() {
                let who = s.who;
                // Cookie routes: the ten callers and agency A's key (as anonymous).
                if spec.access != Access::AgencyKey && who.is_key() && who != Who::Key(Side::A) {
                    continue;
                }
                let target = match world.target(&app, spec, variant) {
                    Ok(t) => t,
                    Err(e) => {
                        failures.push(e);
                        continue;
                    }
                };
                let path = match fill_path(spec, &target) {
                    Ok(p) => p,
                    Err(e) => {
                        failures.push(e);
                        break;
                    }
                };
                let n = world.next();
                let mut headers = Vec::new();
                let body = if method == "POST" {
                    match post_body(spec, s, &target, n) {
                        Some((b, h)) => {
                            headers = h;
                            b
                        }
                        None => {
                            failures.push(format!(
                                "{spec}: no request body for this POST in the matrix — add one \
                                 to post_body in tests/authz_matrix.rs"
                            ));
                            break;
                        }
                    }
                } else {
                    Body::Empty
                };
                if let Some(key) = &s.bearer {
                    headers.push(("Authorization".into(), format!("Bearer {key}")));
                }
                if variant == Variant::Proxied {
                    headers.push(("X-Forwarded-For".into(), "203.0.113.9".into()));
                }
                let req = Req {
                    method,
                    path: path.clone(),
                    headers,
                    body,
                };
                let may = allowed(spec, variant, who);
                let before = (!may).then(|| fp.take(&app));
                let answer = send(&app, &s.cookie, &req);
                requests += 1;
                let what = format!("{spec} [{variant:?}] as {who:?} ({method} {path})");
                if may {
                    allowed_n += 1;
                    if refused(&answer) || answer.status >= 500 {
                        failures.push(format!(
                            "{what}: should be allowed, got {} {} {}",
                            answer.status,
                            answer.location,
                            answer.body.chars().take(300).collect::<String>()
                        ));
                    }
                } else {
                    denied_n += 1;
                    if let Err(why) = check_refusal(spec, who, &answer) {
                        failures.push(format!("{what}: {why}"));
                    }
                    if let Some(before) = before {
                        let changed = changed_tables(&before, &fp.take(&app));
                        if !changed.is_empty() {
                            failures.push(format!(
                                "{what}: a refused request changed {}",
                                changed.join(", ")
                            ));
                        }
                    }
                    for m in &target.secrets {
                        if answer.body.contains(&m.text) {
                            failures.push(format!("{what}: the refusal shows {:?}", m.text));
                        }
                    }
                }
                for m in world.markers.iter().chain(target.secrets.iter()) {
                    if m.audience != Audience::Allowed
                        && !m.audience.includes(who)
                        && answer.body.contains(&m.text)
                    {
                        failures.push(format!(
                            "{what}: shows {:?}, which only {:?} may see",
                            m.text, m.audience
                        ));
                    }
                }
                // A route that ended the caller's session (sign-out): sign in again.
                if let Some(token) = &s.session_token {
                    let alive: i64 = sessions::table
                        .filter(sessions::id.eq(sha256_hex(token)))
                        .count()
                        .get_result(&mut app.conn())
                        .expect("session count");
                    if alive == 0 {
                        relogins += 1;
                        let email = s.email.clone();
                        *s = open_session(&app, who, email.as_deref(), &s.password.clone());
                    }
                }
            }
        }
    }
    println!(
        "authz matrix: {} routes ({passes} passes: each route's object, plus drafts, \
         partner agencies' drafts, made-up tokens, proxied requests) × {} callers (+ API keys) = {} checks ({allowed_n} allowed, \
         {denied_n} denied); {requests} requests in {:.1?} on {} (+ setup {:.1?}, \
         {relogins} sign-ins again after sign-out)",
        table.len(),
        CALLERS.len(),
        allowed_n + denied_n,
        matrix_started.elapsed(),
        app.backend,
        setup,
    );
    assert!(
        failures.is_empty(),
        "{} authorization failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_route_the_matrix_cannot_exercise_is_named() {
    use actix_web::http::Method;
    let spec = |method: Method, path: &str, access: Access, object: Object| RouteSpec {
        method: Some(method),
        path: path.to_string(),
        access,
        object,
        field: None,
    };
    let why = |r: RouteSpec| unexercisable(&r).unwrap_or_default();
    assert!(why(spec(
        Method::GET,
        "/admin/subscriptions/{id}",
        Access::Operator,
        Object::Subscription
    ))
    .contains("GET /admin/subscriptions/{id}: the matrix does not know how to exercise"));
    assert!(why(spec(
        Method::POST,
        "/console/announcements/{id}/archive",
        Access::StaffEdit,
        Object::Announcement
    ))
    .contains("no request body"));
    assert!(why(spec(
        Method::GET,
        "/agencies/{slug}",
        Access::Public,
        Object::Agency
    ))
    .contains("cannot fill {slug}"));
    // Every route the app has today is exercised.
    let problems: Vec<String> = route_table().iter().filter_map(unexercisable).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}
