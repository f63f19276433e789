//! The web app's storage: one SQLite file (WAL mode) holding every check, its report and the
//! CSV batches. The schema is versioned with `PRAGMA user_version` and migrated at start, so an
//! old database opens with a newer server. All access goes through [`Store::call`], which runs
//! on a blocking thread: SQLite calls never stall the async workers that serve pages.
//!
//! The queries live here, behind plain functions on a connection, so that another database (a
//! shared Postgres with a `SKIP LOCKED` queue) could replace this file without touching the rest.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Error;

/// Schema migrations, in order; entry `i` moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: checks, batches and their rows.
    "CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        encoding TEXT NOT NULL,
        url_column TEXT NOT NULL,
        columns TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE checks (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        site TEXT NOT NULL,
        expect TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        ready INTEGER,
        score INTEGER,
        verdict TEXT,
        chips TEXT NOT NULL DEFAULT '[]',
        report TEXT,
        error TEXT,
        batch_id INTEGER REFERENCES batches(id)
    );
    CREATE INDEX checks_by_status ON checks(status, id);
    CREATE INDEX checks_by_url ON checks(url, id);
    CREATE INDEX checks_by_site ON checks(site, id);
    CREATE TABLE batch_rows (
        batch_id INTEGER NOT NULL REFERENCES batches(id),
        line INTEGER NOT NULL,
        row_id TEXT NOT NULL,
        raw_url TEXT NOT NULL,
        error TEXT,
        extra TEXT NOT NULL DEFAULT '[]',
        check_id INTEGER REFERENCES checks(id),
        PRIMARY KEY (batch_id, line)
    );",
];

/// A check that was interrupted this many times (server killed while it ran) is not retried
/// again: a site that crashes the server must not crash it forever.
pub const MAX_ATTEMPTS: i64 = 3;

/// Handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (or creates) the database and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let mut conn = Connection::open(path).map_err(|e| {
            Error::Config(format!("{}: cannot open the database: {e}", path.display()))
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Config(format!(
                "{}: the database cannot use WAL mode (journal mode is {mode})",
                path.display()
            )));
        }
        // FULL: a check is on disk before its 202 is answered, even against a power cut.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection on a blocking thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c)
        })
        .await
        .map_err(|e| Error::Internal(format!("database task: {e}")))?
        .map_err(Error::from)
    }
}

/// Holds the database for one server: a second `siteready serve` on the same file would put the
/// first one's running checks back in the queue at its start and run them twice. Released when
/// dropped (or when the process dies, kill -9 included: the lock is the kernel's).
pub struct Exclusive {
    _file: std::fs::File,
}

/// Takes the database's lock file (`<db>.lock`), or says who holds it.
pub fn exclusive(db: &Path) -> Result<Exclusive, Error> {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    let path = std::path::PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock(2) on a descriptor this function owns; no memory is shared.
        let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if r != 0 {
            return Err(Error::Config(format!(
                "{} is in use by another siteready serve (lock {}): one server per database",
                db.display(),
                path.display()
            )));
        }
    }
    Ok(Exclusive { _file: file })
}

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

