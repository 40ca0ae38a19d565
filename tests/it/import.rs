//! `huoban import-orgs`: CSV and XLSX, idempotent by USCC, legacy codes kept and flagged,
//! every rejected row reported with its line and reason.

use crate::helpers::*;
use huoban::domain::uscc::{CivilType, Uscc};
use std::path::PathBuf;

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("huoban-import-{}-{}", std::process::id(), name))
}

fn valid(kind: CivilType, serial: u32) -> String {
    Uscc::issue(kind, "330212", serial).unwrap().to_string()
}

fn rows() -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let ok1 = valid(CivilType::SocialGroup, 555_001);
    let ok2 = valid(CivilType::ServiceInstitution, 555_002);
    let wrong_type = valid(CivilType::Foundation, 555_003);
    vec![
        s(&[
            "名称",
            "统一社会信用代码",
            "类型",
            "类别",
            "地区代码",
            "状态",
            "成立日期",
            "法定代表人",
            "住所",
        ]),
        vec![
            "宁波市鄞州区书画协会".into(),
            ok1,
            "社会团体".into(),
            "其他".into(),
            "330212".into(),
            "正常".into(),
            "2012/05/04".into(),
            "王一".into(),
            "".into(),
        ],
        vec![
            "宁波市江东区老年服务中心".into(),
            ok2,
            "民办非企业单位".into(),
            "城乡社区服务类".into(),
            "330204".into(),
            "已注销".into(),
            "2008-01-15".into(),
            "".into(),
            "".into(),
        ],
        s(&[
            "福建早期机构",
            "91350100M0001TGQXM",
            "社会团体",
            "",
            "330200",
            "正常",
            "2001-03-01",
            "",
            "",
        ]),
        s(&[
            "格式错误的机构",
            "9135010",
            "社会团体",
            "",
            "330200",
            "正常",
            "2001-03-01",
            "",
            "",
        ]),
        vec![
            "类型不符的机构".into(),
            wrong_type,
            "社会团体".into(),
            "".into(),
            "330212".into(),
            "".into(),
            "2010-01-01".into(),
            "".into(),
            "".into(),
        ],
        s(&[
            "",
            "52330212MA2AAAAA0X",
            "社会团体",
            "",
            "330212",
            "",
            "2010-01-01",
            "",
            "",
        ]),
        s(&[
            "日期错误的机构",
            "91350100M0001TGQXA",
            "社会团体",
            "",
            "330212",
            "",
            "去年",
            "",
            "",
        ]),
        s(&["", "", "", "", "", "", "", "", ""]),
    ]
}

fn write_csv(path: &std::path::Path, rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

async fn run(app: &TestApp, path: &std::path::Path) -> huoban::registry::import::Report {
    let auditor = huoban::platform::app::auditor(&app.resolved, &app.db);
    huoban::registry::import::import(&app.db, path, &app.clock, &auditor, |_, _| {})
        .await
        .unwrap()
}

#[rocket::async_test]
async fn a_csv_import_keeps_legacy_codes_flagged_reports_rejections_and_is_idempotent() {
    let app = TestApp::spawn().await;
    let path = temp_file("orgs.csv");
    write_csv(&path, &rows());
    let report = run(&app, &path).await;
    assert_eq!(report.added, 3, "{report:?}");
    assert_eq!(report.legacy_flagged, 1);
    let lines: Vec<usize> = report.rejected.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![5, 6, 7, 8], "{:?}", report.rejected);
    assert!(report.rejected[0].1.contains("格式错误"));
    assert!(report.rejected[1].1.contains("第 2 位不符"));
    assert!(report.rejected[2].1.contains("名称为空"));
    assert!(report.rejected[3].1.contains("成立日期"));
    // The retired 江东区 is filed under 鄞州区; the status and date are read.
    let moved = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM organizations WHERE name = '宁波市江东区老年服务中心' AND district_code = '330212' AND status = 'deregistered' AND registered_on = '2008-01-15'")
        .await;
    assert_eq!(moved, 1);
    // The legacy code is kept as it was, flagged, and found in the directory.
    let (_, page) = app.get("/directory?q=91350100M0001TGQXM").await;
    assert!(page.contains("福建早期机构") && page.contains("历史代码，校验位不符"));
    // Again: nothing new.
    let again = run(&app, &path).await;
    assert_eq!((again.added, again.already_present), (0, 3), "{again:?}");
    assert!(app.verify_audit().await.ok());
}

