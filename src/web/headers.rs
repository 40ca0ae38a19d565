//! Security headers on every response: a CSP without inline script, no framing, no sniffing,
//! a strict referrer policy.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{ContentType, Header, Method, Status};
use rocket::{Request, Response};

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub struct SecurityHeaders;

#[rocket::async_trait]
impl Fairing for SecurityHeaders {
    fn info(&self) -> Info {
        Info {
            name: "security headers",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        // Rocket cannot route TRACE, CONNECT or the newer methods: on the API anything but GET
        // that found no route is answered as not allowed.
        if !matches!(req.method(), Method::Get | Method::Head)
            && res.status() == Status::NotFound
            && req.uri().path().starts_with("/api/")
        {
            let body = r#"{"type":"about:blank","title":"Method Not Allowed","status":405}"#;
            res.set_status(Status::MethodNotAllowed);
            res.set_header(Header::new("Allow", "GET"));
            res.set_header(ContentType::new("application", "problem+json"));
            res.set_sized_body(body.len(), std::io::Cursor::new(body));
        }
        res.set_header(Header::new("Content-Security-Policy", CSP));
        res.set_header(Header::new("X-Frame-Options", "DENY"));
        res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
        res.set_header(Header::new("Referrer-Policy", "same-origin"));
        res.set_header(Header::new(
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ));
    }
}
