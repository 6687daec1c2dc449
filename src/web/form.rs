//! The one form kit: [`Form`], the values a form sent, and [`FieldErrors`], the problems
//! found in them, shown by `templates/_form_errors.html` (the summary) and the `error`
//! macro of `templates/macros.html` (the message at a field). A leaf: it knows no domain.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{AppError, AppResult};

/// Values of an `application/x-www-form-urlencoded` body, kept for re-rendering: `v` the
/// single-valued fields (the last value sent wins), `m` the multi-valued ones (checkbox
/// groups, multi selects). NUL characters are dropped: nobody types one, and PostgreSQL
/// text cannot store it. Templates read `f.v.name` and `f.m.name`.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Form {
    pub v: BTreeMap<String, String>,
    pub m: BTreeMap<String, Vec<String>>,
}

impl Form {
    /// Parse `body`; the fields named in `multi` are lists.
    pub fn parse(body: &[u8], multi: &[&str]) -> AppResult<Form> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| AppError::BadRequest("양식 데이터를 읽을 수 없습니다.".into()))?;
        Ok(Form::from_pairs(pairs, multi))
    }

    /// The form of already decoded pairs; the fields named in `multi` are lists.
    pub fn from_pairs(pairs: Vec<(String, String)>, multi: &[&str]) -> Form {
        let mut f = Form::default();
        for (k, v) in pairs {
            let v = if v.contains('\0') {
                v.replace('\0', "")
            } else {
                v
            };
            if multi.contains(&k.as_str()) {
                f.m.entry(k).or_default().push(v);
            } else {
                f.v.insert(k, v);
            }
        }
        f
    }

    /// The trimmed value of a single-valued field, "" when absent.
    pub fn get(&self, k: &str) -> &str {
        self.v.get(k).map(|s| s.trim()).unwrap_or("")
    }

    /// The trimmed value, or None when absent or blank.
    pub fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// The values of a multi-valued field, as sent.
    pub fn list(&self, k: &str) -> Vec<String> {
        self.m.get(k).cloned().unwrap_or_default()
    }

    pub fn set(&mut self, k: &str, v: impl Into<String>) {
        self.v.insert(k.to_string(), v.into());
    }

    pub fn set_list(&mut self, k: &str, v: Vec<String>) {
        self.m.insert(k.to_string(), v);
    }
}

/// Validation problems, one Korean message per field, in the order they were found
/// (which the summary shows, so check fields in form order or call [`Self::ordered`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// A single problem.
    pub fn one(field: &str, message: impl Into<String>) -> FieldErrors {
        FieldErrors(vec![(field.to_string(), message.into())])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Note a problem at `field`, unless it already has one (the first found stands).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field.to_string(), message.into()));
        }
    }

    /// Note a problem at `field`, replacing one found earlier (the last found stands).
    pub fn set(&mut self, field: &str, message: impl Into<String>) {
        match self.0.iter_mut().find(|(f, _)| f == field) {
            Some(e) => e.1 = message.into(),
            None => self.0.push((field.to_string(), message.into())),
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, m)| (f.as_str(), m.as_str()))
    }

    /// The problems in the order of `fields` (the form's order); fields not named follow.
    pub fn ordered(mut self, fields: &[&str]) -> FieldErrors {
        let pos = |f: &str| fields.iter().position(|x| *x == f).unwrap_or(fields.len());
        self.0.sort_by_key(|(f, _)| pos(f));
        self
    }

    /// Put the problems into a page: `errors` (field → message, for the `error` macro),
    /// `error_list` (`{field, message}` in order, for the summary) and `error_count`.
    pub fn insert_into(&self, ctx: &mut tera::Context) {
        #[derive(Serialize)]
        struct Item<'a> {
            field: &'a str,
            message: &'a str,
        }
        let map: BTreeMap<&str, &str> = self.iter().collect();
        let list: Vec<Item> = self
            .iter()
            .map(|(field, message)| Item { field, message })
            .collect();
        ctx.insert("errors", &map);
        ctx.insert("error_list", &list);
        ctx.insert("error_count", &list.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_trims_and_drops_nul() {
        let f = Form::parse(
            b"reminder_days=7&reminder_days=1&phone=010&x=%20a%20&t=a%00b&phone=011",
            &["reminder_days"],
        )
        .unwrap();
        assert_eq!(f.list("reminder_days"), vec!["7", "1"]);
        assert_eq!(f.get("x"), "a");
        assert_eq!(f.get("t"), "ab");
        assert_eq!(f.get("phone"), "011");
        assert_eq!(f.opt("missing"), None);
    }

    #[test]
    fn errors_keep_order_and_one_message_per_field() {
        let mut e = FieldErrors::new();
        e.add("b", "first b");
        e.add("a", "a");
        e.add("b", "second b");
        assert_eq!(e.get("b"), Some("first b"));
        e.set("b", "last b");
        assert_eq!(e.get("b"), Some("last b"));
        assert_eq!(e.len(), 2);
        let e = e.ordered(&["a", "b"]);
        assert_eq!(e.iter().map(|(f, _)| f).collect::<Vec<_>>(), vec!["a", "b"]);
        let mut ctx = tera::Context::new();
        e.insert_into(&mut ctx);
        assert_eq!(ctx.get("error_count"), Some(&serde_json::json!(2)));
    }
}
