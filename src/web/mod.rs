//! The web layer: one module per area, each with its `routes()`; mounted in `app::build`.

pub mod account;
pub mod admin;
pub mod api;
pub mod api_data;
pub mod application_form;
pub mod applications;
pub mod attachments;
pub mod authz;
pub mod award;
pub mod award_public;
pub mod bid_reading;
pub mod bids;
pub mod calendar_admin;
pub mod catchers;
pub mod chunks;
pub mod clean_input;
pub mod complaints;
pub mod confirm;
pub mod contract_manage;
pub mod ctx;
pub mod dashboard;
pub mod delivery;
pub mod directory;
pub mod eval_committee;
pub mod eval_org;
pub mod eval_public;
pub mod eval_review;
pub mod evaluation;
pub mod experts;
pub mod feeds;
pub mod filings;
pub mod filters;
pub mod finance;
pub mod forms;
pub mod headers;
pub mod history;
pub mod home;
pub mod low_price;
pub mod method_approval;
pub mod ocds;
pub mod opendata;
pub mod org_procurement;
pub mod org_relations;
pub mod orgs;
pub mod oversight;
pub mod page_cache;
pub mod panel_seat;
pub mod password;
pub mod project_docs;
pub mod project_form;
pub mod projects;
pub mod purchase;
pub mod purchase_qa;
pub mod registry;
pub mod scoring;
pub mod signup;
pub mod stats;
pub mod supervision;
pub mod suppliers;
pub mod template;

use rocket::{Catcher, Route};

pub fn routes() -> Vec<Route> {
    let mut r = Vec::new();
    r.extend(home::routes());
    r.extend(account::routes());
    r.extend(signup::routes());
    r.extend(password::routes());
    r.extend(dashboard::routes());
    r.extend(admin::routes());
    r.extend(calendar_admin::routes());
    r.extend(orgs::routes());
    r.extend(api::routes());
    r.extend(history::routes());
    r.extend(directory::routes());
    r.extend(applications::routes());
    r.extend(attachments::routes());
    r.extend(registry::routes());
    r.extend(supervision::routes());
    r.extend(oversight::routes());
    r.extend(filings::routes());
    r.extend(evaluation::routes());
    r.extend(eval_org::routes());
    r.extend(eval_review::routes());
    r.extend(eval_public::routes());
    r.extend(scoring::routes());
    r.extend(purchase::routes());
    r.extend(purchase_qa::routes());
    r.extend(projects::routes());
    r.extend(project_docs::routes());
    r.extend(bids::routes());
    r.extend(bid_reading::routes());
    r.extend(org_procurement::routes());
    r.extend(org_relations::routes());
    r.extend(suppliers::routes());
    r.extend(experts::routes());
    r.extend(method_approval::routes());
    r.extend(panel_seat::routes());
    r.extend(low_price::routes());
    r.extend(award::routes());
    r.extend(award_public::routes());
    r.extend(complaints::routes());
    r.extend(finance::routes());
    r.extend(contract_manage::routes());
    r.extend(delivery::routes());
    r.extend(ocds::routes());
    r.extend(feeds::routes());
    r.extend(opendata::routes());
    r.extend(stats::routes());
    r.extend(api_data::routes());
    r
}

pub fn catchers() -> Vec<Catcher> {
    catchers::all()
}
