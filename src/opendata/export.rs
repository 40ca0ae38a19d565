//! The formats: CSV (UTF-8 with a byte-order mark so spreadsheet programs read the Chinese,
//! header = column keys, written batch by batch), XLSX (header = column labels, amounts as
//! numbers, at most `XLSX_CAP` rows and a note saying so when there were more) and JSON values.

use super::{Cell, Col, Row, Ty};
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde_json::{json, Value};

/// XLSX rows at most (the format stops at 1,048,576; CSV has no limit).
pub const XLSX_CAP: usize = 100_000;

/// The CSV header line (with the byte-order mark).
pub fn csv_header(cols: &[Col]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(csv_line(cols.iter().map(|c| c.key.to_string())));
    out
}

/// CSV lines for a batch of rows.
pub fn csv_rows(rows: &[Row]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        out.extend(csv_line(r.cells.iter().map(Cell::plain)));
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

pub fn json_row(cols: &[Col], r: &Row) -> Value {
    let mut m = serde_json::Map::new();
    for (c, v) in cols.iter().zip(&r.cells) {
        m.insert(c.key.to_string(), json_cell(v));
    }
    if let Some(l) = &r.link {
        m.insert("url".into(), Value::String(l.clone()));
    }
    Value::Object(m)
}

/// The exact yuan amount as a spreadsheet number (the format has doubles only), if the double
/// prints back to the same digits; otherwise the caller writes the exact text.
fn money_number(fen: i64) -> Option<f64> {
    let m = crate::domain::money::Money::from_fen(fen);
    let f = m.decimal().to_f64()?;
    (format!("{f:.2}") == m.to_string()).then_some(f)
}

/// An XLSX workbook of `rows` (at most `XLSX_CAP` are written); `more` says rows were left
/// out, which a note under the data then says in the reader's language (`note`).
pub fn xlsx(
    sheet: &str,
    labels: &[String],
    cols: &[Col],
    rows: &[Row],
    more: bool,
    note: &str,
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
                // Counts and ranks: exact as a spreadsheet number (a double) within i32.
                (_, Cell::Int(n)) => match i32::try_from(*n) {
                    Ok(x) => {
                        ws.write_number(line, i, f64::from(x))?;
                    }
                    Err(_) => {
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
        let s = String::from_utf8(csv_rows(&[r])).unwrap_or_default();
        assert_eq!(s, "\"'=HYPERLINK(\"\"x\"\")\",\"甲,乙\",-123.45,'-abc\r\n");
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
            key: 1,
            link: None,
            cells: vec![Cell::Text("项目".into()), Cell::Money(38_000_000)],
        }];
        let labels = vec!["名称".to_string(), "金额".to_string()];
        for more in [false, true] {
            let bytes = xlsx("awards", &labels, &cols, &rows, more, "仅含前若干行")?;
            let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes))?;
            let range = book.worksheet_range("awards")?;
            let cells: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
            assert_eq!(cells[0][0], Data::String("名称".into()));
            assert_eq!(cells[1][1], Data::Float(380_000.0));
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
        assert_eq!(money_number(99_999_999_999), Some(999_999_999.99));
    }
}
