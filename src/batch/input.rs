//! Reading the merchants CSV: encodings of real exports (UTF-8 with or without BOM, CP949/EUC-KR
//! from Korean Excel, UTF-16 "Unicode text"), the delimiter, which column holds the URL and the
//! id, and one [`Row`] per merchant with its own error when it cannot be checked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use url::Url;

use super::id::{self, Stems};
use super::summary::FIXED_COLUMNS;
use crate::crawl::normalize::normalize;
use crate::error::{Error, Result};

/// Header names (compared lower-case, without spaces, `_` or `-`) taken as the URL column, in
/// order of preference.
pub const URL_COLUMNS: [&str; 10] = [
    "url",
    "website",
    "homepage",
    "site",
    "websiteurl",
    "homepageurl",
    "siteurl",
    "홈페이지",
    "웹사이트",
    "사이트",
];

/// Header names taken as the id column, in order of preference.
pub const ID_COLUMNS: [&str; 5] = ["id", "merchantid", "mid", "가맹점id", "가맹점번호"];

/// Header names taken as application values (key of [`crate::expect::KEYS`] → aliases,
/// compared as [`URL_COLUMNS`] are): the values the merchant gave in the application, checked
/// against the site's business information as `check --expect` does.
pub const EXPECT_COLUMNS: [(&str, &[&str]); 6] = [
    (
        "name",
        &[
            "name",
            "companyname",
            "businessname",
            "상호",
            "상호명",
            "회사명",
            "법인명",
        ],
    ),
    (
        "reg_no",
        &[
            "regno",
            "businessregistrationnumber",
            "businessregno",
            "brn",
            "사업자등록번호",
            "사업자번호",
        ],
    ),
    (
        "mail_order_no",
        &[
            "mailorderno",
            "mailordernumber",
            "통신판매업신고번호",
            "통신판매신고번호",
        ],
    ),
    (
        "representative",
        &["representative", "ceo", "대표자", "대표자명", "대표자성명"],
    ),
    (
        "phone",
        &["phone", "tel", "telephone", "전화번호", "대표전화"],
    ),
    ("email", &["email", "이메일"]),
];

/// Choices the caller can make about the columns.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// Name of the URL column (case-insensitive) when it is not one of [`URL_COLUMNS`].
    pub url_column: Option<String>,
    /// Name of the id column (case-insensitive) when it is not one of [`ID_COLUMNS`].
    pub id_column: Option<String>,
    /// Do not take [`EXPECT_COLUMNS`] as application values (they are still carried).
    pub no_expect_columns: bool,
}

/// One merchant of the CSV.
#[derive(Debug, Clone)]
pub struct Row {
    /// Line of the file where the row starts (the header is line 1): the order of the summary,
    /// and what a spreadsheet shows as the row number.
    pub line: u64,
    /// The merchant's id from the id column, else derived from the URL (or the line).
    pub id: String,
    /// File stem of the row's report (`<stem>.json`); the id itself when it is a safe name.
    pub stem: String,
    /// The URL cell as written.
    pub raw_url: String,
    /// The URL to check, when the cell holds a usable one.
    pub url: Option<Url>,
    /// Why the row cannot be checked (no URL, invalid URL, duplicate id).
    pub error: Option<String>,
    /// Values of the carried columns, in the order of [`Input::columns`].
    pub extra: Vec<String>,
    /// Application values of the row (`key`, value) from [`Input::expect_columns`], blank
    /// cells left out.
    pub expect: Vec<(String, String)>,
}

/// A parsed CSV.
#[derive(Debug, Clone)]
pub struct Input {
    /// The file that was read, as given.
    pub path: PathBuf,
    /// Encoding the file was read as (`utf-8`, `utf-8 (BOM)`, `euc-kr`, `utf-16le` …).
    pub encoding: &'static str,
    /// Header of the URL column.
    pub url_column: String,
    /// Header of the id column, if there is one.
    pub id_column: Option<String>,
    /// Carried columns (every other column), renamed where they would clash with the summary's
    /// own columns (`input_<name>`).
    pub columns: Vec<String>,
    /// Columns read as application values: (`key`, header as written).
    pub expect_columns: Vec<(String, String)>,
    /// The data rows in file order, usable or not (a bad row carries its own error).
    pub rows: Vec<Row>,
}

/// Reads and parses a CSV file. Errors mean the file as a whole is unusable (missing, not
/// text, no URL column); a bad row is never an error here, it carries its own.
pub fn read(path: &Path, opts: &InputOptions) -> Result<Input> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse(path, &bytes, opts)
}

