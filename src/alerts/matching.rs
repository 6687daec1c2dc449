//! Matching at publish time, and the fan-out into deliveries.
//!
//! An announcement's facts give its index terms; the criteria filed under those terms
//! are the only ones evaluated, each once however many subscriptions share it. The
//! subscriptions of the matching criteria become delivery rows — one per (recipient,
//! announcement, channel, kind), inserted with "ignore if present", so a fan-out that is
//! killed halfway and run again adds only what is missing.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::criteria::{Because, Criteria, Facts};
use super::delivery::{self, NewDelivery};
use super::model::{OwnerProfile, Subscription};
use super::profile::ineligible;
use super::store;
use crate::announcements::model::{Announcement, Status};
use crate::announcements::store as ann_store;
use crate::clock::to_kst;
use crate::db::schema::{
    announcement_regions, bookmarks, criteria_terms, deliveries, ksic, regions,
    subscription_criteria, subscriptions, users,
};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::search::matcher::DocText;

/// The facts of an announcement that criteria are evaluated against.
pub fn facts_of(conn: &mut DbConnection, a: &Announcement) -> AppResult<Facts> {
    let regions: Vec<(String, String)> = announcement_regions::table
        .filter(announcement_regions::announcement_id.eq(&a.id))
        .select((
            announcement_regions::region_code,
            announcement_regions::sido_code,
        ))
        .load(conn)?;
    // Keywords are decided on the text search indexes, tokenized as search tokenizes it.
    let doc = DocText::of(&crate::search::service::doc_for(conn, a)?);
    Ok(Facts {
        category: a.category.clone(),
        subcategories: a.subcategory_list(),
        regions,
        nationwide: a.nationwide,
        targets: a.target_list(),
        eligibility: a.eligibility(),
        doc,
    })
}

/// The facts of many announcements at once (one query for their regions per 500),
/// without the keyword text: for criteria without keywords, as a business profile's
/// (`alerts::fit`).
pub fn facts_without_text(conn: &mut DbConnection, rows: &[Announcement]) -> AppResult<Vec<Facts>> {
    let mut regions: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let ids: Vec<&str> = rows.iter().map(|a| a.id.as_str()).collect();
    for chunk in ids.chunks(500) {
        let found: Vec<(String, String, String)> = announcement_regions::table
            .filter(announcement_regions::announcement_id.eq_any(chunk))
            .select((
                announcement_regions::announcement_id,
                announcement_regions::region_code,
                announcement_regions::sido_code,
            ))
            .load(conn)?;
        for (id, code, sido) in found {
            regions.entry(id).or_default().push((code, sido));
        }
    }
    Ok(rows
        .iter()
        .map(|a| Facts {
            category: a.category.clone(),
            subcategories: a.subcategory_list(),
            regions: regions.remove(&a.id).unwrap_or_default(),
            nationwide: a.nationwide,
            targets: a.target_list(),
            eligibility: a.eligibility(),
            doc: DocText::default(),
        })
        .collect())
}

/// Every stored criteria that matches, with why. Only criteria filed under one of the
/// announcement's terms are read.
/// (criteria id, criteria, why it matched).
pub type Matched = (String, Criteria, Vec<Because>);

pub fn matching_criteria(
    conn: &mut DbConnection,
    facts: &Facts,
) -> AppResult<(usize, Vec<Matched>)> {
    let terms = facts.terms();
    let ids: Vec<String> = criteria_terms::table
        .filter(criteria_terms::term.eq_any(&terms))
        .select(criteria_terms::criteria_id)
        .distinct()
        .load(conn)?;
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> = subscription_criteria::table
            .filter(subscription_criteria::id.eq_any(chunk))
            .select((subscription_criteria::id, subscription_criteria::spec))
            .load(conn)?;
        for (id, spec) in rows {
            let Ok(c) = serde_json::from_str::<Criteria>(&spec) else {
                tracing::warn!(criteria = %id, "unreadable criteria spec");
                continue;
            };
            if let Some(why) = c.evaluate(facts) {
                out.push((id, c, why));
            }
        }
    }
    Ok((ids.len(), out))
}

/// Names for explaining a match ("지역: 울산, 업종: 음식점업").
pub struct Labels {
    regions: HashMap<String, String>,
    ksic: HashMap<String, String>,
}

