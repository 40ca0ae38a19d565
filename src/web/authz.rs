//! The authorization matrix: every route the application registers, and who may use it. The
//! guards in each handler enforce it; `tests/it/authz.rs` calls every route as every demo role
//! (with a valid CSRF token, so a refusal means the role) and fails when a route has no row here.
//! Later issues add their rows.

use crate::domain::role::Role;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Anyone, signed in or not (what happens next may depend on a token in the URL).
    Anyone,
    /// Any signed-in user.
    SignedIn,
    /// A signed-in user holding this staff role.
    Role(Role),
    /// A signed-in user holding any staff role.
    AnyStaff,
    /// A purchaser (of the project's department), or staff of the procurement agency the
    /// project in the path is entrusted to.
    Procurer,
    /// A current member of the organization in the path (`<org>`).
    OrgMember,
    /// The admin of the organization in the path.
    OrgAdmin,
    /// The admin of the organization in the path, or the member whose membership it is.
    OrgAdminOrSelf,
    /// The applicant of the application in the path (`<id>`).
    Applicant,
    /// A registrar of the authority the organization in the path (`<org>`) is registered with.
    RegistrarOfOrg,
    /// A registrar of the authority the application in the path was made to.
    RegistrarOfApplication,
    /// The applicant, or a registrar of the application's authority (drafts are the
    /// applicant's alone: such a registrar gets 404 until it is submitted).
    ApplicationReader,
}

#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub method: &'static str,
    /// The route's URI exactly as Rocket shows it.
    pub uri: &'static str,
    pub who: Who,
}

const fn rule(method: &'static str, uri: &'static str, who: Who) -> Rule {
    Rule { method, uri, who }
}