/// Parses CSV bytes (see [`read`]); `path` is only used in messages.
pub fn parse(path: &Path, bytes: &[u8], opts: &InputOptions) -> Result<Input> {
    let bad = |reason: String| Error::Other(format!("{}: {reason}", path.display()));
    let (text, encoding) = decode(bytes).map_err(bad)?;
    let (text, delimiter) = delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(format!("not a CSV file: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(bad("empty file: no header row".into()));
    }
    let url_col = find_column(&headers, opts.url_column.as_deref(), &URL_COLUMNS).ok_or_else(|| {
        bad(match &opts.url_column {
            Some(n) => format!(
                "no column named '{n}' (columns: {})",
                list_headers(&headers)
            ),
            None => format!(
                "no URL column: expected one named url, website, homepage or site, or pass --url-column (columns: {})",
                list_headers(&headers)
            ),
        })
    })?;
    let id_col = match &opts.id_column {
        Some(n) => Some(find_column(&headers, Some(n), &[]).ok_or_else(|| {
            bad(format!(
                "no column named '{n}' (columns: {})",
                list_headers(&headers)
            ))
        })?),
        None => find_column(&headers, None, &ID_COLUMNS).filter(|&c| c != url_col),
    };
    let carried: Vec<usize> = (0..headers.len())
        .filter(|&c| c != url_col && Some(c) != id_col)
        .collect();
    let columns = carried_names(&headers, &carried);
    let expect_cols: Vec<(&str, usize)> = if opts.no_expect_columns {
        Vec::new()
    } else {
        EXPECT_COLUMNS
            .iter()
            .filter_map(|(key, aliases)| {
                let c = find_column(&headers, None, aliases)?;
                (c != url_col && Some(c) != id_col).then_some((*key, c))
            })
            .collect()
    };

    let mut rows = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut stems = Stems::default();
    for rec in reader.records() {
        let rec = rec.map_err(|e| bad(format!("not a CSV file: {e}")))?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue; // blank lines and the `,,,` rows spreadsheets leave behind
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let cell = |c: usize| rec.get(c).map(str::trim).unwrap_or("").to_string();
        let raw_url = cell(url_col);
        let parsed = parse_url(&raw_url);
        let given_id = id_col.map(cell).filter(|s| !s.is_empty());
        let id = match (&given_id, &parsed) {
            (Some(i), _) => i.clone(),
            (None, Ok(u)) => id::from_url(u),
            (None, Err(_)) => id::from_line(line),
        };
        let mut error = parsed.as_ref().err().cloned();
        let duplicate = first_line.get(&id).copied();
        let stem = match duplicate {
            Some(first) => {
                error.get_or_insert_with(|| {
                    if given_id.is_some() {
                        format!("duplicate id '{id}' (first on line {first})")
                    } else {
                        format!("duplicate URL (first on line {first})")
                    }
                });
                String::new()
            }
            None => {
                first_line.insert(id.clone(), line);
                stems.assign(&id)
            }
        };
        rows.push(Row {
            line,
            id,
            stem,
            raw_url,
            url: parsed.ok(),
            error,
            extra: carried.iter().map(|&c| cell(c)).collect(),
            expect: expect_cols
                .iter()
                .map(|&(k, c)| (k.to_string(), cell(c)))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        });
    }
    Ok(Input {
        path: path.to_path_buf(),
        encoding,
        url_column: headers[url_col].clone(),
        id_column: id_col.map(|c| headers[c].clone()),
        columns,
        expect_columns: expect_cols
            .iter()
            .map(|&(k, c)| (k.to_string(), headers[c].clone()))
            .collect(),
        rows,
    })
}

fn list_headers(h: &[String]) -> String {
    let shown: Vec<String> = h.iter().take(12).map(|s| format!("'{s}'")).collect();
    let mut s = shown.join(", ");
    if h.len() > 12 {
        s.push_str(", …");
    }
    s
}

/// Lower case without spaces, `_` and `-`: `Merchant ID` = `merchant_id` = `merchantid`.
fn norm_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '\u{feff}'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn find_column(headers: &[String], named: Option<&str>, aliases: &[&str]) -> Option<usize> {
    if let Some(n) = named {
        return headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(n.trim()))
            .or_else(|| {
                let want = norm_header(n);
                headers.iter().position(|h| norm_header(h) == want)
            });
    }
    let normed: Vec<String> = headers.iter().map(|h| norm_header(h)).collect();
    aliases
        .iter()
        .find_map(|a| normed.iter().position(|h| h == a))
}