fn migrate(conn: &mut Connection) -> Result<(), Error> {
    let have: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if have > schema_version() {
        return Err(Error::Config(format!(
            "the database has schema version {have}, newer than this siteready knows ({}): \
             use a newer siteready or another --db",
            schema_version()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(have.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Where a check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Waiting for a worker.
    Queued,
    /// Being crawled by a worker.
    Running,
    /// Finished with a stored report.
    Done,
    /// Ended without a report; the row says why.
    Failed,
}

impl State {
    /// The name stored in the database and shown in the JSON API.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Running => "running",
            State::Done => "done",
            State::Failed => "failed",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "running" => State::Running,
            "done" => State::Done,
            "failed" => State::Failed,
            _ => State::Queued,
        }
    }

    /// The check will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, State::Done | State::Failed)
    }
}

/// One check as listed (everything but the report itself).
#[derive(Debug, Clone)]
pub struct CheckRow {
    /// Row id, also the check's number in URLs.
    pub id: i64,
    /// Start URL, normalised.
    pub url: String,
    /// `host` or `host:port`: the key of `/sites/{site}`.
    pub site: String,
    /// Application values (`key`, value) to find on the site.
    pub expect: Vec<(String, String)>,
    /// Where the check stands.
    pub state: State,
    /// How many times a worker has started this check.
    pub attempts: i64,
    /// When it was submitted (RFC 3339, UTC).
    pub created_at: String,
    /// When a worker last took it, if one has.
    pub started_at: Option<String>,
    /// When it finished or failed.
    pub finished_at: Option<String>,
    /// Whether a done check found the site ready for review.
    pub ready: Option<bool>,
    /// Readiness score of a done check.
    pub score: Option<u32>,
    /// The overall status (`pass`, `warn`, `fail`, `inconclusive`) of a done check.
    pub verdict: Option<String>,
    /// Prerequisite id → status, in report order.
    pub chips: Vec<(String, String)>,
    /// Why a failed check produced no report.
    pub error: Option<String>,
    /// The CSV batch it came from, if any.
    pub batch_id: Option<i64>,
}

const CHECK_COLUMNS: &str = "id, url, site, expect, status, attempts, created_at, started_at, \
     finished_at, ready, score, verdict, chips, error, batch_id";

fn check_row(r: &Row<'_>) -> rusqlite::Result<CheckRow> {
    let expect: String = r.get(3)?;
    let chips: String = r.get(12)?;
    let status: String = r.get(4)?;
    Ok(CheckRow {
        id: r.get(0)?,
        url: r.get(1)?,
        site: r.get(2)?,
        expect: serde_json::from_str(&expect).unwrap_or_default(),
        state: State::parse(&status),
        attempts: r.get(5)?,
        created_at: r.get(6)?,
        started_at: r.get(7)?,
        finished_at: r.get(8)?,
        ready: r.get::<_, Option<i64>>(9)?.map(|v| v != 0),
        score: r
            .get::<_, Option<i64>>(10)?
            .and_then(|v| u32::try_from(v).ok()),
        verdict: r.get(11)?,
        chips: serde_json::from_str(&chips).unwrap_or_default(),
        error: r.get(13)?,
        batch_id: r.get(14)?,
    })
}

/// A check to insert.
#[derive(Debug, Clone)]
pub struct NewCheck {
    /// Start URL, normalised.
    pub url: String,
    /// `host` or `host:port` of the URL, for `/sites/{site}`.
    pub site: String,
    /// Application values (`key`, value) to find on the site.
    pub expect: Vec<(String, String)>,
}

fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

fn insert_one(c: &Connection, n: &NewCheck, batch: Option<i64>) -> rusqlite::Result<i64> {
    let expect = serde_json::to_string(&n.expect).unwrap_or_else(|_| "[]".into());
    c.execute(
        "INSERT INTO checks (url, site, expect, status, created_at, batch_id)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?5)",
        params![n.url, n.site, expect, now(), batch],
    )?;
    Ok(c.last_insert_rowid())
}

/// Outcome of an insert that respects the queue limit.
#[derive(Debug)]
pub enum Inserted {
    /// Inserted; the new checks' ids, in input order.
    Ids(Vec<i64>),
    /// The queue already holds this many checks.
    QueueFull(i64),
}

/// Queued checks, waiting for a worker.
pub fn queued_count(c: &Connection) -> rusqlite::Result<i64> {
    c.query_row(
        "SELECT COUNT(*) FROM checks WHERE status = 'queued'",
        [],
        |r| r.get(0),
    )
}

/// How many queued checks a worker takes before this one (same order as [`claim`]).
pub fn ahead_of(c: &Connection, row: &CheckRow) -> rusqlite::Result<i64> {
    let batch = i64::from(row.batch_id.is_some());
    c.query_row(
        "SELECT COUNT(*) FROM checks WHERE status = 'queued'
         AND ((batch_id IS NOT NULL) < ?1 OR ((batch_id IS NOT NULL) = ?1 AND id < ?2))",
        params![batch, row.id],
        |r| r.get(0),
    )
}

/// Inserts checks as `queued` in one transaction, unless the queue would grow past `max_queue`.
pub fn insert_checks(
    c: &mut Connection,
    checks: &[NewCheck],
    max_queue: usize,
) -> rusqlite::Result<Inserted> {
    let tx = c.transaction()?;
    let queued = queued_count(&tx)?;
    if queued as usize + checks.len() > max_queue {
        return Ok(Inserted::QueueFull(queued));
    }
    let mut ids = Vec::with_capacity(checks.len());
    for n in checks {
        ids.push(insert_one(&tx, n, None)?);
    }
    tx.commit()?;
    Ok(Inserted::Ids(ids))
}

/// One check by id.
pub fn get(c: &Connection, id: i64) -> rusqlite::Result<Option<CheckRow>> {
    c.query_row(
        &format!("SELECT {CHECK_COLUMNS} FROM checks WHERE id = ?1"),
        [id],
        check_row,
    )
    .optional()
}

/// The stored report JSON of a check.
pub fn report(c: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    Ok(
        c.query_row("SELECT report FROM checks WHERE id = ?1", [id], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten(),
    )
}

fn list(
    c: &Connection,
    filter: &str,
    arg: &dyn rusqlite::ToSql,
    limit: usize,
) -> rusqlite::Result<Vec<CheckRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {CHECK_COLUMNS} FROM checks {filter} ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = st.query_map(params![arg, limit as i64], check_row)?;
    rows.collect()
}

/// The most recent checks, newest first.
pub fn recent(c: &Connection, limit: usize) -> rusqlite::Result<Vec<CheckRow>> {
    list(c, "WHERE ?1 = ?1", &0i64, limit)
}

/// Every check of one start URL, newest first.
pub fn by_url(c: &Connection, url: &str, limit: usize) -> rusqlite::Result<Vec<CheckRow>> {
    list(c, "WHERE url = ?1", &url, limit)
}

/// Every check of one site (`host[:port]`), newest first.
pub fn by_site(c: &Connection, site: &str, limit: usize) -> rusqlite::Result<Vec<CheckRow>> {
    list(c, "WHERE site = ?1", &site, limit)
}

/// The latest finished check of the same site before `id`.
pub fn previous_done(c: &Connection, id: i64, site: &str) -> rusqlite::Result<Option<i64>> {
    c.query_row(
        "SELECT id FROM checks WHERE site = ?1 AND id < ?2 AND status = 'done'
         ORDER BY id DESC LIMIT 1",
        params![site, id],
        |r| r.get(0),
    )
    .optional()
}

/// Takes the next queued check for a worker: marks it running and counts the attempt. Checks a
/// reviewer submitted one by one go before the rows of CSV batches, so that a batch of a thousand
/// merchants does not make a reviewer wait for the one site in front of them; within each kind,
/// oldest first.
pub fn claim(c: &Connection) -> rusqlite::Result<Option<CheckRow>> {
    c.query_row(
        &format!(
            "UPDATE checks SET status = 'running', started_at = ?1, attempts = attempts + 1
             WHERE id = (SELECT id FROM checks WHERE status = 'queued'
                         ORDER BY batch_id IS NOT NULL, id LIMIT 1)
             RETURNING {CHECK_COLUMNS}"
        ),
        [now()],
        check_row,
    )
    .optional()
}

/// Stores a finished report.
pub fn finish(
    c: &Connection,
    id: i64,
    report_json: &str,
    r: &crate::report::Report,
) -> rusqlite::Result<()> {
    let chips: Vec<(String, String)> = r
        .checks
        .iter()
        .filter(|k| !k.advisory)
        .map(|k| (k.id.clone(), k.status.to_string()))
        .collect();
    c.execute(
        "UPDATE checks SET status = 'done', finished_at = ?2, report = ?3, ready = ?4,
         score = ?5, verdict = ?6, chips = ?7, error = NULL WHERE id = ?1",
        params![
            id,
            now(),
            report_json,
            r.verdict.ready,
            r.verdict.score,
            r.verdict.status.to_string(),
            serde_json::to_string(&chips).unwrap_or_else(|_| "[]".into()),
        ],
    )?;
    Ok(())
}

/// Records why a check produced no report.
pub fn fail(c: &Connection, id: i64, error: &str) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE checks SET status = 'failed', finished_at = ?2, error = ?3 WHERE id = ?1",
        params![id, now(), error],
    )?;
    Ok(())
}

