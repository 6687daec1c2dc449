//! Subscription services: subscribe (an owner at once, an address by double opt-in),
//! confirm, delete, unsubscribe, and the browser's web-push registration. Each is one
//! transaction, so the pages in `alerts::web` only parse, call one of these and render.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};

use super::criteria::{self, Criteria};
use super::{delivery, store};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::reference;

/// Korean summary of a criteria: "분야: 금융 · 지역: 울산 · 키워드: 수출".
/// `labels`: region code (and `ksic:<code>`) → name, from [`region_labels`].
pub fn describe(labels: &HashMap<String, String>, c: &Criteria) -> String {
    let mut parts = Vec::new();
    let name = |code: &String| labels.get(code).cloned().unwrap_or_else(|| code.clone());
    if !c.categories.is_empty() || !c.subcategories.is_empty() {
        let mut v = c.categories.clone();
        v.extend(c.subcategories.clone());
        parts.push(format!("분야: {}", v.join(", ")));
    }
    if !c.regions.is_empty() && !c.profile {
        let v: Vec<String> = c.regions.iter().map(name).collect();
        parts.push(format!(
            "지역: {}{}",
            v.join(", "),
            if c.local_only {
                " (전국 공고 제외)"
            } else {
                " (전국 공고 포함)"
            }
        ));
    }
    if !c.targets.is_empty() {
        parts.push(format!("대상: {}", c.targets.join(", ")));
    }
    if !c.ksic.is_empty() && !c.profile {
        let v: Vec<String> = c.ksic.iter().map(|k| name(&format!("ksic:{k}"))).collect();
        parts.push(format!("업종: {}", v.join(", ")));
    }
    if !c.keywords.is_empty() {
        parts.push(format!("키워드: {}", c.keywords.join(", ")));
    }
    if parts.is_empty() {
        "모든 새 공고".into()
    } else {
        parts.join(" · ")
    }
}

/// Region code → display name ("울산", "울산 중구"), for [`describe`].
pub fn region_labels(conn: &mut DbConnection) -> AppResult<HashMap<String, String>> {
    let mut m = HashMap::new();
    for r in reference::list_sido(conn)? {
        m.insert(r.code.clone(), r.short_name.clone());
    }
    for r in reference::list_sigungu(conn)? {
        let sido = reference::sido_name(&r.sido_code).unwrap_or("");
        m.insert(r.code.clone(), format!("{sido} {}", r.short_name));
    }
    Ok(m)
}

/// A checked subscription request.
pub struct NewSubscription {
    /// The signed-in owner, or None for an email-only subscription.
    pub owner_id: Option<String>,
    /// The address of an email-only subscription (lower-cased).
    pub email: String,
    pub name: String,
    pub criteria: Criteria,
    pub frequency: String,
    pub channels: Vec<String>,
}

/// What [`subscribe`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Subscribed {
    /// An owner's subscription, active now.
    Active,
    /// An email-only one, pending until the confirmation link mailed now is followed.
    AwaitingConfirmation,
}

/// Save a subscription: an owner's is active at once; an address gets a confirmation
/// mail (link under `base_url`, valid 7 days) in the same transaction.
pub fn subscribe(
    conn: &mut DbConnection,
    s: &NewSubscription,
    base_url: &str,
    now: NaiveDateTime,
) -> AppResult<Subscribed> {
    crate::db::write_transaction(conn, |conn| {
        let who = match &s.owner_id {
            Some(u) => store::Subscriber::Owner {
                user_id: u,
                source: "알림 신청 화면",
            },
            None => store::Subscriber::Email(&s.email),
        };
        let id = store::subscribe(
            conn,
            who,
            &s.name,
            &s.criteria,
            &s.frequency,
            &s.channels,
            now,
        )?;
        if s.owner_id.is_some() {
            return Ok(Subscribed::Active);
        }
        let token = store::create_token(
            conn,
            "confirm_subscription",
            None,
            Some(&id),
            Duration::days(7),
            now,
        )?;
        let labels = region_labels(conn)?;
        delivery::queue_account_email(
            conn,
            None,
            &s.email,
            "confirm",
            &id,
            serde_json::json!({
                "link": format!("{base_url}/alerts/confirm/{token}"),
                "summary": describe(&labels, &s.criteria),
            }),
            now,
        )?;
        Ok(Subscribed::AwaitingConfirmation)
    })
}

/// Follow a confirmation link: the subscription becomes active, with a consent record
/// per channel. False when the link is unknown, used or expired.
pub fn confirm(conn: &mut DbConnection, token: &str, now: NaiveDateTime) -> AppResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let Some(t) = store::use_token(conn, "confirm_subscription", token, now)? else {
            return Ok(false);
        };
        let Some(sid) = t.subscription_id else {
            return Ok(false);
        };
        let Some(sub) = store::find_subscription(conn, &sid)? else {
            return Ok(false);
        };
        store::set_subscription_status(conn, &sid, "active", now)?;
        for ch in sub.channel_list() {
            store::record_consent(
                conn,
                None,
                Some(&sid),
                &ch,
                true,
                "확인 메일 링크(이중 동의)",
                now,
            )?;
        }
        Ok(true)
    })
}

/// An owner deletes one of their subscriptions (NotFound for anyone else's), recording
/// the withdrawn consent per channel.
pub fn delete(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let s = store::find_subscription(conn, id)?.ok_or(AppError::NotFound)?;
        if s.user_id.as_deref() != Some(user_id) {
            return Err(AppError::NotFound);
        }
        for ch in s.channel_list() {
            store::record_consent(
                conn,
                Some(user_id),
                Some(id),
                &ch,
                false,
                "내 알림 화면에서 삭제",
                now,
            )?;
        }
        store::delete_subscription(conn, id)
    })
}

