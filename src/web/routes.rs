//! The route registry: every route of the site is declared through [`Routes`], and
//! declaring one takes its access rule — who may call it ([`Access`]) and which object
//! its path or form names ([`Object`]). A route without a rule cannot be written, and
//! [`route_table`] lists every route with its rule for the authorization matrix
//! (`tests/authz_matrix.rs`), which calls each one as every kind of caller.
//!
//! The rule states what the handler enforces; the handler still enforces it (the
//! `CurrentUser` extractor, `staff()` / `require_edit()` / `require_admin()` /
//! `require_operator()`, `console::owned`, token checks). The matrix proves the two agree.

use actix_web::dev::HttpServiceFactory;
use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not. On an announcement or attachment: only public ones
    /// (published, forecast, closed) — a draft is 404 for everybody.
    Public,
    /// Anyone for a public announcement (or its attachment); a draft or scheduled one
    /// only for its agency's staff (the console preview), 404 for everyone else.
    Preview,
    /// Anyone signed in, acting on their own things (bookmarks, push endpoints). On an
    /// object that belongs to a person: only that person. On an announcement: public
    /// ones only.
    SignedIn,
    /// A business owner (a user without agency, with a profile), on their own data.
    /// Anonymous visitors go to the login page; staff and operators to `/console`.
    Owner,
    /// Staff of an agency, any role; an object must belong to the caller's agency.
    Staff,
    /// An editor or admin of an agency; an object must belong to the caller's agency.
    StaffEdit,
    /// The admin of an agency; an object must belong to the caller's agency.
    AgencyAdmin,
    /// A site operator.
    Operator,
    /// Whoever presents an unrevoked API key of the object's agency in
    /// `Authorization: Bearer …` (an agency's own system; `applications::pull::AgencyKey`).
    /// Cookies grant nothing here: 401 JSON without a key or with a bad or revoked one,
    /// 404 for another agency's object. A key grants nothing on any other route.
    AgencyKey,
    /// Whoever holds the secret in the path (an emailed link, a short code), signed in
    /// or not, as anyone; nobody without a valid one (404, or 410 for a used link).
    Capability,
    /// Development only, and only to a browser on this machine that came through no
    /// proxy (the outbox holds every sign-up and reset link); 404 otherwise.
    DevOnly,
    /// Nobody: the answer is 404 (the API's unknown-path catch-all).
    Nobody,
}

/// What the route's path (or form/query field) names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// Nothing, or only the caller's own account.
    None,
    /// An announcement (of an agency).
    Announcement,
    /// A file of an announcement (`{id}`; its announcement is `{announcement}`).
    Attachment,
    /// An application (`{id}`): for staff, one in their agency's inbox; for owners, one of
    /// a business they are a member of.
    Application,
    /// A file of an application (`{id}`; its application is `{application}`).
    ApplicationFile,
    /// An agency.
    Agency,
    /// A staff member of an agency.
    StaffMember,
    /// An owner's subscription.
    Subscription,
    /// An owner's bookmark, named by its announcement's id.
    Bookmark,
    /// A delivery (operator pages).
    Delivery,
    /// A job (operator pages).
    Job,
    /// A message in the development outbox (`{name}`).
    OutboxMessage,
    /// A file under `public/` (`{file}`).
    StaticFile,
    /// An email-verification link's token.
    VerifyLink,
    /// A password-reset link's token.
    ResetLink,
    /// A staff invitation's token.
    InviteLink,
    /// An email-only subscription's confirmation token.
    ConfirmLink,
    /// A signed unsubscribe token.
    UnsubscribeLink,
    /// A delivery's short code (tracking, SMS short links).
    DeliveryCode,
    /// A business representative's signed invitation link (`{token}`).
    BusinessInvite,
}

/// A route's access rule: `Access::Staff.on(Object::Announcement)`, or just an
/// `Access` for routes that name no object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub access: Access,
    pub object: Object,
    /// The query (GET) or form (POST) field that names the object, when the path does
    /// not (`/bookmarks/new?announcement=…`).
    pub field: Option<&'static str>,
}

impl Access {
    pub const fn on(self, object: Object) -> Rule {
        Rule {
            access: self,
            object,
            field: None,
        }
    }
}

impl Rule {
    /// The object is named by this query or form field.
    pub const fn in_field(self, name: &'static str) -> Rule {
        Rule {
            field: Some(name),
            ..self
        }
    }
}

impl From<Access> for Rule {
    fn from(access: Access) -> Rule {
        access.on(Object::None)
    }
}

/// One registered route and its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// `None`: any method.
    pub method: Option<Method>,
    pub path: String,
    pub access: Access,
    pub object: Object,
    pub field: Option<&'static str>,
}

impl std::fmt::Display for RouteSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let method = self.method.as_ref().map(Method::as_str).unwrap_or("ANY");
        write!(f, "{method} {}", self.path)
    }
}

/// Registers routes on the app and records each with its rule. Domain modules get this,
/// never the raw `ServiceConfig`.
pub struct Routes<'a> {
    cfg: &'a mut web::ServiceConfig,
    table: Vec<RouteSpec>,
}

impl<'a> Routes<'a> {
    pub fn new(cfg: &'a mut web::ServiceConfig) -> Routes<'a> {
        Routes {
            cfg,
            table: Vec::new(),
        }
    }

    pub fn get<F, Args>(&mut self, path: &str, handler: F, rule: impl Into<Rule>) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Some(Method::GET), path, web::get().to(handler), rule.into())
    }

    pub fn post<F, Args>(&mut self, path: &str, handler: F, rule: impl Into<Rule>) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(
            Some(Method::POST),
            path,
            web::post().to(handler),
            rule.into(),
        )
    }

    /// A route answering every method.
    pub fn any<F, Args>(&mut self, path: &str, handler: F, rule: impl Into<Rule>) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(None, path, web::route().to(handler), rule.into())
    }

    /// A whole service (the static files' scope), recorded as a GET of `path`, whose
    /// placeholder stands for what the service serves.
    pub fn service<S>(&mut self, path: &str, service: S, rule: impl Into<Rule>) -> &mut Self
    where
        S: HttpServiceFactory + 'static,
    {
        self.cfg.service(service);
        self.record(Some(Method::GET), path, rule.into());
        self
    }

    fn add(
        &mut self,
        method: Option<Method>,
        path: &str,
        route: actix_web::Route,
        rule: Rule,
    ) -> &mut Self {
        self.cfg.route(path, route);
        self.record(method, path, rule);
        self
    }

    fn record(&mut self, method: Option<Method>, path: &str, rule: Rule) {
        self.table.push(RouteSpec {
            method,
            path: path.to_string(),
            access: rule.access,
            object: rule.object,
            field: rule.field,
        });
    }

    /// Every route registered so far, in order.
    pub fn into_table(self) -> Vec<RouteSpec> {
        self.table
    }
}

/// Every route of the app with its rule, from the same `crate::routes` the server uses.
pub fn route_table() -> Vec<RouteSpec> {
    let mut table = Vec::new();
    // `App::configure` runs the closure at once.
    let _app = actix_web::App::new().configure(|cfg| {
        let mut r = Routes::new(cfg);
        crate::routes(&mut r);
        table = r.into_table();
    });
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_each_route_once_with_the_catch_all_last() {
        let table = route_table();
        assert!(table.len() > 50, "{} routes", table.len());
        let mut seen = std::collections::HashSet::new();
        for r in &table {
            assert!(seen.insert(r.to_string()), "{r} registered twice");
        }
        assert_eq!(
            table.last().map(|r| r.path.as_str()),
            Some("/api/v1/{tail:.*}")
        );
    }
}
