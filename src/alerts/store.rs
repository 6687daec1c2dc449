//! Queries for profiles, one-time tokens, criteria, subscriptions, consents, bookmarks
//! and push endpoints.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::criteria::Criteria;
use super::model::{
    AccountToken, Bookmark, Consent, CriteriaRow, OwnerProfile, PushEndpoint, Subscription,
};
use crate::db::schema::{
    account_tokens, bookmarks, consents, criteria_terms, message_mutes, owner_profiles,
    push_endpoints, subscription_criteria, subscriptions, users,
};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::ids::{new_id, random_token, sha256_hex};

// --- profiles -------------------------------------------------------------------------

pub fn find_profile(conn: &mut DbConnection, user_id: &str) -> AppResult<Option<OwnerProfile>> {
    Ok(owner_profiles::table
        .find(user_id)
        .select(OwnerProfile::as_select())
        .first(conn)
        .optional()?)
}

pub fn profiles_of(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<OwnerProfile>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            owner_profiles::table
                .filter(owner_profiles::user_id.eq_any(chunk))
                .select(OwnerProfile::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn save_profile(conn: &mut DbConnection, p: &OwnerProfile) -> AppResult<()> {
    let n = diesel::update(owner_profiles::table.find(&p.user_id))
        .set(p)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(owner_profiles::table)
            .values(p)
            .execute(conn)?;
    }
    Ok(())
}

/// Owners (users without an agency) with this email.
pub fn is_owner(conn: &mut DbConnection, user_id: &str) -> AppResult<bool> {
    Ok(find_profile(conn, user_id)?.is_some())
}

// --- one-time tokens --------------------------------------------------------------------

/// A fresh one-time token; only its hash is stored. Returns the token to put in a link.
pub fn create_token(
    conn: &mut DbConnection,
    purpose: &str,
    user_id: Option<&str>,
    subscription_id: Option<&str>,
    ttl: Duration,
    now: NaiveDateTime,
) -> AppResult<String> {
    let raw = random_token(40);
    diesel::insert_into(account_tokens::table)
        .values(&AccountToken {
            id: sha256_hex(&raw),
            purpose: purpose.to_string(),
            user_id: user_id.map(String::from),
            subscription_id: subscription_id.map(String::from),
            created_at: now,
            expires_at: now + ttl,
            used_at: None,
        })
        .execute(conn)?;
    Ok(raw)
}

/// Spend a token: `Some` once, for an unexpired token of this purpose.
pub fn use_token(
    conn: &mut DbConnection,
    purpose: &str,
    raw: &str,
    now: NaiveDateTime,
) -> AppResult<Option<AccountToken>> {
    let id = sha256_hex(raw);
    let n = diesel::update(
        account_tokens::table
            .find(&id)
            .filter(account_tokens::purpose.eq(purpose))
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::expires_at.gt(now)),
    )
    .set(account_tokens::used_at.eq(now))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(account_tokens::table
        .find(&id)
        .select(AccountToken::as_select())
        .first(conn)
        .optional()?)
}

/// Is this token valid (without spending it)? For showing a form before the POST.
pub fn peek_token(
    conn: &mut DbConnection,
    purpose: &str,
    raw: &str,
    now: NaiveDateTime,
) -> AppResult<Option<AccountToken>> {
    Ok(account_tokens::table
        .find(sha256_hex(raw))
        .filter(account_tokens::purpose.eq(purpose))
        .filter(account_tokens::used_at.is_null())
        .filter(account_tokens::expires_at.gt(now))
        .select(AccountToken::as_select())
        .first(conn)
        .optional()?)
}

// --- criteria and subscriptions ---------------------------------------------------------