/// Puts a check that was stopped by a graceful shutdown back in the queue; the attempt does not
/// count against [`MAX_ATTEMPTS`].
pub fn requeue(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE checks SET status = 'queued', started_at = NULL,
         attempts = MAX(attempts - 1, 0) WHERE id = ?1 AND status = 'running'",
        [id],
    )?;
    Ok(())
}

/// At start: checks left `running` by a server that died go back to the queue, except those
/// that already died [`MAX_ATTEMPTS`] times. Returns (requeued, given up).
pub fn recover(c: &mut Connection) -> rusqlite::Result<(usize, usize)> {
    let tx = c.transaction()?;
    let gave_up = tx.execute(
        "UPDATE checks SET status = 'failed', finished_at = ?2,
         error = 'the server stopped during this check ' || attempts || ' times; it is not retried again'
         WHERE status = 'running' AND attempts >= ?1",
        params![MAX_ATTEMPTS, now()],
    )?;
    let requeued = tx.execute(
        "UPDATE checks SET status = 'queued', started_at = NULL WHERE status = 'running'",
        [],
    )?;
    tx.commit()?;
    Ok((requeued, gave_up))
}

/// A CSV batch as stored.
#[derive(Debug, Clone)]
pub struct BatchRow {
    /// Row id, also the batch's number in URLs.
    pub id: i64,
    /// File name of the uploaded CSV.
    pub name: String,
    /// When it was uploaded (RFC 3339, UTC).
    pub created_at: String,
    /// Encoding the file was read as (`utf-8`, `euc-kr` …).
    pub encoding: String,
    /// Header of the URL column.
    pub url_column: String,
    /// Carried columns, repeated in the summary CSV.
    pub columns: Vec<String>,
}

