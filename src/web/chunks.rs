//! Responses whose length is known go out in one piece. Rocket hands a body to hyper in chunks
//! of at most 4 KiB by default, each through a channel and usually its own socket write; a
//! 14 KB page took four. Measured with `bench/portal.sh`: a cached page went from about 30,000
//! to about 60,000 requests per second on the benchmark machine with this alone. Streamed
//! bodies (CSV, the OCDS bulk package) keep the default, so their buffers stay small.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Request, Response};

/// The largest body sent as one chunk; Rocket allocates a buffer of the chunk size.
const MAX_ONE_CHUNK: usize = 1 << 20;

pub struct WholeBodies;

#[rocket::async_trait]
impl Fairing for WholeBodies {
    fn info(&self) -> Info {
        Info {
            name: "whole bodies",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, _req: &'r Request<'_>, res: &mut Response<'r>) {
        if let Some(n) = res.body().preset_size() {
            if n > rocket::response::Body::DEFAULT_MAX_CHUNK && n <= MAX_ONE_CHUNK {
                res.set_max_chunk_size(n);
            }
        }
    }
}
