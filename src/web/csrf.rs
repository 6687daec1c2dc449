//! CSRF protection for every form: an extractor handlers take (`Csrf`) and the
//! middleware that sets the cookie it made. A web concern, with no account in it.

use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};

use crate::error::AppError;
use crate::ids::random_token;
use crate::AppState;

pub const CSRF_COOKIE: &str = "jiwon_csrf";

/// The CSRF token of this request. The cookie holds a random nonce and the server's
/// signature of it (`nonce.sig`, so a value the visitor chose is never accepted as a
/// cookie); forms carry a second signature, of the whole cookie value, under the CSRF
/// form key, which `verify` checks. Both keys are used for nothing else.
#[derive(Debug, Clone)]
pub struct Csrf {
    cookie_value: String,
    form_values: Vec<String>,
}

#[derive(Debug, Clone)]
struct CsrfCookie {
    value: String,
    is_new: bool,
}

impl Csrf {
    /// The value to put in the form's hidden `csrf_token` field.
    pub fn token(&self) -> &str {
        self.form_values.first().map(String::as_str).unwrap_or("")
    }
    /// A submitted token is good when it signs this visitor's cookie under the current
    /// secret or a previous one (a form rendered before a rotation).
    pub fn verify(&self, submitted: &str) -> Result<(), AppError> {
        if self.cookie_value.is_empty() || submitted.is_empty() {
            return Err(AppError::Csrf);
        }
        if self
            .form_values
            .iter()
            .any(|v| crate::signing::same(v, submitted))
        {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

/// A cookie value the server issued: `nonce.sig`, the nonce 32 alphanumerics.
fn issued_csrf_cookie(keys: &crate::signing::Keys, value: &str) -> bool {
    match value.split_once('.') {
        Some((nonce, sig)) => {
            nonce.len() == 32
                && nonce.bytes().all(|b| b.is_ascii_alphanumeric())
                && keys.verify(crate::signing::Purpose::CsrfCookie, nonce, sig)
        }
        None => false,
    }
}

impl FromRequest for Csrf {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    /// Reads the CSRF cookie, or makes one (set on the response by `csrf_middleware`).
    /// Pages without forms never touch it, so they stay cacheable.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(state) = req.app_data::<actix_web::web::Data<AppState>>().cloned() else {
            return std::future::ready(Err(AppError::internal("app state missing")));
        };
        let keys = &state.keys;
        // Two statements: `req.cookie` borrows the extensions mutably.
        let from_ext = req
            .extensions()
            .get::<CsrfCookie>()
            .map(|c| c.value.clone());
        let existing = from_ext
            .or_else(|| req.cookie(CSRF_COOKIE).map(|c| c.value().to_string()))
            .filter(|v| issued_csrf_cookie(keys, v));
        let value = match existing {
            Some(v) => v,
            None => {
                let nonce = random_token(32);
                let v = format!(
                    "{nonce}.{}",
                    keys.sign(crate::signing::Purpose::CsrfCookie, &nonce)
                );
                req.extensions_mut().insert(CsrfCookie {
                    value: v.clone(),
                    is_new: true,
                });
                v
            }
        };
        let form_values = keys.all_signatures(crate::signing::Purpose::CsrfForm, &value);
        std::future::ready(Ok(Csrf {
            cookie_value: value,
            form_values,
        }))
    }
}

/// Sets the CSRF cookie when a handler created one for this visitor.
pub async fn csrf_middleware(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let secure = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|s| s.config.is_production())
        .unwrap_or(false);
    let mut res = next.call(req).await?;
    let new_cookie = res
        .request()
        .extensions()
        .get::<CsrfCookie>()
        .filter(|c| c.is_new)
        .map(|c| c.value.clone());
    if let Some(value) = new_cookie {
        let cookie = actix_web::cookie::Cookie::build(CSRF_COOKIE, value)
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(actix_web::cookie::SameSite::Lax)
            .finish();
        let _ = res.response_mut().add_cookie(&cookie);
        res.response_mut().headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("private, no-store"),
        );
    }
    Ok(res)
}