/// One CSV row of a batch, with its check when it has one.
#[derive(Debug, Clone)]
pub struct BatchLine {
    /// Line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// The merchant's id from the id column, else derived from the URL or line.
    pub row_id: String,
    /// The URL cell as written.
    pub raw_url: String,
    /// Why the row got no check (no URL, invalid URL, duplicate id …).
    pub error: Option<String>,
    /// Values of the carried columns, in the order of [`BatchRow::columns`].
    pub extra: Vec<String>,
    /// The row's check, when it has one.
    pub check: Option<CheckRow>,
}

/// A batch to insert: its rows, each with the check to run (or why there is none).
pub struct NewBatch {
    /// File name of the uploaded CSV.
    pub name: String,
    /// Encoding the file was read as (`utf-8`, `euc-kr` …).
    pub encoding: String,
    /// Header of the URL column.
    pub url_column: String,
    /// Carried columns, repeated in the summary CSV.
    pub columns: Vec<String>,
    /// The data rows in file order, usable or not.
    pub rows: Vec<NewBatchLine>,
}

/// One CSV row to insert with its batch.
pub struct NewBatchLine {
    /// Line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// The merchant's id from the id column, else derived from the URL or line.
    pub row_id: String,
    /// The URL cell as written.
    pub raw_url: String,
    /// Values of the carried columns, in the order of [`NewBatch::columns`].
    pub extra: Vec<String>,
    /// The check to queue, or why the row cannot be checked.
    pub check: Result<NewCheck, String>,
}

/// Inserts a batch, its rows and their checks in one transaction (all or nothing), unless the
/// queue would grow past `max_queue`.
pub fn insert_batch(
    c: &mut Connection,
    b: &NewBatch,
    max_queue: usize,
) -> rusqlite::Result<Result<(i64, usize), i64>> {
    let tx = c.transaction()?;
    let queued = queued_count(&tx)?;
    let n = b.rows.iter().filter(|r| r.check.is_ok()).count();
    if queued as usize + n > max_queue {
        return Ok(Err(queued));
    }
    tx.execute(
        "INSERT INTO batches (name, created_at, encoding, url_column, columns)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            b.name,
            now(),
            b.encoding,
            b.url_column,
            serde_json::to_string(&b.columns).unwrap_or_else(|_| "[]".into())
        ],
    )?;
    let batch = tx.last_insert_rowid();
    for r in &b.rows {
        let (check, error) = match &r.check {
            Ok(n) => (Some(insert_one(&tx, n, Some(batch))?), None),
            Err(e) => (None, Some(e.clone())),
        };
        tx.execute(
            "INSERT INTO batch_rows (batch_id, line, row_id, raw_url, error, extra, check_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                batch,
                r.line as i64,
                r.row_id,
                r.raw_url,
                error,
                serde_json::to_string(&r.extra).unwrap_or_else(|_| "[]".into()),
                check
            ],
        )?;
    }
    tx.commit()?;
    Ok(Ok((batch, n)))
}

/// A batch by id.
pub fn batch(c: &Connection, id: i64) -> rusqlite::Result<Option<BatchRow>> {
    c.query_row(
        "SELECT id, name, created_at, encoding, url_column, columns FROM batches WHERE id = ?1",
        [id],
        |r| {
            let columns: String = r.get(5)?;
            Ok(BatchRow {
                id: r.get(0)?,
                name: r.get(1)?,
                created_at: r.get(2)?,
                encoding: r.get(3)?,
                url_column: r.get(4)?,
                columns: serde_json::from_str(&columns).unwrap_or_default(),
            })
        },
    )
    .optional()
}

