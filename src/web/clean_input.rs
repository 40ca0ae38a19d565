//! The URL half of the input check (`domain::text`; the form half is `CsrfForm`): every path
//! segment and query parameter of every request is checked before routing, so no handler can
//! forget. A request that fails is routed nowhere (its path is replaced by one no route
//! matches) and answered with 400 and the reason in the person's language, as a page or, under
//! `/api/`, a JSON problem. Nothing runs, so nothing is written.

use crate::domain::text::{self, Origin, TextError};
use crate::platform::error::render_error;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin as Uri;
use rocket::http::Status;
use rocket::{Data, Request, Response};

pub struct CleanInput;

/// Why this request's URL was refused, if it was.
#[derive(Debug, Clone, Copy)]
struct Refused(Option<TextError>);

/// The first problem in a request's path and query.
pub fn url_problem(path: &str, query: Option<&str>) -> Option<TextError> {
    let params = query.into_iter().flat_map(|q| q.split('&')).flat_map(|p| {
        let (n, v) = p.split_once('=').unwrap_or((p, ""));
        [n, v]
    });
    path.split('/')
        .chain(params)
        .find_map(|s| text::check_encoded(s, Origin::Url).err())
}

#[rocket::async_trait]
impl Fairing for CleanInput {
    fn info(&self) -> Info {
        Info {
            name: "clean input in URLs",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let uri = req.uri();
        let problem = url_problem(uri.path().as_str(), uri.query().map(|q| q.as_str()));
        req.local_cache(|| Refused(problem));
        if problem.is_some() {
            let nowhere = if crate::platform::error::is_api(req) {
                "/api/.refused"
            } else {
                "/.refused"
            };
            req.set_uri(Uri::path_only(nowhere));
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        if let Refused(Some(problem)) = req.local_cache(|| Refused(None)) {
            if let Ok(page) = render_error(req, Status::BadRequest, problem.url_message_key()) {
                *res = page;
            }
        }
    }
}