/// Names of the carried columns: blank headers get `column_<n>`, names the summary already uses
/// get `input_<name>`, repeats get `_2`, `_3` …
fn carried_names(headers: &[String], carried: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &c in carried {
        let h = &headers[c];
        let mut name = if h.is_empty() {
            format!("column_{}", c + 1)
        } else if FIXED_COLUMNS.iter().any(|f| f.eq_ignore_ascii_case(h)) {
            format!("input_{h}")
        } else {
            h.clone()
        };
        if out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            let base = name.clone();
            let mut k = 2;
            while out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
                name = format!("{base}_{k}");
                k += 1;
            }
        }
        out.push(name);
    }
    out
}

/// Decodes the file: a BOM decides (UTF-8, UTF-16); else valid UTF-8 is UTF-8; else CP949
/// (EUC-KR as WHATWG defines it, which is CP949), the encoding Korean Excel saves CSV in.
fn decode(bytes: &[u8]) -> std::result::Result<(String, &'static str), String> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("empty file: no header row".into());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((s.to_string(), "utf-8 (BOM)")),
            Err(_) => Err("not a CSV file: invalid UTF-8 after a UTF-8 byte-order mark".into()),
        };
    }
    for (bom, enc, name) in [
        (&b"\xff\xfe"[..], encoding_rs::UTF_16LE, "utf-16le"),
        (&b"\xfe\xff"[..], encoding_rs::UTF_16BE, "utf-16be"),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (s, had_errors) = enc.decode_without_bom_handling(rest);
            if had_errors {
                return Err(format!("not a CSV file: invalid {name} text"));
            }
            return Ok((s.into_owned(), name));
        }
    }
    if bytes.contains(&0) {
        return Err("not a CSV file: binary data".into());
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "utf-8"));
    }
    let (s, had_errors) = encoding_rs::EUC_KR.decode_without_bom_handling(bytes);
    if had_errors {
        return Err("not a CSV file: the text is neither UTF-8 nor CP949/EUC-KR".into());
    }
    Ok((s.into_owned(), "euc-kr"))
}

/// The delimiter: Excel's `sep=;` hint line when present, else whichever of `,` `;` tab occurs
/// most in the header line (outside quotes), comma on a tie.
fn delimiter(text: &str) -> (&str, u8) {
    let first = text.lines().next().unwrap_or("");
    let hint = first.trim();
    if let Some(d) = hint.strip_prefix("sep=") {
        if d.len() == 1 && matches!(d, "," | ";" | "\t" | "|") {
            let rest = text.split_once('\n').map(|(_, r)| r).unwrap_or("");
            return (rest, d.as_bytes()[0]);
        }
    }
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in first.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let d = if counts[1] > counts[0] && counts[1] >= counts[2] {
        b';'
    } else if counts[2] > counts[0] && counts[2] > counts[1] {
        b'\t'
    } else {
        b','
    };
    (text, d)
}