/// The rows of a batch in file order, each with its check.
pub fn batch_lines(c: &Connection, id: i64) -> rusqlite::Result<Vec<BatchLine>> {
    let mut st = c.prepare_cached(
        "SELECT line, row_id, raw_url, error, extra, check_id FROM batch_rows
         WHERE batch_id = ?1 ORDER BY line",
    )?;
    type Raw = (i64, String, String, Option<String>, String, Option<i64>);
    let raw: Vec<Raw> = st
        .query_map([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(raw.len());
    for (line, row_id, raw_url, error, extra, check_id) in raw {
        let check = match check_id {
            Some(cid) => get(c, cid)?,
            None => None,
        };
        out.push(BatchLine {
            line: u64::try_from(line).unwrap_or(0),
            row_id,
            raw_url,
            error,
            extra: serde_json::from_str(&extra).unwrap_or_default(),
            check,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(url: &str) -> NewCheck {
        NewCheck {
            url: url.into(),
            site: "shop.example".into(),
            expect: vec![("reg_no".into(), "123-45-67890".into())],
        }
    }

    #[test]
    fn schema_is_created_once_and_versioned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let s = Store::open(&path).unwrap();
        drop(s);
        // Opening again applies nothing twice.
        let _s = Store::open(&path).unwrap();
        let c = Connection::open(&path).unwrap();
        let v: i64 = c
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema_version());
        let mode: String = c
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn one_server_per_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let first = exclusive(&path).unwrap();
        let e = exclusive(&path).err().unwrap().to_string();
        assert!(e.contains("in use"), "{e}");
        drop(first);
        assert!(exclusive(&path).is_ok());
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", 99).unwrap();
        }
        let e = Store::open(&path).err().unwrap().to_string();
        assert!(e.contains("newer"), "{e}");
    }

    #[test]
    fn queue_claim_recover_and_limit() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        let ids = match insert_checks(&mut c, &[new("https://a/"), new("https://b/")], 3).unwrap() {
            Inserted::Ids(v) => v,
            Inserted::QueueFull(_) => panic!("room for two"),
        };
        assert_eq!(ids.len(), 2);
        assert!(matches!(
            insert_checks(&mut c, &[new("https://c/"), new("https://d/")], 3).unwrap(),
            Inserted::QueueFull(2)
        ));
        let first = claim(&c).unwrap().unwrap();
        assert_eq!(first.id, ids[0]);
        assert_eq!(first.state, State::Running);
        assert_eq!(first.expect[0].0, "reg_no");
        // A crash leaves it running; recovery puts it back in the queue.
        assert_eq!(recover(&mut c).unwrap(), (1, 0));
        assert_eq!(get(&c, ids[0]).unwrap().unwrap().state, State::Queued);
        // A check that died MAX_ATTEMPTS times is given up.
        for _ in 1..MAX_ATTEMPTS {
            let r = claim(&c).unwrap().unwrap();
            assert_eq!(r.id, ids[0]);
            recover(&mut c).unwrap();
        }
        let row = get(&c, ids[0]).unwrap().unwrap();
        assert_eq!(row.state, State::Failed);
        assert!(row.error.unwrap().contains("not retried"));
        // A graceful requeue does not count.
        let r = claim(&c).unwrap().unwrap();
        assert_eq!(r.attempts, 1);
        requeue(&c, r.id).unwrap();
        let again = claim(&c).unwrap().unwrap();
        assert_eq!(again.attempts, 1);
    }

    #[test]
    fn single_checks_go_before_batch_rows() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        let line = |n: u64| NewBatchLine {
            line: n,
            row_id: format!("m{n}"),
            raw_url: "https://b/".into(),
            extra: vec![],
            check: Ok(new("https://b/")),
        };
        let batch = NewBatch {
            name: "b.csv".into(),
            encoding: "utf-8".into(),
            url_column: "url".into(),
            columns: vec![],
            rows: vec![line(2), line(3)],
        };
        let (b, n) = insert_batch(&mut c, &batch, 10).unwrap().unwrap();
        assert_eq!(n, 2);
        let single = match insert_checks(&mut c, &[new("https://a/")], 10).unwrap() {
            Inserted::Ids(v) => v[0],
            Inserted::QueueFull(_) => panic!("room"),
        };
        let lines = batch_lines(&c, b).unwrap();
        let last = lines[1].check.clone().unwrap();
        assert_eq!(
            ahead_of(&c, &last).unwrap(),
            2,
            "the single check and one row"
        );
        let first = get(&c, single).unwrap().unwrap();
        assert_eq!(ahead_of(&c, &first).unwrap(), 0);
        assert_eq!(claim(&c).unwrap().unwrap().id, single);
        let next = claim(&c).unwrap().unwrap();
        assert_eq!(next.batch_id, Some(b));
        let lines = batch_lines(&c, b).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].check.as_ref().unwrap().id, next.id);
        assert!(matches!(insert_batch(&mut c, &batch, 1).unwrap(), Err(1)));
    }
}
