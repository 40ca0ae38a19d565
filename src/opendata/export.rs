//! The formats: CSV (UTF-8 with a byte-order mark so spreadsheet programs read the Chinese,
//! header = column keys, written batch by batch), XLSX (header = column labels, amounts as
//! numbers, at most `XLSX_CAP` rows and a note saying so when there were more) and JSON values.
//! Every row of every format ends with its `id` (the dataset's row key) and `url` (its public
//! page, absolute under the configured `public_url`; empty for a row without a page).

use super::{Cell, Col, Row, Ty};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::{json, Value};
use std::str::FromStr;

/// The two columns every row ends with, after the dataset's own.
pub const ROW_KEYS: [&str; 2] = ["id", "url"];

/// The row's page as an absolute URL under `base` (the configured public URL).
pub fn absolute(base: &str, r: &Row) -> Option<String> {
    r.link
        .as_ref()
        .map(|l| format!("{}{l}", base.trim_end_matches('/')))
}

/// XLSX rows at most (the format stops at 1,048,576; CSV has no limit).
pub const XLSX_CAP: usize = 100_000;

/// The CSV header line (with the byte-order mark).
pub fn csv_header(cols: &[Col]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(csv_line(
        cols.iter()
            .map(|c| c.key)
            .chain(ROW_KEYS)
            .map(str::to_string),
    ));
    out
}

/// CSV lines for a batch of rows; `base` is the public URL the pages' links hang from.
pub fn csv_rows(rows: &[Row], base: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        let tail = [r.key.to_string(), absolute(base, r).unwrap_or_default()];
        out.extend(csv_line(r.cells.iter().map(Cell::plain).chain(tail)));
    }
    out
}

fn csv_line(fields: impl Iterator<Item = String>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let fields: Vec<String> = fields.map(|f| defuse(&f)).collect();
    // Writing into a Vec cannot fail; a failure would leave the line out rather than panic.
    if w.write_record(&fields).is_err() {
        return Vec::new();
    }
    w.into_inner().unwrap_or_default()
}

/// A text starting with `=`, `+`, `-` or `@` is a formula to a spreadsheet program: quoted
/// with an apostrophe (amounts are never text, so a negative reversal keeps its sign).
fn defuse(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '@') => format!("'{s}"),
        Some('-') if s.parse::<rust_decimal::Decimal>().is_err() => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// A cell as JSON: amounts are strings with two decimals (exact), counts are numbers.
pub fn json_cell(c: &Cell) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Int(i) => json!(i),
        other => Value::String(other.plain()),
    }
}

pub fn json_row(cols: &[Col], r: &Row, base: &str) -> Value {
    let mut m = serde_json::Map::new();
    for (c, v) in cols.iter().zip(&r.cells) {
        m.insert(c.key.to_string(), json_cell(v));
    }
    m.insert("id".into(), json!(r.key));
    m.insert("url".into(), json!(absolute(base, r)));
    Value::Object(m)
}

/// The exact decimal `d` as a spreadsheet number (the format stores doubles, written in their
/// shortest round-trip form), only if that form reads back as exactly `d`; otherwise the
/// caller writes the exact text. No rounding happens anywhere: the comparison is of decimals.
pub fn exact_number(d: Decimal) -> Option<f64> {
    let f = f64::from_str(&d.to_string()).ok()?;
    let back = Decimal::from_str(&f.to_string()).ok()?;
    (back == d).then_some(f)
}

/// A yuan amount (or a score in hundredths) from its integer hundredths, exact.
fn money_number(fen: i64) -> Option<f64> {
    exact_number(crate::domain::money::Money::from_fen(fen).decimal())
}

/// A whole number (a count, a rank, a row id), exact.
fn int_number(n: i64) -> Option<f64> {
    exact_number(Decimal::from(n))
}