#[rocket::async_test]
async fn an_xlsx_import_reads_the_same_columns() {
    let app = TestApp::spawn().await;
    let path = temp_file("orgs.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows().iter().enumerate().take(3) {
        for (c, v) in row.iter().enumerate() {
            // Dates typed into Excel are date cells, not text.
            if r > 0 && c == 6 {
                let d = v.replace('/', "-");
                let parts: Vec<u16> = d.split('-').map(|x| x.parse().unwrap()).collect();
                let when = rust_xlsxwriter::ExcelDateTime::from_ymd(
                    parts[0],
                    parts[1] as u8,
                    parts[2] as u8,
                )
                .unwrap();
                sheet
                    .write_datetime_with_format(r as u32, c as u16, &when, &date_format)
                    .unwrap();
            } else {
                sheet.write_string(r as u32, c as u16, v).unwrap();
            }
        }
    }
    book.save(&path).unwrap();
    let report = run(&app, &path).await;
    assert_eq!((report.added, report.rejected.len()), (2, 0), "{report:?}");
    let (_, page) = app
        .get(&format!("/directory?{}", encode(&[("q", "书画")])))
        .await;
    assert!(page.contains("宁波市鄞州区书画协会"));
}

#[rocket::async_test]
async fn a_file_without_the_needed_columns_is_refused_whole() {
    let app = TestApp::spawn().await;
    let path = temp_file("bad.csv");
    std::fs::write(&path, "foo,bar\n1,2\n").unwrap();
    let auditor = huoban::platform::app::auditor(&app.resolved, &app.db);
    let err = huoban::registry::import::import(&app.db, &path, &app.clock, &auditor, |_, _| {})
        .await
        .unwrap_err();
    assert!(err.contains("no `name` column"), "{err}");
}

#[rocket::async_test]
async fn without_a_district_column_a_ningbo_codes_division_is_used() {
    let app = TestApp::spawn().await;
    let path = temp_file("nodistrict.csv");
    let code = Uscc::issue(CivilType::SocialGroup, "330226", 777_001).unwrap();
    std::fs::write(
        &path,
        format!("name,uscc,type,registered_on\n宁海县摄影协会,{code},social_group,2015-08-08\n"),
    )
    .unwrap();
    let report = run(&app, &path).await;
    assert_eq!(report.added, 1, "{report:?}");
    let n = app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM organizations WHERE name = '宁海县摄影协会' AND district_code = '330226'").await;
    assert_eq!(n, 1);
}

#[rocket::async_test]
async fn rejected_rows_are_named_by_the_files_own_lines_and_repeated_codes_are_caught() {
    let app = TestApp::spawn().await;
    let path = temp_file("lines.csv");
    let a = valid(CivilType::SocialGroup, 888_001);
    // Line 3 is blank; line 5 repeats line 2's code.
    let text = format!(
        "name,uscc,type,district,registered_on\n甲协会,{a},social_group,330212,2015-01-01\n\n乙协会,,social_group,330212,2015-01-01\n丙协会,{a},social_group,330212,2015-01-01\n"
    );
    std::fs::write(&path, text).unwrap();
    let report = run(&app, &path).await;
    assert_eq!(report.added, 1);
    let lines: Vec<usize> = report.rejected.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, vec![4, 5], "{:?}", report.rejected);
    assert!(report.rejected[1].1.contains("第 2 行重复"));
}
