//! [`SqliteStore`]: the embedded store, one SQLite file in WAL mode.
//!
//! Writes go to the group-commit writer thread (`writer.rs`); reads use a second connection
//! (WAL lets it read while the writer commits). Opening checks the file before touching it: a
//! file that is not a database, a damaged one, or one from a newer flowctl is refused with an
//! error naming it, never reset. `synchronous=NORMAL` in WAL mode means a committed write
//! survives the process crashing; a power cut may lose the last commits.

use crate::Store;
use crate::clock::{Clock, SystemClock};
use crate::codec::encode;
use crate::error::{At, StoreError};
use crate::history;
use crate::ops::{Finish, Reply, WriteOp};
use crate::schema;
use crate::strip::metadata_only;
use crate::types::{
    Dedupe, ListFilter, NewRun, Progress, QueueDepth, RunSummary, StoredInput, Tick, Unfinished,
};
use crate::writer::Writer;
use flow_runtime::{ExecutionRecord, ResponseRecord, StepRecord};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a connection waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite store.
pub struct SqliteStore {
    /// The file (None in memory).
    path: Option<PathBuf>,
    /// The name errors use: the file, or `:memory:`.
    label: PathBuf,
    /// The read connection (None in memory: reads go to the writer's connection).
    reader: Option<Mutex<Connection>>,
    /// Dropped last among the connections' owners: it commits what is queued, then closes.
    writer: Writer,
    /// Now, for leases, dedupe windows and the elapsed time of unfinished runs.
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.label)
            .finish_non_exhaustive()
    }
}

fn configure(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT).at(path)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(())
}

/// `PRAGMA quick_check`: refuses a damaged file.
fn quick_check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let mut stmt = conn.prepare("PRAGMA quick_check(5)").at(path)?;
    let problems = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .at(path)?
        .collect::<Result<Vec<_>, _>>()
        .at(path)?;
    if problems.len() == 1 && problems[0] == "ok" {
        return Ok(());
    }
    Err(StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: problems.join("; "),
    })
}

