//! One error type for the whole app. Pages render `templates/errors/<status>.html`,
//! `/api/v1` answers `{"error": "snake_code", "message": "…"}` (see `web::errors`).
//! The cause is logged; the person sees a safe Korean message.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("login required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A bad request with its own stable API code (`push_keys_missing`, …).
    #[error("invalid request ({code}): {message}")]
    Invalid { code: &'static str, message: String },
    #[error("invalid CSRF token")]
    Csrf,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large")]
    TooLarge,
    #[error("too many requests")]
    RateLimited,
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("database pool error: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("configuration error: {0}")]
    Config(String),
    #[error("template error: {0}")]
    Template(#[from] tera::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What the error handler needs to render a page or a JSON body.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid { code, .. } => code,
            AppError::Csrf => "csrf_failed",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge => "payload_too_large",
            AppError::RateLimited => "rate_limited",
            AppError::Db(diesel::result::Error::NotFound) => "not_found",
            _ => "internal_error",
        }
    }

    /// A message safe to show a person.
    pub fn public_message(&self) -> String {
        match self {
            AppError::NotFound | AppError::Db(diesel::result::Error::NotFound) => {
                "요청하신 페이지나 공고를 찾을 수 없습니다.".into()
            }
            AppError::Unauthorized => "로그인이 필요합니다.".into(),
            AppError::Forbidden => "이 작업을 할 권한이 없습니다.".into(),
            AppError::BadRequest(m) | AppError::Invalid { message: m, .. } => m.clone(),
            AppError::Csrf => {
                "보안 토큰이 만료되었거나 올바르지 않습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요."
                    .into()
            }
            AppError::Conflict(m) => m.clone(),
            AppError::TooLarge => "파일이나 요청이 너무 큽니다.".into(),
            AppError::RateLimited => "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.".into(),
            _ => "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.".into(),
        }
    }

    /// A 400 whose API answer carries `code` (snake_case, stable for callers).
    pub fn invalid(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            code,
            message: message.into(),
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Db(diesel::result::Error::NotFound) => {
                StatusCode::NOT_FOUND
            }
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) | AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut resp = HttpResponse::build(status);
        resp.insert_header(("Cache-Control", "no-store"));
        let mut resp = resp.finish();
        resp.extensions_mut().insert(ErrorInfo {
            code: self.code(),
            message: self.public_message(),
        });
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;
