//! The registry and the credit lists checked against the law (issue 22, items 16-19): names
//! (民政部令69), listing triggers and their notices, objections and removal requests
//! (民政部令60), the filing clocks of change registration and deregistration, and a social
//! group's two stages (社团条例).

use crate::helpers::*;
use crate::registry::{complete_application, field, ok_post, status_of};
use rocket::http::Status;

/// Item 18: 中国/全国/中华 are refused only as the prefix (社团条例 art. 10(3), 民政部令69 art. 8);
/// inside a name they are flagged, and a flagged name is approved only with a recorded reason.
#[rocket::async_test]
async fn national_words_are_refused_only_as_a_prefix_and_a_flagged_name_needs_a_reason() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let prefixed = complete_application(&app, "中华宁波市江北区晨光服务中心", "50000", false).await;
    let r = app
        .post(&format!("/applications/{prefixed}/submit"), &[])
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let page = html_unescape(&r.into_string().await.unwrap());
    assert!(page.contains("不得冠以"), "{page}");
    assert_eq!(status_of(&app, prefixed).await, "draft");

    // The same words inside the name: submitted, flagged to the registrar.
    let inside = complete_application(&app, "宁波市江北区中华文化服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{inside}/submit"), &[]).await;
    app.logout().await;
    app.login_as(REGISTRAR).await;
    let (_, review) = app.get(&format!("/registry/applications/{inside}")).await;
    assert!(
        review.contains("名称中间含有") && review.contains("中华"),
        "{review}"
    );
    ok_post(
        &app,
        &format!("/registry/applications/{inside}/accept"),
        &[],
    )
    .await;
    let r = app
        .post(
            &format!("/registry/applications/{inside}/approve"),
            &[("name_reason", "  ")],
        )
        .await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let page = r.into_string().await.unwrap();
    assert!(page.contains("请填写核准该名称的理由"), "{page}");
    assert_eq!(status_of(&app, inside).await, "accepted", "nothing written");
    ok_post(
        &app,
        &format!("/registry/applications/{inside}/approve"),
        &[("name_reason", "“中华文化”是业务领域，不是冠以")],
    )
    .await;
    assert_eq!(status_of(&app, inside).await, "approved");
    assert_eq!(
        field(&app, inside, "name_accepted_reason").await.as_deref(),
        Some("“中华文化”是业务领域，不是冠以")
    );
    let (_, review) = app.get(&format!("/registry/applications/{inside}")).await;
    assert!(review.contains("名称核准理由"), "{review}");
}

/// Item 18: a foundation's and a service institution's name is region + 字号 + field + form
/// (民政部令69 art. 8(2)); an unflagged name is approved without a reason.
#[rocket::async_test]
async fn an_institution_name_without_its_region_is_refused_and_a_clean_name_needs_no_reason() {
    let app = TestApp::spawn().await;
    app.login_as(NGO_ADMIN).await;
    let bare = complete_application(&app, "晨光社会工作服务中心", "50000", false).await;
    let r = app.post(&format!("/applications/{bare}/submit"), &[]).await;
    assert_eq!(r.status(), Status::UnprocessableEntity);
    let page = html_unescape(&r.into_string().await.unwrap());
    assert!(page.contains("社会服务机构名称应依次为"), "{page}");
    let clean =
        complete_application(&app, "宁波市江北区晨光社会工作服务中心", "50000", false).await;
    ok_post(&app, &format!("/applications/{clean}/submit"), &[]).await;
    app.logout().await;
    app.login_as(REGISTRAR).await;
    ok_post(&app, &format!("/registry/applications/{clean}/accept"), &[]).await;
    ok_post(
        &app,
        &format!("/registry/applications/{clean}/approve"),
        &[],
    )
    .await;
    assert_eq!(status_of(&app, clean).await, "approved");
    assert_eq!(field(&app, clean, "name_accepted_reason").await, None);
}