pub const MATRIX: &[Rule] = &[
    // Public pages and the account flows that start without a session.
    rule("GET", "/", Who::Anyone),
    rule("GET", "/static/app.css", Who::Anyone),
    rule("GET", "/static/sheet.js", Who::Anyone),
    rule("GET", "/static/form-check.js", Who::Anyone),
    rule("GET", "/lang?<lang>&<next>", Who::Anyone),
    rule("POST", "/lang", Who::Anyone),
    rule("GET", "/login?<next>", Who::Anyone),
    rule("POST", "/login", Who::Anyone),
    rule("POST", "/logout", Who::Anyone),
    rule("GET", "/signup", Who::Anyone),
    rule("POST", "/signup", Who::Anyone),
    rule("GET", "/signup/sent", Who::Anyone),
    rule("GET", "/confirm/<token>", Who::Anyone),
    rule("POST", "/confirm/<token>", Who::Anyone),
    rule("GET", "/password/forgot", Who::Anyone),
    rule("POST", "/password/forgot", Who::Anyone),
    rule("GET", "/password/reset/<token>", Who::Anyone),
    rule("POST", "/password/reset/<token>", Who::Anyone),
    rule("GET", "/audit/heads", Who::Anyone),
    rule("GET", "/api/v1/health", Who::Anyone),
    rule(
        "GET",
        "/directory?<q>&<org_type>&<category>&<district>&<status>&<grade>&<page>",
        Who::Anyone,
    ),
    rule("GET", "/organizations/<id>", Who::Anyone),
    rule("GET", "/organizations/<id>/certificate", Who::Anyone),
    rule("GET", "/announcements", Who::Anyone),
    rule("GET", "/directory/filings?<q>", Who::Anyone),
    // Signed in.
    rule("GET", "/dashboard", Who::SignedIn),
    rule("GET", "/account", Who::SignedIn),
    rule("POST", "/account/profile", Who::SignedIn),
    rule("POST", "/account/password", Who::SignedIn),
    rule("POST", "/account/sessions/<id>/end", Who::SignedIn),
    rule("POST", "/account/logout-all", Who::SignedIn),
    rule("GET", "/api/v1/me", Who::SignedIn),
    rule("GET", "/invitations/<token>", Who::SignedIn),
    rule("POST", "/invitations/<token>/accept", Who::SignedIn),
    // Registration applications: the applicant's own.
    rule("GET", "/applications", Who::SignedIn),
    rule("POST", "/applications", Who::SignedIn),
    rule("GET", "/applications/<id>", Who::Applicant),
    rule("GET", "/applications/<id>/<section>", Who::Applicant),
    rule("POST", "/applications/<id>/<section>", Who::Applicant),
    rule("GET", "/applications/<id>/check", Who::Applicant),
    rule("POST", "/applications/<id>/submit", Who::Applicant),
    rule("POST", "/applications/<id>/withdraw", Who::Applicant),
    rule("POST", "/applications/<id>/officers", Who::Applicant),
    rule(
        "POST",
        "/applications/<id>/officers/<officer>/remove",
        Who::Applicant,
    ),
    rule("POST", "/applications/<id>/attachments", Who::Applicant),
    rule(
        "POST",
        "/applications/<id>/attachments/<att>/remove",
        Who::Applicant,
    ),
    rule(
        "GET",
        "/applications/<id>/attachments/<att>",
        Who::ApplicationReader,
    ),
    rule(
        "GET",
        "/applications/<id>/notices/<doc>",
        Who::ApplicationReader,
    ),
    // The registry: registrars, on their own authority's cases.
    rule("GET", "/registry", Who::Role(Role::Registrar)),
    rule("GET", "/registry/filings", Who::Role(Role::Registrar)),
    rule("POST", "/registry/filings", Who::Role(Role::Registrar)),
    rule(
        "GET",
        "/registry/applications/<id>",
        Who::RegistrarOfApplication,
    ),
    rule(
        "POST",
        "/registry/applications/<id>/<action>",
        Who::RegistrarOfApplication,
    ),
    rule("GET", "/registry/orgs/<org>", Who::RegistrarOfOrg),
    rule(
        "POST",
        "/registry/orgs/<org>/reports/<report>/outcome",
        Who::RegistrarOfOrg,
    ),
    rule(
        "POST",
        "/registry/orgs/<org>/penalties",
        Who::RegistrarOfOrg,
    ),
    rule(
        "POST",
        "/registry/orgs/<org>/penalties/<penalty>/close",
        Who::RegistrarOfOrg,
    ),
    rule("POST", "/registry/orgs/<org>/listings", Who::RegistrarOfOrg),
    rule(
        "POST",
        "/registry/orgs/<org>/listings/<listing>/remove",
        Who::RegistrarOfOrg,
    ),
    rule("POST", "/registry/orgs/<org>/revoke", Who::RegistrarOfOrg),
    rule(
        "POST",
        "/registry/orgs/<org>/listings/<listing>/verify",
        Who::RegistrarOfOrg,
    ),
    rule(
        "POST",
        "/registry/orgs/<org>/requests/<request>/answer",
        Who::RegistrarOfOrg,
    ),
    rule(
        "POST",
        "/registry/orgs/<org>/changes/<app>/revoke",
        Who::RegistrarOfOrg,
    ),
    // Organizations: own organization only.
    rule("GET", "/orgs/<org>/members", Who::OrgMember),
    rule("POST", "/orgs/<org>/invitations", Who::OrgAdmin),
    rule(
        "POST",
        "/orgs/<org>/members/<member>/end",
        Who::OrgAdminOrSelf,
    ),
    rule("POST", "/orgs/<org>/admin-handover", Who::OrgAdmin),
    rule("GET", "/orgs/<org>/registry", Who::OrgMember),
    rule("POST", "/orgs/<org>/annual-reports", Who::OrgAdmin),
    rule("POST", "/orgs/<org>/changes", Who::OrgAdmin),
    rule("POST", "/orgs/<org>/deregistration", Who::OrgAdmin),
    rule(
        "POST",
        "/orgs/<org>/listings/<listing>/requests",
        Who::OrgAdmin,
    ),
    // Evaluation: officers on their own authority's rounds, experts on their own assignments
    // (anyone else's is absent), organizations on their own applications; notices public.
    rule("GET", "/evaluation", Who::Role(Role::EvaluationOfficer)),
    rule(
        "POST",
        "/evaluation/rounds",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule(
        "GET",
        "/evaluation/rounds/<id>",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule(
        "POST",
        "/evaluation/rounds/<id>/committee",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule(
        "POST",
        "/evaluation/rounds/<id>/notice",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule(
        "POST",
        "/evaluation/rounds/<id>/announce",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule(
        "GET",
        "/evaluation/applications/<id>",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule(
        "POST",
        "/evaluation/applications/<id>/assign",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule(
        "GET",
        "/evaluation/objections",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule(
        "POST",
        "/evaluation/objections/<id>/answer",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule(
        "GET",
        "/evaluation/downgrades",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule(
        "POST",
        "/evaluation/downgrades/<id>",
        Who::Role(Role::EvaluationOfficer),
    ),
    rule("GET", "/scoring", Who::Role(Role::Expert)),
    rule("GET", "/scoring/<id>", Who::Role(Role::Expert)),
    rule("POST", "/scoring/<id>", Who::Role(Role::Expert)),
    rule("POST", "/scoring/<id>/declare", Who::Role(Role::Expert)),
    rule("GET", "/orgs/<org>/evaluation", Who::OrgMember),
    rule("POST", "/orgs/<org>/evaluation/<round>", Who::OrgAdmin),
    rule(
        "POST",
        "/orgs/<org>/evaluation/applications/<id>/review",
        Who::OrgAdmin,
    ),
    rule("GET", "/evaluation/evidence/<id>", Who::SignedIn),
    rule("GET", "/evaluation/notices", Who::Anyone),
    rule("GET", "/evaluation/rounds/<id>/notice", Who::Anyone),
    rule("POST", "/evaluation/rounds/<id>/objections", Who::Anyone),
    // Answered objections by reference, without personal data; one objection's page to
    // whoever holds its secret link (an unknown token is absent).
    rule("GET", "/evaluation/rounds/<id>/objections", Who::Anyone),
    rule("GET", "/evaluation/objections/ref/<token>", Who::Anyone),
    rule("GET", "/grades/<id>/certificate", Who::Anyone),
    rule("GET", "/grades/void", Who::Anyone),
    rule(
        "POST",
        "/evaluation/grades/<id>/returned",
        Who::Role(Role::EvaluationOfficer),
    ),
    // Service purchase: the public side, organizations, purchasers.
    rule("GET", "/projects?<f..>", Who::Anyone),
    rule("GET", "/intentions?<f..>", Who::Anyone),
    // Open data: lists, downloads, dictionary, statistics and the API (issue 9).
    rule("GET", "/openings?<f..>", Who::Anyone),
    rule("GET", "/openings/bids?<f..>", Who::Anyone),
    rule("GET", "/awards?<f..>", Who::Anyone),
    rule("GET", "/grades?<f..>", Who::Anyone),
    rule("GET", "/payments?<f..>", Who::Anyone),
    rule("GET", "/performance?<f..>", Who::Anyone),
    rule("GET", "/api/v1/payments?<f..>", Who::Anyone),
    rule("GET", "/api/v1/reviews?<f..>", Who::Anyone),
    rule("GET", "/data", Who::Anyone),
    rule("GET", "/data/dictionary", Who::Anyone),
    rule("GET", "/data/<file>?<f..>", Who::Anyone),
    rule("GET", "/statistics?<year>", Who::Anyone),
    rule("GET", "/statistics.csv?<year>", Who::Anyone),
    rule("GET", "/statistics.xlsx?<year>", Who::Anyone),
    // The datasets people asked for (issue 24, item 5), and an intention's page.
    rule("GET", "/credit/abnormal?<f..>", Who::Anyone),
    rule("GET", "/credit/serious?<f..>", Who::Anyone),
    rule("GET", "/challenges?<f..>", Who::Anyone),
    rule("GET", "/complaint-decisions?<f..>", Who::Anyone),
    rule("GET", "/failures?<f..>", Who::Anyone),
    rule("GET", "/intentions/<id>", Who::Anyone),
    rule("GET", "/api/v1/abnormal?<f..>", Who::Anyone),
    rule("GET", "/api/v1/serious?<f..>", Who::Anyone),
    rule("GET", "/api/v1/challenges?<f..>", Who::Anyone),
    rule("GET", "/api/v1/complaints?<f..>", Who::Anyone),
    rule("GET", "/api/v1/failures?<f..>", Who::Anyone),
    rule("GET", "/api/v1/openapi.json", Who::Anyone),
    rule("GET", "/api/v1/intentions?<f..>", Who::Anyone),
    rule("GET", "/api/v1/projects?<f..>", Who::Anyone),
    rule("GET", "/api/v1/openings?<f..>", Who::Anyone),
    rule("GET", "/api/v1/bids?<f..>", Who::Anyone),
    rule("GET", "/api/v1/awards?<f..>", Who::Anyone),
    rule("GET", "/api/v1/contracts?<f..>", Who::Anyone),
    rule("GET", "/api/v1/grades?<f..>", Who::Anyone),
    rule("GET", "/api/v1/organizations?<f..>", Who::Anyone),
    rule("GET", "/projects/<number>", Who::Anyone),
    rule("GET", "/projects/<number>/verify?<digest>", Who::Anyone),
    rule("GET", "/projects/<number>/documents?<org>", Who::SignedIn),
    rule("POST", "/projects/<number>/obtain", Who::SignedIn),
    // Procurement documents as documents (issue 21 item 4): the versions and attached files
    // to those who obtained them or run the procedure.
    rule("GET", "/projects/<number>/documents/v/<n>", Who::SignedIn),
    rule(
        "GET",
        "/projects/<number>/documents/files/<id>",
        Who::SignedIn,
    ),
    rule(
        "POST",
        "/purchase/projects/<id>/documents/files",
        Who::Procurer,
    ),
    rule("POST", "/projects/<number>/questions", Who::SignedIn),
    rule("GET", "/projects/<number>/bid/<org>", Who::OrgMember),
    rule("GET", "/projects/<number>/award", Who::Anyone),
    rule("GET", "/contracts?<f..>", Who::Anyone),
    rule("GET", "/contracts/<id>", Who::Anyone),
    rule("GET", "/projects/<number>/challenges/<org>", Who::OrgMember),
    rule("POST", "/projects/<number>/challenges/<org>", Who::OrgAdmin),
    rule(
        "POST",
        "/projects/<number>/challenges/<org>/<cid>/complaint",
        Who::OrgAdmin,
    ),
    rule("GET", "/complaints", Who::Role(Role::ProcurementSupervisor)),
    rule(
        "GET",
        "/complaints/<id>",
        Who::Role(Role::ProcurementSupervisor),
    ),
    rule("GET", "/complaints/<id>/decision", Who::Anyone),
    rule(
        "GET",
        "/complaints/<id>/report",
        Who::Role(Role::ProcurementSupervisor),
    ),
    rule(
        "POST",
        "/complaints/<id>/decide",
        Who::Role(Role::ProcurementSupervisor),
    ),
    rule(
        "POST",
        "/complaints/<id>/suspend",
        Who::Role(Role::ProcurementSupervisor),
    ),
    rule(
        "POST",
        "/complaints/orders/<order>/lift",
        Who::Role(Role::ProcurementSupervisor),
    ),
    rule("GET", "/purchase/projects/<id>/award", Who::Procurer),
    rule("GET", "/finance?<at..>", Who::Role(Role::FinanceOfficer)),
    rule(
        "GET",
        "/purchase/delivery?<at..>",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "GET",
        "/purchase/contracts/<id>",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/contracts/<id>/deliverables/<did>",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/contracts/<id>/reviews",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/contracts/<id>/reviews/<rid>/surveys",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/contracts/<id>/reviews/<rid>/rectify",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "GET",
        "/purchase/contracts/<id>/accept",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/contracts/<id>/accept",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/contracts/<id>/addon",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/contracts/<id>/terminate",
        Who::Role(Role::Purchaser),
    ),
    rule("GET", "/orgs/<org>/contracts", Who::OrgMember),
    rule("GET", "/orgs/<org>/contracts/<id>", Who::OrgMember),
    rule(
        "POST",
        "/orgs/<org>/contracts/<id>/deliverables",
        Who::OrgMember,
    ),
    rule("GET", "/contracts/<id>/files/<sha>", Who::SignedIn),
    rule("GET", "/reviews", Who::SignedIn),
    rule("GET", "/reviews/<rid>", Who::SignedIn),
    rule("POST", "/reviews/<rid>", Who::SignedIn),
    rule("GET", "/survey/<token>", Who::Anyone),
    rule("GET", "/ocds/releases.json", Who::Anyone),
    rule("GET", "/ocds/records/<ocid>", Who::Anyone),
    rule("GET", "/ocds/bulk.json", Who::Anyone),
    rule("GET", "/ocds/bulk/<year>", Who::Anyone),
    rule("GET", "/feeds/projects.atom", Who::Anyone),
    rule("GET", "/feeds/awards.atom", Who::Anyone),
    rule("POST", "/survey/<token>", Who::Anyone),
    rule(
        "GET",
        "/finance/contracts/<id>",
        Who::Role(Role::FinanceOfficer),
    ),
    rule(
        "POST",
        "/finance/contracts/<id>/payments",
        Who::Role(Role::FinanceOfficer),
    ),
    rule(
        "POST",
        "/finance/contracts/<id>/entries/<entry>/reverse",
        Who::Role(Role::FinanceOfficer),
    ),
    rule(
        "POST",
        "/purchase/projects/<id>/award/confirm",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/projects/<id>/award/pass",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/projects/<id>/challenges/<cid>/answer",
        Who::Procurer,
    ),
    rule(
        "POST",
        "/purchase/projects/<id>/contracts",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/contracts/<kid>/filing",
        Who::Role(Role::Purchaser),
    ),
    rule("POST", "/projects/<number>/bid/<org>", Who::OrgAdmin),
    rule(
        "POST",
        "/projects/<number>/bid/<org>/withdraw",
        Who::OrgAdmin,
    ),
    rule(
        "GET",
        "/projects/<number>/bid/<org>/receipt/<bid>",
        Who::OrgMember,
    ),
    rule(
        "GET",
        "/projects/<number>/bid/<org>/files/<id>",
        Who::OrgMember,
    ),
    rule("GET", "/suppliers/apply", Who::SignedIn),
    rule("POST", "/suppliers/apply", Who::SignedIn),
    rule("GET", "/suppliers/<id>/certificate", Who::SignedIn),
    rule("GET", "/suppliers", Who::Role(Role::ProcurementSupervisor)),
    rule("GET", "/experts", Who::Role(Role::ProcurementSupervisor)),
    // An opened bid, read by its judges (the service decides who; sealed: 404).
    rule("GET", "/projects/<number>/bids/<bid>", Who::SignedIn),
    rule(
        "GET",
        "/projects/<number>/bids/<bid>/files/<id>",
        Who::SignedIn,
    ),
    rule("GET", "/panel/<member>", Who::SignedIn),
    rule("POST", "/panel/<member>/declare", Who::SignedIn),
    rule("POST", "/panel/<member>/compliance", Who::SignedIn),
    rule("POST", "/panel/<member>/scores", Who::SignedIn),
    rule("POST", "/panel/<member>/scores/confirm", Who::SignedIn),
    rule("GET", "/panel/<member>/low-prices", Who::SignedIn),
    rule("POST", "/panel/<member>/low-prices", Who::SignedIn),
    rule("POST", "/panel/<member>/low-prices/<id>", Who::SignedIn),
    rule("GET", "/orgs/<org>/low-price/<id>", Who::OrgAdmin),
    rule("POST", "/orgs/<org>/low-price/<id>", Who::OrgAdmin),
    rule("GET", "/purchase/projects/<id>/report", Who::Procurer),
    rule(
        "POST",
        "/experts/<user>",
        Who::Role(Role::ProcurementSupervisor),
    ),
    rule(
        "GET",
        "/suppliers/<id>",
        Who::Role(Role::ProcurementSupervisor),
    ),
    rule(
        "POST",
        "/suppliers/<id>/decide",
        Who::Role(Role::ProcurementSupervisor),
    ),
    rule("GET", "/orgs/<org>/procurement", Who::OrgMember),
    rule("POST", "/orgs/<org>/procurement/follows", Who::OrgAdmin),
    rule("GET", "/orgs/<org>/relations", Who::OrgMember),
    rule("POST", "/orgs/<org>/relations", Who::OrgAdmin),
    rule("POST", "/orgs/<org>/relations/<id>/end", Who::OrgAdmin),
    rule("GET", "/purchase?<after>", Who::Procurer),
    rule("POST", "/purchase/intentions", Who::Role(Role::Purchaser)),
    rule("GET", "/purchase/projects/new", Who::Role(Role::Purchaser)),
    rule("POST", "/purchase/projects", Who::Role(Role::Purchaser)),
    rule("GET", "/purchase/projects/<id>", Who::Procurer),
    rule(
        "POST",
        "/purchase/projects/<id>/agency",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/projects/<id>",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/projects/<id>/publish",
        Who::Role(Role::Purchaser),
    ),
    rule(
        "POST",
        "/purchase/projects/<id>/cancel",
        Who::Role(Role::Purchaser),
    ),
    rule("POST", "/purchase/projects/<id>/republish", Who::Procurer),
    rule(
        "POST",
        "/purchase/projects/<id>/questions/<question>",
        Who::Procurer,
    ),
    rule("POST", "/purchase/projects/<id>/amendments", Who::Procurer),
    rule(
        "POST",
        "/purchase/projects/<id>/final-quotes",
        Who::Procurer,
    ),
    rule("POST", "/projects/<number>/bid/<org>/final", Who::OrgAdmin),
    rule(
        "POST",
        "/purchase/projects/<id>/qualification",
        Who::Procurer,
    ),
    rule("POST", "/purchase/projects/<id>/panel", Who::Procurer),
    rule(
        "POST",
        "/purchase/projects/<id>/panel/<member>/recuse",
        Who::Procurer,
    ),
    // Staff.
    rule("GET", "/history/<entity>/<id>", Who::AnyStaff),
    rule("GET", "/admin/users?<q>&<after>", Who::Role(Role::Admin)),
    rule("GET", "/admin/users/<id>", Who::Role(Role::Admin)),
    rule("POST", "/admin/users/<id>/roles", Who::Role(Role::Admin)),
    rule("POST", "/admin/grants/<id>/revoke", Who::Role(Role::Admin)),
    rule("GET", "/admin/settings", Who::Role(Role::Admin)),
    rule("POST", "/admin/settings", Who::Role(Role::Admin)),
    rule("GET", "/admin/mail", Who::Role(Role::Admin)),
    rule("POST", "/admin/mail/<id>/retry", Who::Role(Role::Admin)),
    rule("POST", "/admin/mail/<id>/dismiss", Who::Role(Role::Admin)),
    rule("GET", "/admin/calendar?<year>", Who::Role(Role::Admin)),
    rule("GET", "/admin/calendar/<y>", Who::Role(Role::Admin)),
    rule("POST", "/admin/calendar/preview", Who::Role(Role::Admin)),
    rule("POST", "/admin/calendar", Who::Role(Role::Admin)),
    // The procurement supervisor's approvals of a method other than 公开招标 (政府采购法 art. 27).
    rule(
        "GET",
        "/method-approvals",
        Who::Role(Role::ProcurementSupervisor),
    ),
    rule(
        "POST",
        "/method-approvals/<id>",
        Who::Role(Role::ProcurementSupervisor),
    ),
];

pub fn rule_for(method: &str, uri: &str) -> Option<&'static Rule> {
    MATRIX.iter().find(|r| r.method == method && r.uri == uri)
}