/// Creates a new store at `path` whole: the schema is written to a file beside it, which is
/// then linked into place. No empty or half-made database is ever at `path`, even if the
/// process dies meanwhile, so an empty file there is never one flowctl made (see
/// [`SqliteStore::open`]). When another process creates the store first, its file is kept.
fn create(path: &Path) -> Result<(), StoreError> {
    let io = |detail: String| StoreError::Io {
        path: path.to_path_buf(),
        detail,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let draft = path.with_file_name(format!(".{name}.new-{}-{nanos}", std::process::id()));
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let made = (|| {
        // The default rollback journal: once closed, everything is in the one file.
        let conn = Connection::open_with_flags(&draft, flags).at(path)?;
        configure(&conn, path)?;
        schema::migrate(&conn, path)?;
        conn.close().map_err(|(_, e)| StoreError::sqlite(e, path))?;
        match std::fs::hard_link(&draft, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(io(format!("cannot create it: {e}"))),
        }
    })();
    let removed = std::fs::remove_file(&draft);
    made?;
    removed.map_err(|e| io(format!("cannot remove {}: {e}", draft.display())))
}

impl SqliteStore {
    /// Opens (creating the file and its directories when the file does not exist) with WAL,
    /// `synchronous=NORMAL` and a busy timeout, then applies the missing migrations.
    ///
    /// Errors, never resets: a file that is not a database, is empty (0 bytes) or fails
    /// `PRAGMA quick_check` → [`StoreError::Corrupt`]; a schema from a newer flowctl →
    /// [`StoreError::NewerSchema`]; a directory or file that cannot be created or opened →
    /// [`StoreError::Io`].
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_inner(path, None, Arc::new(SystemClock))
    }

    /// [`SqliteStore::open`] with time read from `clock` (leases, dedupe windows, interrupted
    /// runs), so tests can move time instead of waiting.
    pub fn open_with_clock(path: &Path, clock: Arc<dyn Clock>) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_inner(path, None, clock)
    }

    /// [`SqliteStore::open`] with the database limited to `pages` pages (of 4 KiB), to test a
    /// full disk.
    #[doc(hidden)]
    pub fn open_with_max_pages(path: &Path, pages: u64) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_inner(path, Some(pages), Arc::new(SystemClock))
    }

    fn open_inner(
        path: &Path,
        max_pages: Option<u64>,
        clock: Arc<dyn Clock>,
    ) -> Result<SqliteStore, StoreError> {
        let io = |detail: String| StoreError::Io {
            path: path.to_path_buf(),
            detail,
        };
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| io(format!("cannot create {}: {e}", dir.display())))?;
        }
        if path.is_dir() {
            return Err(io("it is a directory".into()));
        }
        match std::fs::metadata(path) {
            // SQLite takes an empty file for a new database; a store flowctl made never is one.
            Ok(meta) if meta.len() == 0 => {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    detail: "the file is empty: 0 bytes, so it holds none of the runs and \
                             dedupe keys of the store it replaced"
                        .into(),
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path)?,
            Err(e) => return Err(io(e.to_string())),
        }
        // Never SQLITE_OPEN_CREATE: a file that vanished since is an error, not a new store.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).at(path)?;
        configure(&conn, path)?;
        // Read-only checks first: a refused file is left exactly as it was.
        schema::check_not_newer(&conn, path)?;
        quick_check(&conn, path)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .at(path)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Database(format!(
                "{}: cannot use write-ahead logging (journal mode stays `{mode}`); put the \
                 store on a local file system",
                path.display()
            )));
        }
        conn.pragma_update(None, "synchronous", "NORMAL").at(path)?;
        if let Some(pages) = max_pages {
            conn.pragma_update(
                None,
                "max_page_count",
                i64::try_from(pages).unwrap_or(i64::MAX),
            )
            .at(path)?;
        }
        schema::migrate(&conn, path)?;
        let reader = Connection::open_with_flags(path, flags).at(path)?;
        configure(&reader, path)?;
        reader.pragma_update(None, "query_only", true).at(path)?;
        Ok(SqliteStore {
            path: Some(path.to_path_buf()),
            label: path.to_path_buf(),
            reader: Some(Mutex::new(reader)),
            writer: Writer::start(conn, path.to_path_buf(), clock.clone())?,
            clock,
        })
    }

    /// An in-memory store (for tests): one connection, owned by the writer thread.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::open_in_memory_with_clock(Arc::new(SystemClock))
    }

    /// [`SqliteStore::open_in_memory`] with time read from `clock`.
    pub fn open_in_memory_with_clock(clock: Arc<dyn Clock>) -> Result<SqliteStore, StoreError> {
        let label = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().at(&label)?;
        configure(&conn, &label)?;
        schema::migrate(&conn, &label)?;
        Ok(SqliteStore {
            path: None,
            writer: Writer::start(conn, label.clone(), clock.clone())?,
            clock,
            label,
            reader: None,
        })
    }

    /// Now on the store's clock (milliseconds since the Unix epoch): the time table writes
    /// record.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Parses a `store:` setting: `sqlite://PATH` (relative to `base`), `sqlite://:memory:`,
    /// or `none` (→ `Ok(None)`: runs are not stored).
    pub fn from_url(url: &str, base: &Path) -> Result<Option<SqliteStore>, StoreError> {
        let url = url.trim();
        if url.eq_ignore_ascii_case("none") {
            return Ok(None);
        }
        match url.strip_prefix("sqlite://") {
            Some(":memory:") => SqliteStore::open_in_memory().map(Some),
            Some(rest) if !rest.is_empty() => {
                SqliteStore::open(&base.join(Path::new(rest))).map(Some)
            }
            _ => {
                // Only the scheme: the rest of a URL may hold a password.
                let shown = match url.split_once("://") {
                    Some((scheme, _)) => format!("{scheme}://…"),
                    None => url.to_string(),
                };
                Err(StoreError::Unsupported(shown))
            }
        }
    }

    /// The database path (None in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `f` on the write connection, between commits (for table writes: `tables.rs`).
    pub(crate) fn on_writer<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, StoreError> + Send + 'static,
    {
        let label = self.label.clone();
        self.writer.read(move |conn| f(conn, &label))
    }

    /// Runs a read on the read connection (in memory: on the writer's, after queued writes).
    pub(crate) fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, StoreError> + Send + 'static,
    {
        match &self.reader {
            Some(reader) => {
                let conn = reader.lock().unwrap_or_else(PoisonError::into_inner);
                f(&conn, &self.label)
            }
            None => {
                let label = self.label.clone();
                self.writer.read(move |conn| f(conn, &label))
            }
        }
    }

    fn begin_with(
        &self,
        run: &NewRun,
        claim: Option<(String, i64)>,
        dedupe: Option<(String, i64)>,
        queued: Option<Option<&ResponseRecord>>,
    ) -> Result<Reply, StoreError> {
        self.writer.call(self.begin_op(run, claim, dedupe, queued)?)
    }

    /// The write that records `run` (see [`SqliteStore::begin_with`]).
    fn begin_op(
        &self,
        run: &NewRun,
        claim: Option<(String, i64)>,
        dedupe: Option<(String, i64)>,
        queued: Option<Option<&ResponseRecord>>,
    ) -> Result<WriteOp, StoreError> {
        let input = encode(&run.input)?;
        let response = match queued.flatten() {
            Some(r) => Some(Box::new((encode(r)?, i64::from(r.status)))),
            None => None,
        };
        Ok(WriteOp::Begin {
            id: run.execution_id.clone(),
            flow: run.flow.clone(),
            started_at: run.started_at.clone(),
            started_ms: started_ms(&run.started_at, &*self.clock),
            input,
            save_data: run.save_data,
            // A queued run is a server's: any node may start it.
            resumable: run.resumable || queued.is_some(),
            claim,
            dedupe,
            queued: queued.is_some(),
            response,
        })
    }

    /// The write that stores a run's final record (metadata only when its flow said so).
    fn finish_op(&self, record: &ExecutionRecord) -> Result<WriteOp, StoreError> {
        let id = record.execution_id.clone();
        let save_data = self
            .read(move |conn, path| history::save_data(conn, path, &id))?
            .unwrap_or(true);
        let stored = if save_data {
            encode(record)?
        } else {
            encode(&metadata_only(record))?
        };
        let response = record.response.as_ref().map(encode).transpose()?;
        let error = record.error.as_ref().map(encode).transpose()?;
        Ok(WriteOp::Finish(Box::new(Finish {
            id: record.execution_id.clone(),
            flow: record.flow.to_string(),
            status: record.status.as_str().to_string(),
            started_at: record.started_at.clone(),
            started_ms: started_ms(&record.started_at, &*self.clock),
            duration_ms: record.duration_ms,
            save_data,
            record: stored,
            response,
            response_status: record.response.as_ref().map(|r| i64::from(r.status)),
            error,
        })))
    }

    /// An earlier batched write of this run that failed, still unreported.
    fn failed_before(&self, execution_id: &str) -> Result<(), StoreError> {
        match self.writer.failures().take(execution_id) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The write that stores the answer a run's caller got.
fn response_op(execution_id: &str, response: &ResponseRecord) -> Result<WriteOp, StoreError> {
    Ok(WriteOp::SaveResponse {
        id: execution_id.to_string(),
        response: encode(response)?,
        status: i64::from(response.status),
    })
}

/// Milliseconds since the Unix epoch of an RFC 3339 time (`clock`'s now when it does not
/// parse).
fn started_ms(started_at: &str, clock: &dyn Clock) -> i64 {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(started_at, &Rfc3339) {
        Ok(t) => i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
        Err(_) => clock.now_ms(),
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn unexpected(reply: Reply) -> StoreError {
    StoreError::Database(format!("internal: unexpected writer reply {reply:?}"))
}

impl Store for SqliteStore {
    fn begin(&self, run: &NewRun) -> Result<(), StoreError> {
        self.begin_with(run, None, None, None).map(drop)
    }

    fn begin_claimed(&self, run: &NewRun, owner: &str, lease: Duration) -> Result<(), StoreError> {
        self.begin_with(run, Some((owner.to_string(), millis(lease))), None, None)
            .map(drop)
    }

    fn begin_deduped(
        &self,
        run: &NewRun,
        owner: &str,
        lease: Duration,
        key: &str,
        window: Duration,
    ) -> Result<Dedupe, StoreError> {
        let claim = Some((owner.to_string(), millis(lease)));
        match self.begin_with(run, claim, Some((key.to_string(), millis(window))), None)? {
            Reply::Dedupe(answer) => Ok(answer),
            other => Err(unexpected(other)),
        }
    }

    fn enqueue(
        &self,
        run: &NewRun,
        dedupe: Option<(&str, Duration)>,
        response: Option<&ResponseRecord>,
    ) -> Result<Dedupe, StoreError> {
        let reserve = dedupe.map(|(key, window)| (key.to_string(), millis(window)));
        match self.begin_with(run, None, reserve, Some(response))? {
            Reply::Dedupe(answer) => Ok(answer),
            Reply::Done => Ok(Dedupe::First),
            other => Err(unexpected(other)),
        }
    }

    fn claim(&self, n: usize, owner: &str, lease: Duration) -> Result<Vec<Unfinished>, StoreError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        match self.writer.call(WriteOp::ClaimQueued {
            owner: owner.to_string(),
            lease_ms: millis(lease),
            n: i64::try_from(n).unwrap_or(i64::MAX),
        })? {
            Reply::Claimed(runs) => Ok(runs),
            other => Err(unexpected(other)),
        }
    }

    fn claim_tick(
        &self,
        run: &NewRun,
        tick_ms: i64,
        fire_if_first: bool,
    ) -> Result<Tick, StoreError> {
        let begin = self.begin_op(run, None, None, Some(None))?;
        match self.writer.call(WriteOp::ClaimTick {
            flow: run.flow.clone(),
            tick_ms,
            fire_if_first,
            run: Box::new(begin),
        })? {
            Reply::Tick(t) => Ok(t),
            other => Err(unexpected(other)),
        }
    }

    fn queue_depth(&self) -> Result<Vec<QueueDepth>, StoreError> {
        let now_ms = self.clock.now_ms();
        self.read(move |conn, path| history::queue_depth(conn, path, now_ms))
    }

    fn save_step(
        &self,
        execution_id: &str,
        step_index: usize,
        step: &StepRecord,
    ) -> Result<(), StoreError> {
        if let Some(e) = self.writer.failures().peek(execution_id) {
            return Err(e);
        }
        let record = encode(step)?;
        self.writer.post(WriteOp::SaveStep {
            id: execution_id.to_string(),
            index: i64::try_from(step_index).unwrap_or(i64::MAX),
            record,
        })
    }

    fn save_child(
        &self,
        parent_id: &str,
        step_id: &str,
        child: &ExecutionRecord,
    ) -> Result<(), StoreError> {
        if let Some(e) = self.writer.failures().peek(parent_id) {
            return Err(e);
        }
        let record = encode(child)?;
        self.writer.post(WriteOp::SaveChild {
            parent: parent_id.to_string(),
            step_id: step_id.to_string(),
            index: i64::try_from(child.index.unwrap_or(0)).unwrap_or(i64::MAX),
            record,
        })
    }

    fn save_response(
        &self,
        execution_id: &str,
        response: &ResponseRecord,
    ) -> Result<(), StoreError> {
        self.writer.call(response_op(execution_id, response)?)?;
        self.failed_before(execution_id)
    }

    fn queue_response(
        &self,
        execution_id: &str,
        response: &ResponseRecord,
    ) -> Result<(), StoreError> {
        self.writer.post(response_op(execution_id, response)?)
    }

    fn finish(&self, record: &ExecutionRecord) -> Result<(), StoreError> {
        self.writer.call(self.finish_op(record)?)?;
        // The final record holds every step: a step row that failed to save is superseded.
        drop(self.writer.failures().take(&record.execution_id));
        Ok(())
    }

    fn queue_finish(&self, record: &ExecutionRecord) -> Result<(), StoreError> {
        self.writer.post(self.finish_op(record)?)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.writer.call(WriteOp::Flush)?;
        match self.writer.failures().take_any() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn claim_unfinished(
        &self,
        owner: &str,
        lease: Duration,
    ) -> Result<Vec<Unfinished>, StoreError> {
        match self.writer.call(WriteOp::Claim {
            owner: owner.to_string(),
            lease_ms: millis(lease),
        })? {
            Reply::Claimed(runs) => Ok(runs),
            other => Err(unexpected(other)),
        }
    }

    fn renew(&self, owner: &str, lease: Duration) -> Result<(), StoreError> {
        self.writer
            .call(WriteOp::Renew {
                owner: owner.to_string(),
                lease_ms: millis(lease),
            })
            .map(drop)
    }

    fn progress(&self, execution_id: &str) -> Result<Progress, StoreError> {
        let id = execution_id.to_string();
        self.read(move |conn, path| history::progress(conn, path, &id))
    }

    fn dedupe(
        &self,
        flow: &str,
        key: &str,
        window: Duration,
        execution_id: &str,
    ) -> Result<Dedupe, StoreError> {
        match self.writer.call(WriteOp::Dedupe {
            flow: flow.to_string(),
            key: key.to_string(),
            window_ms: millis(window),
            id: execution_id.to_string(),
        })? {
            Reply::Dedupe(answer) => Ok(answer),
            other => Err(unexpected(other)),
        }
    }

    fn list(&self, filter: &ListFilter) -> Result<Vec<RunSummary>, StoreError> {
        let filter = filter.clone();
        self.read(move |conn, path| history::list(conn, path, &filter))
    }

    fn get(&self, execution_id: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        let id = execution_id.to_string();
        let now_ms = self.clock.now_ms();
        self.read(move |conn, path| history::get(conn, path, &id, now_ms))
    }

    fn input(&self, execution_id: &str) -> Result<Option<StoredInput>, StoreError> {
        let id = execution_id.to_string();
        self.read(move |conn, path| history::input(conn, path, &id))
    }

    fn prune(&self, flow: Option<&str>, before: i64) -> Result<usize, StoreError> {
        match self.writer.call(WriteOp::Prune {
            flow: flow.map(str::to_string),
            before_ms: before.saturating_mul(1000),
            except: Vec::new(),
        })? {
            Reply::Count(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    fn prune_except(&self, except: &[String], before: i64) -> Result<usize, StoreError> {
        match self.writer.call(WriteOp::Prune {
            flow: None,
            before_ms: before.saturating_mul(1000),
            except: except.to_vec(),
        })? {
            Reply::Count(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    fn fail_abandoned(&self) -> Result<usize, StoreError> {
        match self.writer.call(WriteOp::FailAbandoned)? {
            Reply::Count(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    fn health(&self) -> Result<(), StoreError> {
        self.read(history::health)
    }

    fn tables(
        self: Arc<Self>,
        defs: &flow_model::tables::Tables,
    ) -> Result<Arc<dyn flow_model::tables::TableStore>, flow_model::tables::TableError> {
        Ok(Arc::new(crate::tables::SqliteTables::open(self, defs)?))
    }
}
