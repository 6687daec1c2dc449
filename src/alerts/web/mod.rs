//! Pages and endpoints of the alerts: subscriptions (for owners, and email-only with
//! double opt-in), bookmarks, one-click unsubscribe, open/click tracking and short links,
//! web-push registration, the development outbox, the operator's delivery page.
//! One file per job: `subscribe`, `bookmarks`, `links` (unsubscribe, tracking, short
//! links), `push`, `operator` (outbox, deliveries, the console's alert page). The work
//! behind them is in `alerts::subscriptions` and `alerts::store`.

mod bookmarks;
mod links;
mod operator;
mod push;
mod subscribe;

use serde::Deserialize;

use crate::accounts::intent::{Action, Intent};
use crate::web::routes::{Access, Object, Routes};

use bookmarks::{add_bookmark, bookmark_form, my_bookmarks, remove_bookmark};
use links::{short_unsubscribe, track_click, track_open, unsubscribe, unsubscribe_form};
pub use operator::mask;
use operator::{admin_deliveries, admin_retry, console_alerts, outbox, outbox_message};
use push::{push_subscribe, push_unsubscribe, service_worker};
use subscribe::{
    confirm, confirm_form, create, delete_confirm, delete_subscription, edit, edit_form,
    my_subscriptions, new_form, pause, resume,
};

pub fn routes(r: &mut Routes) {
    let confirm_link = Access::Capability.on(Object::ConfirmLink);
    let unsubscribe_link = Access::Capability.on(Object::UnsubscribeLink);
    let code = Access::Capability.on(Object::DeliveryCode);
    let public_announcement = Access::SignedIn
        .on(Object::Announcement)
        .in_field("announcement");
    r.get("/alerts/new", new_form, Access::Public)
        // Owners subscribe as themselves; anyone else by email, with double opt-in.
        .post("/alerts", create, Access::Public)
        .get("/alerts/confirm/{token}", confirm_form, confirm_link)
        .post("/alerts/confirm/{token}", confirm, confirm_link)
        .get("/me/subscriptions", my_subscriptions, Access::Owner)
        .get(
            "/me/subscriptions/{id}/delete",
            delete_confirm,
            Access::SignedIn.on(Object::Subscription),
        )
        .post(
            "/me/subscriptions/{id}/delete",
            delete_subscription,
            Access::SignedIn.on(Object::Subscription),
        )
        .get(
            "/me/subscriptions/{id}/edit",
            edit_form,
            Access::SignedIn.on(Object::Subscription),
        )
        .post(
            "/me/subscriptions/{id}/edit",
            edit,
            Access::SignedIn.on(Object::Subscription),
        )
        .post(
            "/me/subscriptions/{id}/pause",
            pause,
            Access::SignedIn.on(Object::Subscription),
        )
        .post(
            "/me/subscriptions/{id}/resume",
            resume,
            Access::SignedIn.on(Object::Subscription),
        )
        .get("/me/bookmarks", my_bookmarks, Access::SignedIn)
        .post("/me/bookmarks", add_bookmark, public_announcement)
        .post(
            "/me/bookmarks/{id}/delete",
            remove_bookmark,
            Access::SignedIn.on(Object::Bookmark),
        )
        .get("/bookmarks/new", bookmark_form, public_announcement)
        .get("/unsubscribe/{token}", unsubscribe_form, unsubscribe_link)
        // RFC 8058 one-click: no session, no CSRF token; the signed token is the authority.
        .post("/unsubscribe/{token}", unsubscribe, unsubscribe_link)
        .get("/x/{code}", short_unsubscribe, code)
        // The pixel answers the same to any code (a mail client shows no broken image);
        // a valid code records the open.
        .get(
            "/t/o/{code}.gif",
            track_open,
            Access::Public.on(Object::DeliveryCode),
        )
        .get("/t/c/{code}", track_click, code)
        .get("/s/{code}", track_click, code)
        .post("/api/v1/push/subscribe", push_subscribe, Access::SignedIn)
        .post(
            "/api/v1/push/unsubscribe",
            push_unsubscribe,
            Access::SignedIn,
        )
        .get("/sw.js", service_worker, Access::Public)
        .get("/dev/outbox", outbox, Access::DevOnly)
        .get(
            "/dev/outbox/{name}",
            outbox_message,
            Access::DevOnly.on(Object::OutboxMessage),
        )
        .get("/admin/deliveries", admin_deliveries, Access::Operator)
        .post(
            "/admin/deliveries/{id}/retry",
            admin_retry,
            Access::Operator.on(Object::Delivery),
        )
        .get(
            "/console/announcements/{id}/alerts",
            console_alerts,
            Access::Staff.on(Object::Announcement),
        );
}

pub use crate::alerts::request::{MAX_KSIC, MAX_REGIONS};

/// Where a signed-out visitor who meant `action` on announcement `id` is sent: the login
/// page, which says why and carries the signed intent through sign-up
/// (`accounts::intent`); `next` is the announcement itself.
pub(super) fn login_with_intent(state: &crate::AppState, action: Action, id: &str) -> String {
    let back = format!("/announcements/{}", urlencoding::encode(id));
    let token = Intent::new(action, id, state.now()).sign(&state.keys);
    format!("/login?next={}&intent={token}", urlencoding::encode(&back))
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    pub(super) csrf_token: String,
}
