//! Error pages for 400/401/403/404/422/500 (and the other statuses Rocket may raise) inside the
//! layout, JSON problems under /api. A browser without a session is sent to the login page.

use crate::platform::error::{is_api, render_error, CsrfRefused, TextRefused};
use rocket::http::Status;
use rocket::response::{self, Redirect, Responder};
use rocket::{catch, catchers, Catcher, Request};

pub struct ErrorResponse(Status);

impl<'r> Responder<'r, 'static> for ErrorResponse {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let status = self.0;
        if status == Status::Unauthorized && !is_api(req) {
            let next = req.uri().path().to_string();
            let target = format!("/login?next={}", crate::web::forms::urlencode(&next));
            return Redirect::to(target).respond_to(req);
        }
        if let Some(pending) = &req
            .local_cache(crate::web::confirm::ConfirmNeeded::default)
            .0
        {
            return crate::web::confirm::render(req, pending);
        }
        let text = req.local_cache(|| TextRefused(None)).0;
        let key = if status == Status::Forbidden && req.local_cache(|| CsrfRefused(false)).0 {
            "err-csrf"
        } else if let Some(key) = text.filter(|_| status == Status::UnprocessableEntity) {
            key
        } else {
            crate::platform::error::status_message_key(status)
        };
        render_error(req, status, key)
    }
}

#[catch(default)]
fn any(status: Status, _req: &Request<'_>) -> ErrorResponse {
    ErrorResponse(status)
}

pub fn all() -> Vec<Catcher> {
    catchers![any]
}