impl Labels {
    pub fn load(conn: &mut DbConnection) -> AppResult<Labels> {
        let r: Vec<(String, String, String)> = regions::table
            .select((regions::code, regions::short_name, regions::sido_code))
            .load(conn)?;
        let sido_names: HashMap<String, String> = r
            .iter()
            .filter(|(code, _, _)| code.ends_with("000"))
            .map(|(_, name, sido)| (sido.clone(), name.clone()))
            .collect();
        let regions = r
            .iter()
            .map(|(code, name, sido)| {
                let label = if code.ends_with("000") {
                    name.clone()
                } else {
                    format!(
                        "{} {}",
                        sido_names.get(sido).cloned().unwrap_or_default(),
                        name
                    )
                };
                (code.clone(), label.trim().to_string())
            })
            .collect();
        let ksic = ksic::table
            .select((ksic::code, ksic::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        Ok(Labels { regions, ksic })
    }

    /// "울산 남구" for a 시군구 code, "울산" for a 시도 code; the code itself if unknown.
    pub fn region(&self, code: &str) -> String {
        self.regions
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// The KSIC name of a code ("한식 일반 음식점업"); the code itself if unknown.
    pub fn industry(&self, code: &str) -> String {
        self.ksic
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    pub fn explain(&self, why: &[Because], profile: bool) -> String {
        let parts: Vec<String> = why
            .iter()
            .map(|b| match b {
                Because::Category(c) => format!("분야: {c}"),
                Because::Region(r) => format!(
                    "지역: {}",
                    self.regions.get(r).cloned().unwrap_or_else(|| r.clone())
                ),
                Because::Nationwide => "지역: 전국".into(),
                Because::Industry(k) => format!(
                    "업종: {}",
                    self.ksic.get(k).cloned().unwrap_or_else(|| k.clone())
                ),
                Because::Keyword(k) => format!("키워드: {k}"),
                Because::Target(t) => format!("대상: {t}"),
            })
            .collect();
        let text = if parts.is_empty() {
            "모든 새 공고".to_string()
        } else {
            parts.join(", ")
        };
        if profile {
            format!("내 사업 정보에 맞음 — {text}")
        } else {
            text
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FanoutReport {
    pub criteria_evaluated: usize,
    pub criteria_matched: usize,
    pub subscriptions_matched: usize,
    pub ineligible: usize,
    pub deliveries_created: usize,
}

/// The matching job: announcement → deliveries.
/// `off`: channels the operator switched off (`Channels::switched_off`); nothing is
/// planned on them.
pub fn run(
    conn: &mut DbConnection,
    id: &str,
    event: &str,
    revision: i32,
    off: &[&str],
    now: NaiveDateTime,
) -> AppResult<FanoutReport> {
    let Some(a) = ann_store::find(conn, id)? else {
        return Ok(FanoutReport::default());
    };
    if a.status() != Status::Published {
        return Ok(FanoutReport::default());
    }
    let (mut report, planned) = plan(conn, &a, off, now)?;
    report.deliveries_created = delivery::insert_all(conn, &planned, now)?;
    if event == "correct" {
        report.deliveries_created += changed_messages(conn, &a, revision, off, now)?;
    }
    Ok(report)
}

/// Who would hear of this announcement, on which channel, and why — without writing
/// anything. The matching job inserts this; the agency console counts it as "reach".
pub fn plan(
    conn: &mut DbConnection,
    a: &Announcement,
    off: &[&str],
    now: NaiveDateTime,
) -> AppResult<(FanoutReport, Vec<NewDelivery>)> {
    let mut report = FanoutReport::default();
    let facts = facts_of(conn, a)?;
    let (evaluated, matched) = matching_criteria(conn, &facts)?;
    report.criteria_evaluated = evaluated;
    report.criteria_matched = matched.len();
    let labels = Labels::load(conn)?;
    let today = to_kst(now).date();
    // One delivery per key; when several of a person's subscriptions match (say an
    // instant profile one and a daily digest one), the most urgent frequency wins. Caps
    // are counted afterwards, once per delivery that is really planned.
    let mut planned: Vec<Planned> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut caps = delivery::Caps::default();
    for chunk in matched.chunks(200) {
        let why: HashMap<&str, &Vec<Because>> =
            chunk.iter().map(|(id, _, w)| (id.as_str(), w)).collect();
        let ids: Vec<&str> = why.keys().copied().collect();
        let subs: Vec<Subscription> = subscriptions::table
            .filter(subscriptions::criteria_id.eq_any(&ids))
            .filter(subscriptions::status.eq("active"))
            .select(Subscription::as_select())
            .load(conn)?;
        report.subscriptions_matched += subs.len();
        let user_ids: Vec<String> = subs
            .iter()
            .filter_map(|s| s.user_id.clone())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let profiles: HashMap<String, OwnerProfile> = store::profiles_of(conn, &user_ids)?
            .into_iter()
            .map(|p| (p.user_id.clone(), p))
            .collect();
        let emails = emails_of(conn, &user_ids)?;
        caps.load(conn, &user_ids, now)?;
        for s in &subs {
            let profile = s.user_id.as_ref().and_then(|u| profiles.get(u));
            // An owner who never confirmed their address hears nothing.
            if s.user_id.is_some()
                && profile
                    .map(|p| p.email_verified_at.is_none())
                    .unwrap_or(false)
            {
                continue;
            }
            if s.is_profile {
                if let Some(p) = profile {
                    if ineligible(p, &facts.eligibility, today).is_some() {
                        report.ineligible += 1;
                        continue;
                    }
                }
            }
            let Some(w) = why.get(s.criteria_id.as_str()) else {
                continue;
            };
            let reason = labels.explain(w, s.is_profile);
            let email = match &s.user_id {
                Some(u) => emails.get(u).cloned(),
                None => s.email.clone(),
            };
            for channel in s.channel_list() {
                // Digests are emails.
                if s.frequency != "instant" && channel != "email" {
                    continue;
                }
                if off.contains(&channel.as_str()) {
                    continue;
                }
                let address = match channel.as_str() {
                    "email" => email.clone(),
                    "sms" => profile.and_then(|p| p.sms_number()),
                    "push" => s.user_id.as_ref().map(|_| String::new()),
                    _ => None,
                };
                let Some(address) = address else { continue };
                let d = NewDelivery {
                    user_id: s.user_id.clone(),
                    subscription_id: Some(s.id.clone()),
                    announcement_id: Some(a.id.clone()),
                    agency_id: a.owner_agency_id.clone(),
                    channel: channel.clone(),
                    kind: "new".into(),
                    frequency: s.frequency.clone(),
                    address,
                    reason: reason.clone(),
                    detail: serde_json::json!({}),
                };
                let candidate = Planned {
                    delivery: d,
                    daily_cap: profile.map(|p| p.daily_cap),
                    email: email.clone(),
                };
                match by_key.entry(candidate.delivery.key()) {
                    Entry::Vacant(v) => {
                        v.insert(planned.len());
                        planned.push(candidate);
                    }
                    Entry::Occupied(o) => {
                        let kept = &mut planned[*o.get()];
                        if urgency(&candidate.delivery.frequency)
                            < urgency(&kept.delivery.frequency)
                        {
                            *kept = candidate;
                        }
                    }
                }
            }
        }
    }
    let out = planned
        .into_iter()
        .filter_map(|p| caps.apply(p.delivery, p.daily_cap, p.email.as_deref()))
        .collect();
    Ok((report, out))
}

/// A delivery `plan` intends, with what the daily cap needs to know about its person.
struct Planned {
    delivery: NewDelivery,
    daily_cap: Option<i32>,
    email: Option<String>,
}

/// Lower is sooner: an instant alert beats a daily digest item beats a weekly one.
fn urgency(frequency: &str) -> u8 {
    match frequency {
        "instant" => 0,
        "daily" => 1,
        _ => 2,
    }
}

/// Who `a` would reach if published now (the console's alert page and its publish
/// confirmation): people, subscriptions, those left out by eligibility, per channel.
pub fn reach(
    conn: &mut DbConnection,
    a: &crate::announcements::model::Announcement,
    off: &[&str],
    now: chrono::NaiveDateTime,
) -> AppResult<serde_json::Value> {
    let (report, planned) = plan(conn, a, off, now)?;
    let mut by_channel: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut recipients = HashSet::new();
    for d in &planned {
        let e = by_channel.entry(d.channel.clone()).or_default();
        if d.frequency == "instant" {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
        recipients.insert(d.recipient());
    }
    Ok(serde_json::json!({
        "recipients": recipients.len(),
        "subscriptions": report.subscriptions_matched,
        "ineligible": report.ineligible,
        "criteria": report.criteria_matched,
        "channels": by_channel.iter().map(|(c, (i, d))| serde_json::json!({
            "channel": super::model::channel_label(c), "instant": i, "digest": d
        })).collect::<Vec<_>>(),
    }))
}

/// "What changed" messages for a material correction: to everyone who bookmarked the
/// announcement and everyone already told about it.
fn changed_messages(
    conn: &mut DbConnection,
    a: &Announcement,
    revision: i32,
    off: &[&str],
    now: NaiveDateTime,
) -> AppResult<usize> {
    let Some(rev) = ann_store::revisions_of(conn, &a.id)?
        .into_iter()
        .find(|r| r.revision == revision)
    else {
        return Ok(0);
    };
    let changes: Vec<crate::announcements::model::FieldChange> =
        serde_json::from_str(&rev.diff).unwrap_or_default();
    let material: Vec<_> = changes.into_iter().filter(|c| c.material).collect();
    if material.is_empty() {
        return Ok(0);
    }
    let detail =
        serde_json::json!({"revision": revision, "reason": rev.reason, "changes": material});
    let mut out: Vec<NewDelivery> = Vec::new();
    let bookmarkers: Vec<String> = bookmarks::table
        .filter(bookmarks::announcement_id.eq(&a.id))
        .select(bookmarks::user_id)
        .load(conn)?;
    let profiles: HashMap<String, OwnerProfile> = store::profiles_of(conn, &bookmarkers)?
        .into_iter()
        .map(|p| (p.user_id.clone(), p))
        .collect();
    let emails = emails_of(conn, &bookmarkers)?;
    for u in &bookmarkers {
        let channels = profiles
            .get(u)
            .map(|p| p.reminder_channel_list())
            .unwrap_or_else(|| vec!["email".into()]);
        for ch in channels {
            let address = match ch.as_str() {
                "email" => emails.get(u).cloned(),
                "sms" => profiles.get(u).and_then(|p| p.sms_number()),
                "push" => Some(String::new()),
                _ => None,
            };
            let Some(address) = address else { continue };
            out.push(NewDelivery {
                user_id: Some(u.clone()),
                subscription_id: None,
                announcement_id: Some(a.id.clone()),
                agency_id: a.owner_agency_id.clone(),
                channel: ch,
                kind: format!("changed_r{revision}"),
                frequency: "instant".into(),
                address,
                reason: super::messages::REASON_BOOKMARKED.into(),
                detail: detail.clone(),
            });
        }
    }
    // Everyone already told about it, on the channel they were told on.
    let told: Vec<(Option<String>, Option<String>, String, String)> = deliveries::table
        .filter(deliveries::announcement_id.eq(&a.id))
        .filter(deliveries::kind.eq("new"))
        .filter(deliveries::status.eq_any([
            super::delivery::DeliveryStatus::Sent.as_str(),
            super::delivery::DeliveryStatus::Digested.as_str(),
        ]))
        .select((
            deliveries::user_id,
            deliveries::subscription_id,
            deliveries::channel,
            deliveries::address,
        ))
        .load(conn)?;
    // The alert that told them, by name, so the message can say why it came.
    let sub_ids: Vec<String> = told.iter().filter_map(|t| t.1.clone()).collect();
    let mut names: HashMap<String, String> = HashMap::new();
    for chunk in sub_ids.chunks(500) {
        names.extend(
            subscriptions::table
                .filter(subscriptions::id.eq_any(chunk))
                .select((subscriptions::id, subscriptions::name))
                .load::<(String, String)>(conn)?,
        );
    }
    for (user_id, subscription_id, channel, address) in told {
        let reason = match subscription_id.as_ref().and_then(|s| names.get(s)) {
            Some(name) => format!("{} '{name}'", super::messages::REASON_TOLD),
            None => super::messages::REASON_TOLD.to_string(),
        };
        out.push(NewDelivery {
            user_id,
            subscription_id,
            announcement_id: Some(a.id.clone()),
            agency_id: a.owner_agency_id.clone(),
            channel,
            kind: format!("changed_r{revision}"),
            frequency: "instant".into(),
            address,
            reason,
            detail: detail.clone(),
        });
    }
    out.retain(|d| !off.contains(&d.channel.as_str()));
    // Whoever stopped this announcement's corrections (the way out of an earlier one).
    let muted = store::mutes_of(conn, std::slice::from_ref(&a.id), store::MUTE_CHANGED)?;
    out.retain(|d| !muted.contains(&(d.recipient(), a.id.clone())));
    delivery::insert_all(conn, &out, now)
}

fn emails_of(conn: &mut DbConnection, ids: &[String]) -> AppResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .filter(users::active.eq(true))
            .select((users::id, users::email))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