/// An owner's own subscription, or NotFound (anyone else's looks like none).
pub fn owned(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
) -> AppResult<super::model::Subscription> {
    match store::find_subscription(conn, id)? {
        Some(s) if s.user_id.as_deref() == Some(user_id) && s.status != "unsubscribed" => Ok(s),
        _ => Err(AppError::NotFound),
    }
}

/// An owner edits one of their subscriptions: new conditions, name, frequency and
/// channels; channels added or dropped are consent records.
pub fn update(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    s: &NewSubscription,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let old = owned(conn, user_id, id)?;
        store::update_subscription(conn, id, s, now)?;
        let (before, after) = (old.channel_list(), &s.channels);
        for ch in super::model::CHANNELS {
            let (had, has) = (
                before.iter().any(|c| c == ch),
                after.iter().any(|c| c == ch),
            );
            if had != has {
                let source = "내 알림 화면에서 수정";
                store::record_consent(conn, Some(user_id), Some(id), ch, has, source, now)?;
            }
        }
        Ok(())
    })
}

/// Pause (`true`) or resume an owner's subscription. A paused one matches nothing and
/// what it had queued is not sent; resuming brings back new announcements from then on.
pub fn set_paused(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    paused: bool,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        let s = owned(conn, user_id, id)?;
        let (from, to) = if paused {
            ("active", "paused")
        } else {
            ("paused", "active")
        };
        if s.status == from {
            store::set_subscription_status(conn, id, to, now)?;
        }
        Ok(())
    })
}

/// Apply a verified unsubscribe scope (`s:<id>`, `e:<user>`, `b:<user>`, `a:<email>`,
/// `m:<kind>:<announcement>:<recipient>`). `true` when it was already done (a used
/// link): nothing changes then, and the page says so.
pub fn unsubscribe(conn: &mut DbConnection, scope: &str, now: NaiveDateTime) -> AppResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        if store::unsubscribe_done(conn, scope)? {
            return Ok(true);
        }
        store::apply_unsubscribe(conn, scope, now)?;
        Ok(false)
    })
}

/// Register a browser's web-push endpoint for an account, recording the consent.
pub fn add_push_endpoint(
    conn: &mut DbConnection,
    user_id: &str,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    crate::db::write_transaction(conn, |conn| {
        store::save_push_endpoint(conn, user_id, endpoint, p256dh, auth, now)?;
        store::record_consent(
            conn,
            Some(user_id),
            None,
            "push",
            true,
            "브라우저 알림 허용",
            now,
        )
    })
}

/// Remove a browser's web-push endpoint, recording the withdrawn consent; how many
/// endpoints went.
pub fn remove_push_endpoint(
    conn: &mut DbConnection,
    user_id: &str,
    endpoint: &str,
    now: NaiveDateTime,
) -> AppResult<usize> {
    crate::db::write_transaction(conn, |conn| {
        let n = store::remove_push_endpoint(conn, user_id, endpoint)?;
        store::record_consent(
            conn,
            Some(user_id),
            None,
            "push",
            false,
            "브라우저 알림 해제",
            now,
        )?;
        Ok(n)
    })
}

/// Do what a signed-out visitor meant before they signed in (`accounts::intent`): save
/// the announcement, or subscribe to new programs like it (its 분야 and regions, email,
/// as they come). Done once: a bookmark is kept once, and a subscription equal to one
/// the owner has is not made again. Only for owners, and only for a public
/// announcement; `None` otherwise. Returns the page to go back to.
pub fn carry_out(
    conn: &mut DbConnection,
    user_id: &str,
    intent: &crate::accounts::intent::Intent,
    now: NaiveDateTime,
) -> AppResult<Option<String>> {
    use crate::accounts::intent::Action;
    crate::db::write_transaction(conn, |conn| {
        if store::find_profile(conn, user_id)?.is_none() {
            return Ok(None);
        }
        let Some(a) = crate::announcements::store::find(conn, &intent.announcement)?
            .filter(|a| a.is_public())
        else {
            return Ok(None);
        };
        match intent.action {
            Action::Bookmark => store::add_bookmark(conn, user_id, &a.id, now)?,
            Action::Subscribe => {
                let criteria = like(conn, &a)?;
                let hash = criteria.hash();
                let mut have = store::subscriptions_of(conn, user_id)?.into_iter();
                if !have.any(|s| {
                    serde_json::from_str::<Criteria>(&s.spec).is_ok_and(|c| c.hash() == hash)
                }) {
                    let labels = region_labels(conn)?;
                    let name: String = describe(&labels, &criteria).chars().take(50).collect();
                    store::subscribe(
                        conn,
                        store::Subscriber::Owner {
                            user_id,
                            source: "공고 화면에서 알림 신청",
                        },
                        &name,
                        &criteria,
                        "instant",
                        &["email".to_string()],
                        now,
                    )?;
                }
            }
        }
        Ok(Some(intent.back_to()))
    })
}

/// Criteria for "programs like this one": its 분야 and (unless nationwide) its 시도.
fn like(
    conn: &mut DbConnection,
    a: &crate::announcements::model::Announcement,
) -> AppResult<Criteria> {
    let regions = if a.nationwide {
        Vec::new()
    } else {
        crate::announcements::store::region_codes(conn, &a.id)?
            .iter()
            .map(|c| criteria::sido_of(c))
            .collect()
    };
    Ok(Criteria {
        categories: a.category.iter().cloned().collect(),
        regions,
        ..Default::default()
    }
    .canonical())
}
