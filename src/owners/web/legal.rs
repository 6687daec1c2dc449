//! 이용약관, 개인정보 처리방침 and the help page: public, the same for everyone, their
//! operator facts from the configuration (`legal::Operator`).

use actix_web::{web, HttpResponse};

use crate::accounts::page;
use crate::accounts::CurrentUser;
use crate::error::AppResult;
use crate::legal::{Operator, PRIVACY_VERSION, TERMS_VERSION};
use crate::web::render;
use crate::AppState;

fn legal_page(
    state: &AppState,
    user: Option<&CurrentUser>,
    template: &str,
) -> AppResult<HttpResponse> {
    let mut ctx = page(user, None);
    ctx.insert("operator", &Operator::from_config(&state.config));
    ctx.insert("terms_version", TERMS_VERSION);
    ctx.insert("privacy_version", PRIVACY_VERSION);
    render(state, template, &ctx)
}

pub(super) async fn terms(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
) -> AppResult<HttpResponse> {
    legal_page(&state, user.as_ref(), "legal/terms.html")
}

pub(super) async fn privacy(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
) -> AppResult<HttpResponse> {
    legal_page(&state, user.as_ref(), "legal/privacy.html")
}

pub(super) async fn help(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
) -> AppResult<HttpResponse> {
    legal_page(&state, user.as_ref(), "legal/help.html")
}