/// A CSV cell to a URL to check: `https://` is added when the scheme is missing; only http(s)
/// with a host that has a domain (or is an IP address or localhost), no credentials.
pub fn parse_url(cell: &str) -> std::result::Result<Url, String> {
    let s = cell.trim();
    if s.is_empty() {
        return Err("no URL".into());
    }
    let with_scheme = if s.contains("://") {
        s.to_string()
    } else {
        format!("https://{s}")
    };
    let u = Url::parse(&with_scheme).map_err(|e| format!("invalid URL '{s}': {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "invalid URL '{s}': scheme '{}' is not supported (http or https only)",
            u.scheme()
        ));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(format!(
            "invalid URL '{s}': URLs with credentials are not accepted"
        ));
    }
    match u.host() {
        Some(url::Host::Domain(d)) => {
            if !d.contains('.') && !d.eq_ignore_ascii_case("localhost") {
                return Err(format!("invalid URL '{s}': host '{d}' has no domain"));
            }
        }
        Some(_) => {}
        None => return Err(format!("invalid URL '{s}': no host")),
    }
    normalize(&u).ok_or_else(|| format!("invalid URL '{s}': too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &[u8]) -> Input {
        parse(Path::new("t.csv"), text, &InputOptions::default()).expect("parses")
    }

    #[test]
    fn finds_url_and_id_columns_by_any_usual_name() {
        let i = p(b"Name,Merchant ID,Website\nA,M1,shop-a.example\n");
        assert_eq!(i.url_column, "Website");
        assert_eq!(i.id_column.as_deref(), Some("Merchant ID"));
        assert_eq!(i.columns, ["Name"]);
        assert_eq!(i.rows[0].id, "M1");
        assert_eq!(
            i.rows[0].url.as_ref().unwrap().as_str(),
            "https://shop-a.example/"
        );
        let i = p(b"HOMEPAGE\nhttp://b.example/x\n");
        assert_eq!(
            i.rows[0].url.as_ref().unwrap().as_str(),
            "http://b.example/x"
        );
        assert!(i.rows[0].id.starts_with("b.example-"));
        let named = parse(
            Path::new("t.csv"),
            b"shop,link\nA,a.example\n",
            &InputOptions {
                url_column: Some("LINK".into()),
                id_column: Some("shop".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(named.rows[0].id, "A");
        assert!(named.columns.is_empty());
    }

    #[test]
    fn unusable_files_are_errors() {
        let o = InputOptions::default();
        for (bytes, want) in [
            (&b""[..], "empty"),
            (b"name,email\nA,a@b\n", "no URL column"),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "binary"),
            (b"{\"url\": 1}", "no URL column"),
        ] {
            let e = parse(Path::new("t.csv"), bytes, &o)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{e}");
        }
        let e = parse(
            Path::new("t.csv"),
            b"url\nx.example\n",
            &InputOptions {
                url_column: Some("site_url".into()),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no column named 'site_url'"), "{e}");
    }

    #[test]
    fn decodes_bom_cp949_and_utf16() {
        let i = p("\u{feff}url,상호\na.example,가나다\n".as_bytes());
        assert_eq!(i.encoding, "utf-8 (BOM)");
        assert_eq!(i.url_column, "url");
        assert_eq!(i.rows[0].extra, ["가나다"]);
        let (cp949, _, _) =
            encoding_rs::EUC_KR.encode("홈페이지,상호명\nb.example,똠방각하 쇼핑몰\n");
        let i = p(&cp949);
        assert_eq!(i.encoding, "euc-kr");
        assert_eq!(i.url_column, "홈페이지");
        assert_eq!(i.columns, ["상호명"]);
        assert_eq!(
            i.rows[0].expect,
            [("name".to_string(), "똠방각하 쇼핑몰".to_string())],
            "an application column is carried and read as an expected value"
        );
        assert_eq!(i.rows[0].extra, ["똠방각하 쇼핑몰"]);
        let mut utf16 = vec![0xff, 0xfe];
        for u in "url\tname\nc.example\tC\n".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let i = p(&utf16);
        assert_eq!(i.encoding, "utf-16le");
        assert_eq!(i.rows[0].extra, ["C"]);
    }

    #[test]
    fn delimiters_and_excel_hints() {
        let i = p(b"sep=;\nurl;name\na.example;A, Inc.\n");
        assert_eq!(i.rows[0].extra, ["A, Inc."]);
        let i = p(b"url;name;city\na.example;A;Seoul\n");
        assert_eq!(i.columns, ["name", "city"]);
    }

    #[test]
    fn bad_rows_carry_their_own_error() {
        let i = p(b"id,url,score\n\
            1,a.example,x\n\
            2,,y\n\
            3,ht!tp://bad,z\n\
            1,b.example,w\n\
            ,,\n\
            ,c.example,v\n\
            ,c.example,u\n\
            4,ftp://files.example,t\n\
            5,intranet,s\n");
        assert_eq!(
            i.columns,
            ["input_score"],
            "clashes with the summary's own column"
        );
        let errs: Vec<(&str, Option<&str>)> = i
            .rows
            .iter()
            .map(|r| (r.id.as_str(), r.error.as_deref()))
            .collect();
        assert_eq!(errs.len(), 8, "the blank row is skipped: {errs:?}");
        assert_eq!(errs[0], ("1", None));
        assert_eq!(errs[1], ("2", Some("no URL")));
        assert!(errs[2].1.unwrap().starts_with("invalid URL"), "{errs:?}");
        assert_eq!(errs[3], ("1", Some("duplicate id '1' (first on line 2)")));
        assert!(i.rows[3].stem.is_empty());
        assert_eq!(errs[4].1, None);
        assert_eq!(errs[5].1, Some("duplicate URL (first on line 7)"));
        assert!(errs[6].1.unwrap().contains("scheme 'ftp'"), "{errs:?}");
        assert!(errs[7].1.unwrap().contains("has no domain"), "{errs:?}");
        assert_eq!(i.rows[1].line, 3);
    }
}