/// The id of the stored criteria equal to `c`, storing it (with its index terms) when new.
pub fn criteria_id_for(
    conn: &mut DbConnection,
    c: &Criteria,
    now: NaiveDateTime,
) -> AppResult<String> {
    let hash = c.hash();
    if let Some(id) = subscription_criteria::table
        .filter(subscription_criteria::hash.eq(&hash))
        .select(subscription_criteria::id)
        .first::<String>(conn)
        .optional()?
    {
        return Ok(id);
    }
    let id = new_id();
    diesel::insert_into(subscription_criteria::table)
        .values(&CriteriaRow {
            id: id.clone(),
            hash,
            spec: c.to_json(),
            created_at: now,
        })
        .execute(conn)?;
    for term in c.index_terms() {
        diesel::insert_into(criteria_terms::table)
            .values((
                criteria_terms::term.eq(term),
                criteria_terms::criteria_id.eq(&id),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// Who a new subscription belongs to.
pub enum Subscriber<'a> {
    /// A signed-in owner: active at once, with a consent record per channel from `source`.
    Owner { user_id: &'a str, source: &'a str },
    /// An address without an account: `pending` until its confirmation link is followed.
    Email(&'a str),
}

/// A new subscription to `criteria` (stored, or shared with an equal one). Returns its id.
pub fn subscribe(
    conn: &mut DbConnection,
    who: Subscriber,
    name: &str,
    criteria: &Criteria,
    frequency: &str,
    channels: &[String],
    now: NaiveDateTime,
) -> AppResult<String> {
    let criteria_id = criteria_id_for(conn, criteria, now)?;
    let (user_id, email) = match who {
        Subscriber::Owner { user_id, .. } => (Some(user_id.to_string()), None),
        Subscriber::Email(email) => (None, Some(email.to_string())),
    };
    let sub = Subscription {
        id: new_id(),
        status: if user_id.is_some() {
            "active"
        } else {
            "pending"
        }
        .into(),
        confirmed_at: user_id.as_ref().map(|_| now),
        user_id,
        email,
        name: name.to_string(),
        criteria_id,
        spec: criteria.to_json(),
        is_profile: criteria.profile,
        frequency: frequency.to_string(),
        channels: serde_json::to_string(channels).map_err(AppError::internal)?,
        created_at: now,
        updated_at: now,
    };
    insert_subscription(conn, &sub)?;
    if let Subscriber::Owner { user_id, source } = who {
        for ch in channels {
            record_consent(conn, Some(user_id), Some(&sub.id), ch, true, source, now)?;
        }
    }
    Ok(sub.id)
}

/// New conditions, name, frequency and channels for a subscription.
pub fn update_subscription(
    conn: &mut DbConnection,
    id: &str,
    s: &super::subscriptions::NewSubscription,
    now: NaiveDateTime,
) -> AppResult<()> {
    let criteria_id = criteria_id_for(conn, &s.criteria, now)?;
    diesel::update(subscriptions::table.find(id))
        .set((
            subscriptions::name.eq(&s.name),
            subscriptions::criteria_id.eq(criteria_id),
            subscriptions::spec.eq(s.criteria.to_json()),
            subscriptions::is_profile.eq(s.criteria.profile),
            subscriptions::frequency.eq(&s.frequency),
            subscriptions::channels
                .eq(serde_json::to_string(&s.channels).map_err(AppError::internal)?),
            subscriptions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn insert_subscription(conn: &mut DbConnection, s: &Subscription) -> AppResult<()> {
    diesel::insert_into(subscriptions::table)
        .values(s)
        .execute(conn)?;
    Ok(())
}

pub fn find_subscription(conn: &mut DbConnection, id: &str) -> AppResult<Option<Subscription>> {
    Ok(subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()?)
}

pub fn subscriptions_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<Subscription>> {
    Ok(subscriptions::table
        .filter(subscriptions::user_id.eq(user_id))
        .order(subscriptions::created_at.asc())
        .select(Subscription::as_select())
        .load(conn)?)
}

pub fn set_subscription_status(
    conn: &mut DbConnection,
    id: &str,
    status: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::update(subscriptions::table.find(id))
        .set((
            subscriptions::status.eq(status),
            subscriptions::confirmed_at.eq(Some(now)),
            subscriptions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_subscription(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    diesel::delete(subscriptions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Re-point a user's profile-based subscriptions at their current profile.
pub fn refresh_profile_subscriptions(
    conn: &mut DbConnection,
    p: &OwnerProfile,
    now: NaiveDateTime,
) -> AppResult<()> {
    let c = super::profile::profile_criteria(p);
    let id = criteria_id_for(conn, &c, now)?;
    diesel::update(
        subscriptions::table
            .filter(subscriptions::user_id.eq(&p.user_id))
            .filter(subscriptions::is_profile.eq(true)),
    )
    .set((
        subscriptions::criteria_id.eq(&id),
        subscriptions::spec.eq(c.to_json()),
        subscriptions::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn record_consent(
    conn: &mut DbConnection,
    user_id: Option<&str>,
    subscription_id: Option<&str>,
    channel: &str,
    granted: bool,
    source: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::insert_into(consents::table)
        .values(&Consent {
            id: new_id(),
            user_id: user_id.map(String::from),
            subscription_id: subscription_id.map(String::from),
            channel: channel.to_string(),
            granted,
            source: source.to_string(),
            created_at: now,
            policy_version: Some(crate::legal::CONSENT_VERSION.to_string()),
        })
        .execute(conn)?;
    Ok(())
}

pub fn consents_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<Consent>> {
    Ok(consents::table
        .filter(consents::user_id.eq(user_id))
        .order(consents::created_at.desc())
        .select(Consent::as_select())
        .load(conn)?)
}

// --- bookmarks --------------------------------------------------------------------------

pub fn add_bookmark(
    conn: &mut DbConnection,
    user_id: &str,
    ann: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let b = Bookmark {
        user_id: user_id.to_string(),
        announcement_id: ann.to_string(),
        created_at: now,
    };
    crate::insert_or_ignore!(conn, bookmarks::table, &b)?;
    Ok(())
}

/// Remove `user_id`'s bookmark of `ann`; whether there was one.
pub fn remove_bookmark(conn: &mut DbConnection, user_id: &str, ann: &str) -> AppResult<bool> {
    Ok(diesel::delete(bookmarks::table.find((user_id, ann))).execute(conn)? > 0)
}

pub fn is_bookmarked(conn: &mut DbConnection, user_id: &str, ann: &str) -> AppResult<bool> {
    Ok(bookmarks::table
        .find((user_id, ann))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn bookmarks_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<Bookmark>> {
    Ok(bookmarks::table
        .filter(bookmarks::user_id.eq(user_id))
        .order(bookmarks::created_at.desc())
        .select(Bookmark::as_select())
        .load(conn)?)
}

// --- push endpoints ---------------------------------------------------------------------

/// Register (or refresh) one browser of `user_id`. An endpoint another account already
/// holds is refused, not taken over, and an account holds at most
/// `endpoint::MAX_PER_USER`.
pub fn save_push_endpoint(
    conn: &mut DbConnection,
    user_id: &str,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let existing: Option<PushEndpoint> = push_endpoints::table
        .filter(push_endpoints::endpoint.eq(endpoint))
        .select(PushEndpoint::as_select())
        .first(conn)
        .optional()?;
    match existing {
        Some(e) if e.user_id != user_id => Err(AppError::invalid(
            "push_endpoint_taken",
            "이 브라우저는 다른 계정의 알림을 받고 있습니다. 그 계정에서 알림을 끈 뒤 다시 시도해 주세요.",
        )),
        Some(e) => {
            diesel::update(push_endpoints::table.find(&e.id))
                .set((
                    push_endpoints::p256dh.eq(p256dh),
                    push_endpoints::auth.eq(auth),
                ))
                .execute(conn)?;
            Ok(())
        }
        None => {
            let held: i64 = push_endpoints::table
                .filter(push_endpoints::user_id.eq(user_id))
                .count()
                .get_result(conn)?;
            if held >= super::endpoint::MAX_PER_USER {
                return Err(AppError::invalid(
                    "push_endpoint_limit",
                    format!(
                        "알림을 받는 브라우저는 {}개까지 등록할 수 있습니다. 쓰지 않는 브라우저의 알림을 먼저 꺼 주세요.",
                        super::endpoint::MAX_PER_USER
                    ),
                ));
            }
            diesel::insert_into(push_endpoints::table)
                .values(&PushEndpoint {
                    id: new_id(),
                    user_id: user_id.to_string(),
                    endpoint: endpoint.to_string(),
                    p256dh: p256dh.to_string(),
                    auth: auth.to_string(),
                    created_at: now,
                    last_success_at: None,
                })
                .execute(conn)?;
            Ok(())
        }
    }
}

pub fn remove_push_endpoint(
    conn: &mut DbConnection,
    user_id: &str,
    endpoint: &str,
) -> AppResult<usize> {
    Ok(diesel::delete(
        push_endpoints::table
            .filter(push_endpoints::user_id.eq(user_id))
            .filter(push_endpoints::endpoint.eq(endpoint)),
    )
    .execute(conn)?)
}

pub fn delete_push_endpoint(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    diesel::delete(push_endpoints::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn push_endpoints_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<PushEndpoint>> {
    Ok(push_endpoints::table
        .filter(push_endpoints::user_id.eq(user_id))
        .select(PushEndpoint::as_select())
        .load(conn)?)
}

pub fn mark_push_success(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::update(push_endpoints::table.find(id))
        .set(push_endpoints::last_success_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

// --- unsubscribing --------------------------------------------------------------------

/// Carry out a signed unsubscribe scope (`alerts::tokens`): one subscription (`s:<id>`),
/// an account's email alerts (`e:<user>`), its bookmark reminders (`b:<user>`), or every
/// email-only subscription of an address (`a:<email>`). Each withdrawal is a consent
/// record. Call it in a transaction.
pub fn apply_unsubscribe(
    conn: &mut DbConnection,
    scope: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let source = "수신 거부 링크";
    let stop = |conn: &mut DbConnection, s: &Subscription| -> AppResult<()> {
        for ch in s.channel_list() {
            record_consent(
                conn,
                s.user_id.as_deref(),
                Some(&s.id),
                &ch,
                false,
                source,
                now,
            )?;
        }
        diesel::update(subscriptions::table.find(&s.id))
            .set((
                subscriptions::status.eq("unsubscribed"),
                subscriptions::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    };
    match scope.split_once(':') {
        Some(("s", id)) => {
            if let Some(s) = find_subscription(conn, id)? {
                stop(conn, &s)?;
            }
        }
        Some(("e", user)) => {
            for s in subscriptions_of(conn, user)? {
                let mut chans = s.channel_list();
                if !chans.iter().any(|c| c == "email") {
                    continue;
                }
                chans.retain(|c| c != "email");
                record_consent(conn, Some(user), Some(&s.id), "email", false, source, now)?;
                if chans.is_empty() || s.frequency != "instant" {
                    stop(conn, &s)?;
                } else {
                    diesel::update(subscriptions::table.find(&s.id))
                        .set(
                            subscriptions::channels
                                .eq(serde_json::to_string(&chans).unwrap_or_default()),
                        )
                        .execute(conn)?;
                }
            }
        }
        Some(("b", user)) => {
            if let Some(mut p) = find_profile(conn, user)? {
                p.reminder_channels = "[]".into();
                p.updated_at = now;
                save_profile(conn, &p)?;
                record_consent(conn, Some(user), None, "reminders", false, source, now)?;
            }
        }
        Some(("a", email)) => {
            let subs: Vec<Subscription> = subscriptions::table
                .filter(subscriptions::email.eq(email))
                .select(Subscription::as_select())
                .load(conn)?;
            for s in subs {
                stop(conn, &s)?;
            }
        }
        Some(("m", rest)) => {
            let Some(m) = Mute::parse(rest) else {
                return Err(AppError::NotFound);
            };
            let row = MuteRow {
                recipient: m.recipient.clone(),
                announcement_id: m.announcement_id.clone(),
                kind: m.kind.clone(),
                created_at: now,
            };
            crate::insert_or_ignore!(conn, message_mutes::table, &row)?;
            if let Some(user) = m.recipient.strip_prefix("u:") {
                let channel = if m.kind == MUTE_REMINDER {
                    "reminders"
                } else {
                    "corrections"
                };
                let source = "수신 거부 링크 (이 공고만)";
                record_consent(conn, Some(user), None, channel, false, source, now)?;
            }
        }
        _ => return Err(AppError::NotFound),
    }
    Ok(())
}

/// Whether what `scope` stops is already stopped: the link was used (or the
/// subscription is gone). The way-out page says so instead of offering the button again.
pub fn unsubscribe_done(conn: &mut DbConnection, scope: &str) -> AppResult<bool> {
    Ok(match scope.split_once(':') {
        Some(("s", id)) => find_subscription(conn, id)?
            .map(|s| s.status == "unsubscribed")
            .unwrap_or(true),
        Some(("e", user)) => !subscriptions_of(conn, user)?
            .iter()
            .any(|s| s.status != "unsubscribed" && s.channel_list().iter().any(|c| c == "email")),
        Some(("b", user)) => find_profile(conn, user)?
            .map(|p| p.reminder_channel_list().is_empty())
            .unwrap_or(true),
        Some(("a", email)) => {
            let open: i64 = subscriptions::table
                .filter(subscriptions::email.eq(email))
                .filter(subscriptions::status.ne("unsubscribed"))
                .count()
                .get_result(conn)?;
            open == 0
        }
        Some(("m", rest)) => match Mute::parse(rest) {
            Some(m) => is_muted(conn, &m.recipient, &m.announcement_id, &m.kind)?,
            None => false,
        },
        _ => false,
    })
}

/// The mute kinds: corrections of one announcement, reminders of one bookmark.
pub const MUTE_CHANGED: &str = "changed";
pub const MUTE_REMINDER: &str = "reminder";

/// The mute kind a delivery kind falls under (`changed_r3` → changed), if any.
pub fn mute_kind(delivery_kind: &str) -> Option<&'static str> {
    if delivery_kind.starts_with("changed") {
        Some(MUTE_CHANGED)
    } else if delivery_kind.starts_with("reminder") {
        Some(MUTE_REMINDER)
    } else {
        None
    }
}

/// A "this kind of message about this announcement" scope: `m:<kind>:<announcement>:<recipient>`
/// (the recipient last: `u:<user>` or `e:<email>` has a colon of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mute {
    pub kind: String,
    pub announcement_id: String,
    pub recipient: String,
}

impl Mute {
    pub fn scope(&self) -> String {
        format!(
            "m:{}:{}:{}",
            self.kind, self.announcement_id, self.recipient
        )
    }
    /// From what follows `m:`.
    pub fn parse(rest: &str) -> Option<Mute> {
        let mut it = rest.splitn(3, ':');
        let (kind, ann, recipient) = (it.next()?, it.next()?, it.next()?);
        if ![MUTE_CHANGED, MUTE_REMINDER].contains(&kind) || ann.is_empty() {
            return None;
        }
        Some(Mute {
            kind: kind.into(),
            announcement_id: ann.into(),
            recipient: recipient.into(),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = message_mutes)]
pub struct MuteRow {
    pub recipient: String,
    pub announcement_id: String,
    pub kind: String,
    pub created_at: NaiveDateTime,
}

pub fn is_muted(
    conn: &mut DbConnection,
    recipient: &str,
    announcement_id: &str,
    kind: &str,
) -> AppResult<bool> {
    let n: i64 = message_mutes::table
        .filter(message_mutes::recipient.eq(recipient))
        .filter(message_mutes::announcement_id.eq(announcement_id))
        .filter(message_mutes::kind.eq(kind))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// (recipient, announcement) pairs muted for `kind` among `announcement_ids`.
pub fn mutes_of(
    conn: &mut DbConnection,
    announcement_ids: &[String],
    kind: &str,
) -> AppResult<std::collections::HashSet<(String, String)>> {
    let mut out = std::collections::HashSet::new();
    for chunk in announcement_ids.chunks(500) {
        let rows: Vec<(String, String)> = message_mutes::table
            .filter(message_mutes::announcement_id.eq_any(chunk))
            .filter(message_mutes::kind.eq(kind))
            .select((message_mutes::recipient, message_mutes::announcement_id))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

// --- leaving ----------------------------------------------------------------------------

/// Delete an owner and everything about them: profile, subscriptions, consents,
/// bookmarks, push endpoints, deliveries, tokens and sessions (foreign keys cascade),
/// plus email-only subscriptions made with the same address.
pub fn delete_owner(conn: &mut DbConnection, user_id: &str) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let email: Option<String> = users::table
            .find(user_id)
            .select(users::email)
            .first(conn)
            .optional()?;
        if let Some(email) = email {
            let anon: Vec<String> = subscriptions::table
                .filter(subscriptions::email.eq(&email))
                .select(subscriptions::id)
                .load(conn)?;
            diesel::delete(consents::table.filter(consents::subscription_id.eq_any(&anon)))
                .execute(conn)?;
            diesel::delete(subscriptions::table.filter(subscriptions::id.eq_any(&anon)))
                .execute(conn)?;
        }
        diesel::delete(consents::table.filter(consents::user_id.eq(user_id))).execute(conn)?;
        diesel::delete(
            message_mutes::table.filter(message_mutes::recipient.eq(format!("u:{user_id}"))),
        )
        .execute(conn)?;
        diesel::delete(users::table.find(user_id)).execute(conn)?;
        Ok(())
    })
}