/// An XLSX workbook of `rows` (at most `XLSX_CAP` are written); `more` says rows were left
/// out, which a note under the data then says in the reader's language (`note`). `labels` are
/// the columns' and then the `ROW_KEYS`' headings.
pub fn xlsx(
    sheet: &str,
    labels: &[String],
    cols: &[Col],
    rows: &[Row],
    more: bool,
    note: &str,
    base: &str,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet)?;
    for (i, l) in labels.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, l, &bold)?;
    }
    let mut line = 1u32;
    for r in rows.iter().take(XLSX_CAP) {
        for (i, (c, v)) in cols.iter().zip(&r.cells).enumerate() {
            let i = i as u16;
            match (c.ty, v) {
                (_, Cell::Null) => {}
                // Counts and ranks: a spreadsheet number when exact.
                (_, Cell::Int(n)) => match int_number(*n) {
                    Some(x) => {
                        ws.write_number(line, i, x)?;
                    }
                    None => {
                        ws.write_string(line, i, n.to_string())?;
                    }
                },
                (Ty::Money, Cell::Money(f)) | (Ty::Centi, Cell::Centi(f)) => match money_number(*f)
                {
                    Some(x) => {
                        ws.write_number_with_format(line, i, x, &money)?;
                    }
                    None => {
                        ws.write_string(line, i, v.plain())?;
                    }
                },
                _ => {
                    ws.write_string(line, i, v.plain())?;
                }
            }
        }
        let id = cols.len() as u16;
        match int_number(r.key) {
            Some(x) => ws.write_number(line, id, x)?,
            None => ws.write_string(line, id, r.key.to_string())?,
        };
        if let Some(url) = absolute(base, r) {
            ws.write_string(line, id + 1, url)?;
        }
        line += 1;
    }
    if more || rows.len() > XLSX_CAP {
        ws.write_string_with_format(line + 1, 0, note, &bold)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas_but_keeps_negative_amounts() {
        let r = Row {
            key: 1,
            link: None,
            cells: vec![
                Cell::Text("=HYPERLINK(\"x\")".into()),
                Cell::Text("甲,乙".into()),
                Cell::Money(-12345),
                Cell::Text("-abc".into()),
            ],
        };
        let s = String::from_utf8(csv_rows(&[r], "https://x.test/")).unwrap_or_default();
        assert_eq!(
            s,
            "\"'=HYPERLINK(\"\"x\"\")\",\"甲,乙\",-123.45,'-abc,1,\r\n"
        );
    }

    #[test]
    fn a_workbook_holds_numbers_for_amounts_and_says_when_rows_were_left_out(
    ) -> Result<(), Box<dyn std::error::Error>> {
        use calamine::{Data, Reader, Xlsx};
        let cols = [
            Col {
                key: "title",
                ty: Ty::Text,
                link: false,
            },
            Col {
                key: "amount",
                ty: Ty::Money,
                link: false,
            },
        ];
        let rows = vec![Row {
            key: 7,
            link: Some("/projects/NB-1".into()),
            cells: vec![Cell::Text("项目".into()), Cell::Money(38_000_000)],
        }];
        let labels: Vec<String> = ["名称", "金额", "编号", "网址"].map(String::from).to_vec();
        for more in [false, true] {
            let bytes = xlsx(
                "awards",
                &labels,
                &cols,
                &rows,
                more,
                "仅含前若干行",
                "https://x.test/",
            )?;
            let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes))?;
            let range = book.worksheet_range("awards")?;
            let cells: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
            assert_eq!(cells[0][0], Data::String("名称".into()));
            assert_eq!(cells[1][1], Data::Float(380_000.0));
            assert_eq!(cells[0][3], Data::String("网址".into()));
            assert_eq!(cells[1][2], Data::Float(7.0));
            assert_eq!(
                cells[1][3],
                Data::String("https://x.test/projects/NB-1".into())
            );
            let noted = cells
                .iter()
                .flatten()
                .any(|c| *c == Data::String("仅含前若干行".into()));
            assert_eq!(noted, more);
        }
        Ok(())
    }

    #[test]
    fn amounts_become_numbers_only_when_exact() {
        assert_eq!(money_number(38_000_000), Some(380_000.0));
        assert_eq!(money_number(10), Some(0.1));
        assert_eq!(money_number(-12_345), Some(-123.45));
        assert_eq!(money_number(99_999_999_999), Some(999_999_999.99));
        // Beyond a double's 15–17 significant digits the amount stays exact text.
        assert_eq!(money_number(9_007_199_254_740_993), None);
        assert_eq!(int_number(9_007_199_254_740_993), None);
        assert_eq!(
            int_number(9_007_199_254_740_992),
            Some(9_007_199_254_740_992.0)
        );
    }

    #[test]
    fn rows_end_with_their_id_and_absolute_url() {
        let r = Row {
            key: 42,
            link: Some("/contracts/3".into()),
            cells: vec![Cell::Int(5)],
        };
        let cols = [Col {
            key: "round",
            ty: Ty::Int,
            link: false,
        }];
        let v = json_row(&cols, &r, "http://127.0.0.1:8131");
        assert_eq!(v["id"], json!(42));
        assert_eq!(v["url"], json!("http://127.0.0.1:8131/contracts/3"));
        let none = Row { link: None, ..r };
        assert_eq!(json_row(&cols, &none, "http://h/")["url"], Value::Null);
    }
}
