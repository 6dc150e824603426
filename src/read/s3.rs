//! Reading CloudTrail logs from S3: `s3://bucket/prefix` wherever a path goes. This module owns
//! everything that speaks S3, so the rest of the pipeline sees an object as an
//! [`Input::Object`] and its body as a reader, loaded through [`super::load::load`] as a file is:
//!
//! - the async runtime (one tokio runtime, made on the first `s3://` argument and never when
//!   there is none) and the client, with the AWS SDK's own credential chain and region, and
//!   `AWS_ENDPOINT_URL` for S3-compatible stores (plain `http://` only with
//!   `AWS_ALLOW_HTTP=true`);
//! - listing ([`list`]): a prefix is walked a level at a time (delimiter `/`, every page), so
//!   the date folders of the CloudTrail layout outside `--since`/`--until` are never listed,
//!   and digests and other names are counted as skipped without being fetched, as on disk;
//! - fetching ([`Prefetch`]): objects are fetched ahead of the workers that read them, several
//!   at a time (S3's latency, not the cores, is what bounds a trail of small objects), bounded
//!   in count and in bytes, with the SDK's retries and backoff on throttling and server errors
//!   and ours on a body cut off in transit;
//! - the problems that concern a whole location (credentials refused or missing, no such
//!   bucket, an endpoint that does not answer): one error for the location ([`S3Problem`],
//!   [`collapse`]), not one per object; after a bucket's first such refusal of an object, its
//!   other objects are not asked for.

use super::decode::SkipReason;
use super::discover::{DayWindow, Input, has_log_name, in_digest_folder, outside_window};
use super::load::LoadProblem;
use crate::error::InputError;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{ProvideCredentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::EncodingType;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The address of one object: `s3://bucket/key`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectUrl {
    bucket: Arc<str>,
    key: String,
}

impl ObjectUrl {
    /// The address as a path, for errors and the `log_file` column (`s3://bucket/key`, shown
    /// as written: a path is only displayed, never opened).
    pub fn path(&self) -> PathBuf {
        PathBuf::from(self.to_string())
    }

    /// The object `s3://bucket/key` names, as a listing or a partial result writes it (`None`
    /// for anything else, or for a bucket or a folder).
    pub fn parse(text: &str) -> Option<ObjectUrl> {
        let (bucket, key) = parse_root(text)?;
        (!key.is_empty() && !key.ends_with('/')).then(|| ObjectUrl {
            bucket: Arc::from(bucket),
            key: key.to_owned(),
        })
    }

    /// The folder `s3://bucket/key/` names (its key ends in `/`), as a partial result writes a
    /// date folder that `--since`/`--until` passed over; `None` for anything else.
    pub fn parse_folder(text: &str) -> Option<ObjectUrl> {
        let (bucket, key) = parse_root(text)?;
        (key.len() > 1 && key.ends_with('/')).then(|| ObjectUrl {
            bucket: Arc::from(bucket),
            key: key.to_owned(),
        })
    }
}

/// Objects sort as files do: by bucket, then key folder by folder (`a/b` before `a-b`, as
/// `Path` orders them), so a trail read from S3 is read in the order of the same trail on disk.
impl Ord for ObjectUrl {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bucket
            .cmp(&other.bucket)
            .then_with(|| self.key.split('/').cmp(other.key.split('/')))
    }
}

impl PartialOrd for ObjectUrl {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for ObjectUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// Why S3 refused a listing or a read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum S3Problem {
    /// 401 or 403, or an error code that means the credentials (`InvalidAccessKeyId`,
    /// `SignatureDoesNotMatch`, `ExpiredToken`, `AccessDenied`…).
    AccessDenied(String),
    /// S3 refused one object, not the credentials: an archived object (`InvalidObjectState`),
    /// or `AccessDenied` from a policy or KMS key that covers some objects and not others.
    /// About that object alone: the bucket's other objects are still asked for.
    ObjectRefused(String),
    /// S3 refused to list a folder below the one named (`AccessDenied`: a bucket policy on
    /// `s3:prefix`): about that folder alone, the walk goes on.
    FolderRefused(String),
    /// The bucket does not exist.
    NoSuchBucket,
    /// The credential chain found no credentials, or failed.
    NoCredentials(String),
    /// The endpoint could not be reached (connection refused, name not resolved, timed out):
    /// the endpoint set for S3 when one is (an emulator's address, a mistyped URL), and why.
    Unreachable {
        endpoint: Option<Arc<str>>,
        why: String,
    },
    /// The S3 endpoint (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`, or `endpoint_url` in the AWS
    /// config, for every service or for s3) is plain http and `AWS_ALLOW_HTTP` is not `true`.
    PlainHttp(String),
    /// The runtime could not be started.
    Setup(String),
    /// A prefix under which nothing was found.
    NotFound,
    /// Not `s3://bucket[/prefix]`.
    BadUrl,
    /// Anything else (a server error after the retries, a body cut off in transit again and
    /// again): about one listing or one object, not the location.
    Other(String),
    /// A refusal that held for the location, as a partial result recorded it (its text).
    Recorded(String),
}

impl S3Problem {
    /// True when the problem concerns the whole location, not one object: the run's exit
    /// status is then [`crate::exit::ExitCode::Unreachable`].
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            S3Problem::AccessDenied(_)
                | S3Problem::NoSuchBucket
                | S3Problem::NoCredentials(_)
                | S3Problem::Unreachable { .. }
                | S3Problem::PlainHttp(_)
                | S3Problem::Setup(_)
                | S3Problem::Recorded(_)
        )
    }
}

impl std::fmt::Display for S3Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            S3Problem::AccessDenied(code) => {
                write!(f, "access denied ({code}): check the AWS credentials")
            }
            S3Problem::ObjectRefused(code) if code == "InvalidObjectState" => write!(
                f,
                "archived ({code}): restore it from its archive storage class to read it"
            ),
            S3Problem::ObjectRefused(code) => write!(
                f,
                "access denied ({code}): these credentials may not read it (s3:GetObject, and \
                 kms:Decrypt for a trail encrypted with KMS), or a bucket policy refuses it"
            ),
            S3Problem::FolderRefused(code) => write!(
                f,
                "access denied ({code}): these credentials may not list it (s3:ListBucket), or \
                 a bucket policy refuses it"
            ),
            S3Problem::NoSuchBucket => write!(f, "no such bucket (NoSuchBucket)"),
            S3Problem::NoCredentials(why) => write!(
                f,
                "no AWS credentials ({why}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and \
                 AWS_SECRET_ACCESS_KEY, or run with a role"
            ),
            S3Problem::Unreachable {
                endpoint: Some(endpoint),
                why,
            } => write!(f, "cannot reach S3 at {endpoint}: {why}"),
            S3Problem::Unreachable {
                endpoint: None,
                why,
            } => write!(f, "cannot reach S3: {why}"),
            S3Problem::PlainHttp(endpoint) => write!(
                f,
                "the S3 endpoint {endpoint} (AWS_ENDPOINT_URL, or endpoint_url in the AWS \
                 config) is plain http: set AWS_ALLOW_HTTP=true to allow it (for a local \
                 emulator)"
            ),
            S3Problem::Setup(why) => write!(f, "cannot start the S3 client: {why}"),
            S3Problem::NotFound => write!(f, "no object or folder by that name"),
            S3Problem::BadUrl => write!(f, "not an S3 address: expected s3://bucket/prefix"),
            S3Problem::Other(why) | S3Problem::Recorded(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for S3Problem {}

/// True when `arg` names S3 (`s3://…`) rather than a path on disk.
pub fn is_s3(arg: &Path) -> bool {
    arg.to_str().is_some_and(|s| s.starts_with("s3://"))
}

/// `s3://bucket/prefix` split into bucket and prefix (empty for the whole bucket).
fn parse_root(arg: &str) -> Option<(&str, &str)> {
    let rest = arg.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let valid = !bucket.is_empty()
        && bucket.len() <= 255
        && bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    valid.then_some((bucket, prefix))
}

/// The date folder outside `window` that the object `url` lies in below one of `roots` (the
/// paths a listing was made from: `s3://bucket/prefix`), when it lies in one: the outermost,
/// the one a listing of that prefix passes over, spelled as a listing gives folders (its key
/// ends in `/`). Never the folder a prefix names, nor one it lies in.
pub(super) fn outside_folder(
    url: &ObjectUrl,
    window: DayWindow,
    roots: &[PathBuf],
) -> Option<ObjectUrl> {
    // Each root of this bucket as the folder it names, in the object's key space: a prefix
    // names the folder of that name (`…/05` and `…/05/` alike), the bucket its top.
    let folders: Vec<PathBuf> = roots
        .iter()
        .filter_map(|root| parse_root(root.to_str()?))
        .filter(|(bucket, _)| *bucket == &*url.bucket)
        .map(|(_, prefix)| PathBuf::from(prefix.trim_end_matches('/')))
        .collect();
    let folder = super::discover::outside_folder(Path::new(&url.key), window, &folders)?;
    Some(ObjectUrl {
        bucket: url.bucket.clone(),
        key: format!("{}/", folder.to_str()?),
    })
}

/// True when the root `s3://bucket/prefix` names the folder `folder` (a key ending in `/`,
/// as a listing gives folders) or something in it.
pub(super) fn lies_in(root: &str, folder: &ObjectUrl) -> bool {
    let Some((bucket, prefix)) = parse_root(root) else {
        return false;
    };
    let named = prefix.strip_prefix(folder.key.as_str());
    *folder.bucket == *bucket && (named.is_some() || folder.key.strip_suffix('/') == Some(prefix))
}

/// Most listing requests in flight at once (one per folder).
const LIST_CONCURRENCY: usize = 16;

/// How far the listings of this process have got (for a progress line while a large trail
/// is listed, before anything is read).
struct ListedSoFar {
    folders: std::sync::atomic::AtomicU64,
    objects: std::sync::atomic::AtomicU64,
}

static LISTED: ListedSoFar = ListedSoFar {
    folders: std::sync::atomic::AtomicU64::new(0),
    objects: std::sync::atomic::AtomicU64::new(0),
};

/// The folders listed and the objects found so far by this process's listings.
pub fn listed_so_far() -> (u64, u64) {
    use std::sync::atomic::Ordering::Relaxed;
    (LISTED.folders.load(Relaxed), LISTED.objects.load(Relaxed))
}
/// How far past the object a worker asks for the next ones are fetched.
const LOOKAHEAD: usize = 16;
/// Most objects fetched ahead (in flight, or waiting for a worker) at once.
const PREFETCH_OBJECTS: usize = 64;
/// Most bytes fetched ahead at once, counted in KiB.
const PREFETCH_KIB: usize = 64 << 10;
/// Objects above this size are not fetched ahead: the worker reads them as they stream in,
/// inflating as it goes, so their bytes are never held whole.
const WHOLE_OBJECT: u64 = 8 << 20;
/// How long a body may stay silent before the fetch is abandoned (and tried again).
const SILENCE: Duration = Duration::from_secs(30);
/// The slowest a body may bring its bytes, in bytes a second, judged over each
/// [`Pace::window`] of waiting for it: a body that trickles in slower (a byte now and then,
/// never silent for [`SILENCE`]) is abandoned (and tried again), so that no object holds a
/// worker without end. 1 KiB/s is far below any link S3 is read over.
const SLOWEST: u64 = 1024;
/// The window over which [`SLOWEST`] is judged, unless `TRAILMASK_S3_STALL_SECONDS` says
/// another (tests make it short).
const STALL_WINDOW: Duration = Duration::from_secs(60);
/// The variable that sets the stall window, in whole seconds.
const STALL_VARIABLE: &str = "TRAILMASK_S3_STALL_SECONDS";
/// How many times a body cut off in transit is asked for again.
const BODY_ATTEMPTS: u32 = 4;

/// The runtime and the clients, made once per process.
struct Store {
    runtime: tokio::runtime::Runtime,
    /// The client for buckets in the configured region.
    client: Client,
    /// The endpoint set for S3 (see [`connect`]), named when it cannot be reached.
    endpoint: Option<Arc<str>>,
    /// Clients for the buckets that live in another region (learnt from S3's redirect).
    regional: Mutex<HashMap<Arc<str>, Client>>,
    /// The first refusal of each bucket: its other objects are not asked for.
    refused: Mutex<HashMap<Arc<str>, S3Problem>>,
    /// The window over which a body's pace is judged.
    stall_window: Duration,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The process's store, made on first use; its problem when it could not be made.
fn store() -> Result<&'static Store, S3Problem> {
    static STORE: OnceLock<Result<Store, S3Problem>> = OnceLock::new();
    STORE.get_or_init(Store::new).as_ref().map_err(Clone::clone)
}

impl Store {
    fn new() -> Result<Store, S3Problem> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("trailmask-s3")
            .enable_all()
            .build()
            .map_err(|e| S3Problem::Setup(e.to_string()))?;
        let stall_window = stall_window(std::env::var_os(STALL_VARIABLE).as_deref())?;
        let (client, endpoint) = runtime.block_on(connect())?;
        Ok(Store {
            runtime,
            client,
            endpoint,
            regional: Mutex::default(),
            refused: Mutex::default(),
            stall_window,
        })
    }

    fn client(&self, bucket: &str) -> Client {
        lock(&self.regional)
            .get(bucket)
            .cloned()
            .unwrap_or_else(|| self.client.clone())
    }

    /// What a request's error says about the location ([`problem`]), an unreachable endpoint
    /// named when one was set (an S3 user's, session 37: `cannot reach S3: ... Connection
    /// refused` did not say which address was tried).
    fn problem<E>(&self, error: &SdkError<E, HttpResponse>) -> S3Problem
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match problem(error) {
            S3Problem::Unreachable { why, .. } => S3Problem::Unreachable {
                endpoint: self.endpoint.clone(),
                why,
            },
            other => other,
        }
    }

    fn refusal(&self, bucket: &str) -> Option<S3Problem> {
        lock(&self.refused).get(bucket).cloned()
    }

    fn note(&self, bucket: &Arc<str>, problem: &S3Problem) {
        if problem.is_unreachable() {
            lock(&self.refused)
                .entry(bucket.clone())
                .or_insert_with(|| problem.clone());
        }
    }

    /// After S3 answered `asked`'s request with the bucket's region (a 301 with
    /// `x-amz-bucket-region`): a client there, for this bucket from now on (the one another
    /// request's redirect made already, when requests raced). `None` when `asked` was there.
    fn redirect<E>(
        &self,
        bucket: &Arc<str>,
        error: &SdkError<E, HttpResponse>,
        asked: &Client,
    ) -> Option<Client> {
        let region = error
            .raw_response()?
            .headers()
            .get("x-amz-bucket-region")?
            .to_owned();
        let in_region =
            |client: &Client| client.config().region().map(Region::as_ref) == Some(region.as_str());
        if in_region(asked) {
            return None;
        }
        let mut regional = lock(&self.regional);
        if let Some(known) = regional.get(bucket).filter(|known| in_region(known)) {
            return Some(known.clone());
        }
        let config = asked.config().to_builder().region(Region::new(region));
        let client = Client::from_conf(config.build());
        regional.insert(bucket.clone(), client.clone());
        Some(client)
    }
}

type HttpResponse = aws_sdk_s3::config::http::HttpResponse;

/// The stall window `TRAILMASK_S3_STALL_SECONDS` sets (`value`), else [`STALL_WINDOW`].
fn stall_window(value: Option<&std::ffi::OsStr>) -> Result<Duration, S3Problem> {
    let Some(value) = value else {
        return Ok(STALL_WINDOW);
    };
    value
        .to_str()
        .and_then(|text| text.parse::<u64>().ok())
        .filter(|seconds| (1..=3600).contains(seconds))
        .map(Duration::from_secs)
        .ok_or_else(|| {
            S3Problem::Setup(format!(
                "{STALL_VARIABLE}={}: expected whole seconds, from 1 to 3600",
                value.to_string_lossy()
            ))
        })
}

/// Loads the configuration (the SDK's chains for credentials and region, us-east-1 when none
/// is set), resolves the credentials once so that their absence is one clear error, and makes
/// the client, with the endpoint set for S3 when one is.
async fn connect() -> Result<(Client, Option<Arc<str>>), S3Problem> {
    use aws_config::meta::region::RegionProviderChain;
    use aws_sdk_s3::config::retry::RetryConfig;
    use aws_sdk_s3::config::timeout::TimeoutConfig;
    let region = RegionProviderChain::default_provider().or_else(Region::new("us-east-1"));
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(region)
        // Standard retries: exponential backoff with jitter on throttling (503 SlowDown),
        // server errors (500) and transient connection failures.
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(6)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(10)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .read_timeout(SILENCE)
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        )
        .load()
        .await;
    let provider = shared
        .credentials_provider()
        .ok_or_else(|| S3Problem::NoCredentials("no credential provider".into()))?;
    provider
        .provide_credentials()
        .await
        .map_err(|e| S3Problem::NoCredentials(one_line(&e)))?;
    let mut config = aws_sdk_s3::config::Builder::from(&shared);
    // The endpoint the S3 client will use, resolved as the SDK resolves it: S3's own
    // (`AWS_ENDPOINT_URL_S3`, or `endpoint_url` in the profile's `[services]` section for s3),
    // else the one for every service (a red-team's, session 33: an http endpoint set in a
    // `[services]` section was used, plain http unrefused).
    let for_s3 = aws_types::service_config::ServiceConfigKey::builder()
        .service_id("S3")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok();
    let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
        .ok()
        .filter(|e| !e.is_empty())
        .or_else(|| {
            let key = for_s3?;
            shared.service_config()?.load_config(key)
        })
        .or_else(|| shared.endpoint_url().map(str::to_owned));
    if let Some(endpoint) = &endpoint {
        let allow_http =
            std::env::var("AWS_ALLOW_HTTP").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
        if endpoint
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
            && !allow_http
        {
            return Err(S3Problem::PlainHttp(shown_endpoint(endpoint)));
        }
        // S3-compatible stores (and emulators on an address) take the bucket in the path.
        config = config.endpoint_url(endpoint).force_path_style(true);
    }
    let shown = endpoint.as_deref().map(shown_endpoint).map(Arc::from);
    Ok((Client::from_conf(config.build()), shown))
}

/// An endpoint URL as messages show it: without a `user:password@` it may carry (a
/// red-team's, session 38: the line naming an endpoint that could not be reached printed it,
/// in listings saved to files too).
fn shown_endpoint(endpoint: &str) -> String {
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("", endpoint));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) if scheme.is_empty() => rest[at + 1..].to_owned(),
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => endpoint.to_owned(),
    }
}

/// An error and its causes on one line (`a: b: c`), each said once.
fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next {
        let text = error.to_string();
        let text = text.lines().next().unwrap_or_default();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(text)) {
            parts.push(text.to_owned());
        }
        next = error.source();
    }
    parts.join(": ")
}

/// True when `error` is a connection that was never made: refused, its host not found or not
/// reachable (as hyper's connector words it, or the system's error kinds), not one that S3
/// took and then lost.
fn never_connected(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
                    | std::io::ErrorKind::AddrNotAvailable
            )
        {
            return true;
        }
        let text = error.to_string();
        // (A connection not made in time is none made: the SDK's own words, a review's.)
        if text.starts_with("tcp connect error")
            || text.starts_with("dns error")
            || text.contains("connect timeout")
        {
            return true;
        }
        next = error.source();
    }
    false
}

/// What a request's error says about the location.
fn problem<E>(error: &SdkError<E, HttpResponse>) -> S3Problem
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match error {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or_default();
            match (status, code) {
                (_, "NoSuchBucket") => S3Problem::NoSuchBucket,
                (
                    _,
                    "InvalidAccessKeyId"
                    | "SignatureDoesNotMatch"
                    | "ExpiredToken"
                    | "InvalidToken"
                    | "TokenRefreshRequired"
                    | "AccessDenied"
                    | "AllAccessDisabled"
                    | "AccountProblem",
                ) => S3Problem::AccessDenied(code.to_owned()),
                (401 | 403, _) => S3Problem::AccessDenied(if code.is_empty() {
                    format!("HTTP {status}")
                } else {
                    code.to_owned()
                }),
                (404, "NoSuchKey") => S3Problem::Other("no such object (NoSuchKey)".into()),
                (404, "") => S3Problem::Other("not found (HTTP 404)".into()),
                (412, _) => S3Problem::Other(format!(
                    "changed while it was read ({}): read it again",
                    if code.is_empty() { "HTTP 412" } else { code }
                )),
                (500.., "") => S3Problem::Other(format!("S3 server error (HTTP {status})")),
                (_, "") => S3Problem::Other(format!(
                    "an answer without an S3 error code (HTTP {status}): is the endpoint S3?"
                )),
                _ => {
                    let message = service.err().message().unwrap_or_default();
                    S3Problem::Other(
                        format!("S3 error {code} (HTTP {status}) {message}")
                            .trim_end()
                            .to_owned(),
                    )
                }
            }
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => S3Problem::Unreachable {
            endpoint: None,
            why: one_line(error),
        },
        _ => S3Problem::Other(one_line(error)),
    }
}

/// What listing the `s3://` arguments found.
#[derive(Debug, Default)]
pub struct Listed {
    pub inputs: Vec<Input>,
    pub errors: Vec<InputError>,
    pub skipped: Vec<SkipReason>,
}

/// Lists every `s3://` argument in `roots` (see the module documentation).
pub fn list(roots: &[&str], window: DayWindow) -> Listed {
    let mut listed = Listed::default();
    let error = |root: &str, problem| InputError::S3 {
        path: PathBuf::from(root),
        problem,
        objects: 0,
    };
    for &root in roots {
        let Some((bucket, prefix)) = parse_root(root) else {
            listed.errors.push(error(root, S3Problem::BadUrl));
            continue;
        };
        let store = match store() {
            Ok(store) => store,
            Err(problem) => {
                listed.errors.push(error(root, problem));
                continue;
            }
        };
        let walked =
            store
                .runtime
                .block_on(walk(store, Arc::from(bucket), prefix.to_owned(), window));
        match walked {
            Ok(walked) => {
                listed.inputs.extend(walked.inputs);
                listed.skipped.extend(walked.skipped);
                listed.errors.extend(walked.errors);
            }
            Err(problem) => listed.errors.push(error(root, problem)),
        }
    }
    listed
}

/// One level of a listing: the objects and the folders right under a prefix.
#[derive(Default)]
struct Level {
    objects: Vec<(String, u64)>,
    folders: Vec<String>,
    /// Keys or folders listed as encoded that do not decode (as listed): said, not dropped.
    undecodable: Vec<String>,
}

/// Lists the level under `prefix`, every page, following S3's redirect to the bucket's
/// region once.
async fn list_level(store: &Store, bucket: &Arc<str>, prefix: &str) -> Result<Level, S3Problem> {
    let mut client = store.client(bucket);
    let mut redirected = false;
    'again: loop {
        let mut level = Level::default();
        // The continuation tokens met: one given again would list the same page forever
        // (the paginator stops quietly there, with what it has).
        let mut tokens: HashSet<String> = HashSet::new();
        // Keys come back percent-encoded: a key may hold bytes XML 1.0 cannot (a control
        // character), and one such key would make its whole folder's listing unreadable.
        let mut pages = client
            .list_objects_v2()
            .bucket(&**bucket)
            .prefix(prefix)
            .delimiter("/")
            .encoding_type(EncodingType::Url)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(page) => page,
                Err(error) => {
                    if !redirected && let Some(regional) = store.redirect(bucket, &error, &client) {
                        client = regional;
                        redirected = true;
                        continue 'again;
                    }
                    return Err(store.problem(&error));
                }
            };
            if let Some(why) = page_problem(&page, &mut tokens) {
                return Err(S3Problem::Other(format!("cannot list it: {why}")));
            }
            // A server that does not encode says so by leaving `EncodingType` out.
            let encoded = page.encoding_type() == Some(&EncodingType::Url);
            let mut undecodable = Vec::new();
            let mut listed = |text: &str| match encoded {
                true => url_decoded(text).or_else(|| {
                    undecodable.push(text.to_owned());
                    None
                }),
                false => Some(text.to_owned()),
            };
            // What a server lists outside the prefix (or the prefix itself as a folder, which
            // would be walked forever) is not under it: left out.
            for object in page.contents() {
                if let Some(key) = object
                    .key()
                    .and_then(&mut listed)
                    .filter(|k| k.starts_with(prefix))
                {
                    let size = object.size().map_or(0, |s| u64::try_from(s).unwrap_or(0));
                    level.objects.push((key, size));
                }
            }
            for folder in page.common_prefixes() {
                if let Some(folder) = folder
                    .prefix()
                    .and_then(&mut listed)
                    .filter(|f| f.len() > prefix.len() && f.starts_with(prefix))
                {
                    if folder.len() > MAX_KEY_BYTES {
                        // No key is that long: a server that makes up folder after folder
                        // would be walked forever.
                        return Err(S3Problem::Other(format!(
                            "cannot list it: a folder of {} bytes listed, longer than any S3 \
                             key ({MAX_KEY_BYTES} bytes)",
                            folder.len()
                        )));
                    }
                    level.folders.push(folder);
                }
            }
            level.undecodable.append(&mut undecodable);
        }
        return Ok(level);
    }
}

/// The longest key S3 holds, in bytes (UTF-8).
const MAX_KEY_BYTES: usize = 1024;

/// What is wrong with a page of a listing that S3 itself never sends, but a proxy or another
/// store may (a red-team's, session 33: each lost objects with no word): an answer cut short
/// (its `KeyCount` is not what it lists, or it does not say whether more follows), more
/// announced with no token to ask for it, or a token given again. `tokens` holds those met.
fn page_problem(page: &ListObjectsV2Output, tokens: &mut HashSet<String>) -> Option<String> {
    // (S3 counts the folders in `KeyCount`; a store that counts only the objects is taken
    // at its word too.)
    let objects = page.contents().len();
    let listed = objects + page.common_prefixes().len();
    if let Some(count) = page.key_count()
        && usize::try_from(count).is_ok_and(|count| count != listed && count != objects)
    {
        return Some(format!(
            "a listing answer that does not add up (KeyCount {count}, {listed} listed): cut short?"
        ));
    }
    match (page.is_truncated(), page.next_continuation_token()) {
        (None, _) => {
            Some("a listing answer that does not say whether more follows: cut short?".to_owned())
        }
        (Some(true), None | Some("")) => {
            Some("a listing answer that says more follows, with no token to ask for it".to_owned())
        }
        (Some(true), Some(token)) if !tokens.insert(token.to_owned()) => {
            Some("a listing answer that gives a continuation token again".to_owned())
        }
        _ => None,
    }
}

/// A key as a listing with `encoding-type=url` writes it, decoded: `%XX` is the byte, `+` a
/// space (a `+` of the key is written `%2B`). `None` when it does not decode to UTF-8.
fn url_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'%' => {
                let hex = bytes.get(at + 1..at + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                decoded.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                at += 3;
            }
            b'+' => {
                decoded.push(b' ');
                at += 1;
            }
            byte => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

/// Walks `s3://bucket/prefix`: a prefix that ends in `/` (or the whole bucket) is a folder;
/// any other is an object of that name (always read, as a file named on the command line) or
/// a folder of that name, or both. A problem with the location ends the walk: it is the one
/// error returned.
async fn walk(
    store: &'static Store,
    bucket: Arc<str>,
    prefix: String,
    window: DayWindow,
) -> Result<Listed, S3Problem> {
    let mut walked = Listed::default();
    let mut pending = Vec::new();
    if prefix.is_empty() || prefix.ends_with('/') {
        pending.push(prefix.clone());
    } else {
        let level = list_level(store, &bucket, &prefix).await?;
        for (key, size) in level.objects.into_iter().filter(|(k, _)| *k == prefix) {
            let skip = in_digest_folder(Path::new(&key)).then_some(SkipReason::Digest);
            let url = ObjectUrl {
                bucket: bucket.clone(),
                key,
            };
            walked.inputs.push(Input::Object { url, size, skip });
        }
        let folder = format!("{prefix}/");
        if level.folders.contains(&folder) {
            pending.push(folder);
        }
        if pending.is_empty() && walked.inputs.is_empty() {
            return Err(S3Problem::NotFound);
        }
    }
    let mut found_any = !walked.inputs.is_empty();
    // The folder the location names (`AWSLogs/` for `s3://b/AWSLogs`): refused, it is the
    // location's refusal; a folder below it refused fails alone.
    let top = if prefix.is_empty() || prefix.ends_with('/') {
        prefix.clone()
    } else {
        format!("{prefix}/")
    };
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < LIST_CONCURRENCY
            && let Some(folder) = pending.pop()
        {
            let bucket = bucket.clone();
            running.spawn(async move {
                let level = list_level(store, &bucket, &folder).await;
                (folder, level)
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (folder, level) = match joined {
            Ok(done) => done,
            Err(error) => {
                running.abort_all();
                return Err(S3Problem::Other(format!("listing stopped: {error}")));
            }
        };
        // A folder below the one named that S3 will not list is a policy on its prefix: that
        // folder fails alone. (Refused at the top, it is the location's refusal.)
        let level = level.map_err(|problem| match problem {
            S3Problem::AccessDenied(code)
                if folder != top && matches!(code.as_str(), "AccessDenied" | "HTTP 403") =>
            {
                S3Problem::FolderRefused(code)
            }
            other => other,
        });
        let at = || match folder.as_str() {
            "" => PathBuf::from(format!("s3://{bucket}")),
            folder => PathBuf::from(format!("s3://{bucket}/{folder}")),
        };
        let level = match level {
            Ok(level) => level,
            Err(problem) if problem.is_unreachable() => {
                running.abort_all();
                return Err(problem);
            }
            Err(problem) => {
                walked.errors.push(InputError::S3 {
                    path: at(),
                    problem,
                    objects: 0,
                });
                continue;
            }
        };
        if let Some(first) = level.undecodable.first() {
            walked.errors.push(InputError::S3 {
                path: at(),
                problem: S3Problem::Other(format!(
                    "{} listed, not read: not percent-encoded UTF-8 as the listing said (the \
                     first: {first})",
                    match level.undecodable.len() {
                        1 => "1 key".to_owned(),
                        n => format!("{n} keys"),
                    }
                )),
                objects: 0,
            });
        }
        found_any |= !level.objects.is_empty() || !level.folders.is_empty();
        LISTED
            .folders
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        LISTED.objects.fetch_add(
            level.objects.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        for (key, size) in level.objects {
            // A zero-byte `folder/` marker (as the S3 console makes) is the folder itself.
            if key == folder {
                continue;
            }
            let path = Path::new(&key);
            // Passed over as on disk, but listed by name: an object two prefixes reach
            // counts once.
            let skip = if in_digest_folder(path) {
                Some(SkipReason::Digest)
            } else if !has_log_name(path) {
                Some(SkipReason::NotALogName)
            } else {
                None
            };
            let url = ObjectUrl {
                bucket: bucket.clone(),
                key,
            };
            walked.inputs.push(Input::Object { url, size, skip });
        }
        for folder in level.folders {
            if outside_window(Path::new(&folder), window) {
                // Listed by name, as a file passed over is: a folder two prefixes reach
                // counts once.
                let url = ObjectUrl {
                    bucket: bucket.clone(),
                    key: folder,
                };
                let skip = Some(SkipReason::OutsideDates);
                walked.inputs.push(Input::Object { url, size: 0, skip });
            } else {
                pending.push(folder);
            }
        }
    }
    // Nothing found and nothing failed: no such prefix. A folder that could not be listed
    // says why instead (its error is in `walked.errors`).
    if !found_any && !prefix.is_empty() && walked.errors.is_empty() {
        return Err(S3Problem::NotFound);
    }
    Ok(walked)
}

/// The reason S3 refused an object, when it holds for the object's bucket (access denied, no
/// credentials): such errors become one per bucket ([`collapse`]).
pub fn refusal(error: &InputError) -> Option<&S3Problem> {
    let InputError::Io { source, .. } = error else {
        return None;
    };
    source
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<S3Problem>())
        .filter(|problem| problem.is_unreachable())
}

/// An object's refusal as a partial result recorded it (`problem` is its text), to be
/// collapsed with its bucket's others.
pub fn refused(path: PathBuf, problem: String) -> InputError {
    InputError::Io {
        path,
        source: std::io::Error::other(S3Problem::Recorded(problem)),
    }
}

/// One location's refusals as one error: the objects of a bucket that S3 refused for a reason
/// that holds for the bucket (access denied, no credentials) become one line for the bucket,
/// with their count. Other errors are kept as they are, in their order.
pub fn collapse(failures: &mut Vec<InputError>) {
    let (others, by_bucket) = by_bucket(failures.iter());
    let mut index = 0;
    failures.retain(|_| {
        index += 1;
        others.binary_search(&(index - 1)).is_ok()
    });
    failures.extend(by_bucket);
    failures.sort_by(|a, b| a.path().cmp(b.path()));
}

/// The refusals among `errors` as one error per bucket and reason ([`collapse`]), and the
/// positions of the other errors, in order.
pub fn by_bucket<'a>(
    errors: impl Iterator<Item = &'a InputError>,
) -> (Vec<usize>, Vec<InputError>) {
    let mut others = Vec::new();
    let mut refused: Vec<(String, S3Problem, usize)> = Vec::new();
    for (index, error) in errors.enumerate() {
        let bucket = error.path().to_str().and_then(parse_root);
        let (Some(problem), Some((bucket, _))) = (refusal(error), bucket) else {
            others.push(index);
            continue;
        };
        let location = format!("s3://{bucket}");
        match refused
            .iter_mut()
            .find(|(l, p, _)| *l == location && p == problem)
        {
            Some((_, _, count)) => *count += 1,
            None => refused.push((location, problem.clone(), 1)),
        }
    }
    let by_bucket = refused
        .into_iter()
        .map(|(location, problem, objects)| InputError::S3 {
            path: PathBuf::from(location),
            problem,
            objects,
        })
        .collect();
    (others, by_bucket)
}

/// A slot of the fetch-ahead table: one object in the order the workers read them.
enum Slot {
    /// Not asked for yet.
    Waiting,
    /// A task is fetching it.
    Fetching,
    /// Fetched (or failed), for its worker to take.
    Fetched(Result<Fetched, S3Problem>),
    /// Taken by its worker, or fetched by the worker itself.
    Taken,
}

/// An object's bytes, fetched whole, and its share of the fetch-ahead budget (returned when
/// dropped).
pub struct Fetched {
    bytes: Vec<u8>,
    _budget: Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>,
}

/// The fetch-ahead table shared with the fetching tasks.
struct Shared {
    slots: Mutex<Vec<Slot>>,
    done: Condvar,
    objects: Arc<Semaphore>,
    kib: Arc<Semaphore>,
}

/// Fetches objects ahead of the workers that read them.
///
/// Each worker reads its objects in order (rayon hands it a run of the inputs); when it asks
/// for one, the next [`LOOKAHEAD`] after it are started, while at most [`PREFETCH_OBJECTS`]
/// objects and [`PREFETCH_KIB`] of bytes are in flight or waiting. A worker waits only for an
/// object already being fetched; one not started it fetches itself, so no worker ever waits
/// for the budget, and the budget waits for no worker but the one whose object it holds.
pub struct Prefetch {
    store: &'static Store,
    order: Vec<(ObjectUrl, u64)>,
    position: HashMap<ObjectUrl, usize>,
    shared: Arc<Shared>,
    limit: u64,
}

impl Prefetch {
    /// Fetch-ahead for the objects among `inputs`, in the order the workers take them;
    /// `None` when there are none (or no store, whose problem listing already reported).
    pub fn start<'a>(inputs: impl Iterator<Item = &'a Input>, limit: u64) -> Option<Prefetch> {
        let order: Vec<(ObjectUrl, u64)> = inputs
            .filter_map(|input| match input {
                Input::Object {
                    url,
                    size,
                    skip: None,
                } => Some((url.clone(), *size)),
                _ => None,
            })
            .collect();
        if order.is_empty() {
            return None;
        }
        let store = store().ok()?;
        let position = order
            .iter()
            .enumerate()
            .map(|(i, (url, _))| (url.clone(), i))
            .collect();
        let shared = Arc::new(Shared {
            slots: Mutex::new(order.iter().map(|_| Slot::Waiting).collect()),
            done: Condvar::new(),
            objects: Arc::new(Semaphore::new(PREFETCH_OBJECTS)),
            kib: Arc::new(Semaphore::new(PREFETCH_KIB)),
        });
        Some(Prefetch {
            store,
            order,
            position,
            shared,
            limit,
        })
    }

    /// Starts fetching the objects at `positions` that are not started, while the budget
    /// lasts.
    fn ahead(&self, positions: std::ops::Range<usize>) {
        let mut slots = lock(&self.shared.slots);
        for at in positions {
            let (Some(slot), Some((url, size))) = (slots.get_mut(at), self.order.get(at)) else {
                break;
            };
            if !matches!(slot, Slot::Waiting) || *size > WHOLE_OBJECT.min(self.limit) {
                continue;
            }
            let kib = u32::try_from(size.div_ceil(1024).max(1)).unwrap_or(u32::MAX);
            let Ok(count) = self.shared.objects.clone().try_acquire_owned() else {
                break;
            };
            let Ok(kib) = self.shared.kib.clone().try_acquire_many_owned(kib) else {
                break;
            };
            *slot = Slot::Fetching;
            let filler = Filler {
                shared: self.shared.clone(),
                at,
                filled: false,
            };
            let (store, url, size) = (self.store, url.clone(), *size);
            self.store.runtime.spawn(async move {
                let fetched = fetch_whole(store, &url, size).await;
                filler.fill(fetched.map(|bytes| Fetched {
                    bytes,
                    _budget: Some((count, kib)),
                }));
            });
        }
    }

    /// The body of the object `url` (of `size` bytes by its listing), for the worker that
    /// reads it: fetched ahead, or being fetched (then waited for), or fetched now.
    fn open(&self, url: &ObjectUrl, size: u64) -> Result<Body, S3Problem> {
        let Some(&at) = self.position.get(url) else {
            return open_now(self.store, url, size, self.limit);
        };
        self.ahead(at + 1..at + 1 + LOOKAHEAD);
        let mut slots = lock(&self.shared.slots);
        while let Some(slot) = slots.get_mut(at) {
            match std::mem::replace(slot, Slot::Taken) {
                Slot::Fetched(fetched) => return fetched.map(|f| Body::Whole(f, 0)),
                Slot::Fetching => {
                    *slot = Slot::Fetching;
                    slots = self
                        .shared
                        .done
                        .wait(slots)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                Slot::Waiting | Slot::Taken => break,
            }
        }
        drop(slots);
        open_now(self.store, url, size, self.limit)
    }
}

/// Puts a fetched object in its slot and wakes the workers; dropped unfilled (the task
/// cancelled at exit, or a panic), it fills the slot with an error, so no worker waits forever.
struct Filler {
    shared: Arc<Shared>,
    at: usize,
    filled: bool,
}

impl Filler {
    fn fill(mut self, fetched: Result<Fetched, S3Problem>) {
        self.put(fetched);
        self.filled = true;
    }

    fn put(&self, fetched: Result<Fetched, S3Problem>) {
        if let Some(slot) = lock(&self.shared.slots).get_mut(self.at) {
            *slot = Slot::Fetched(fetched);
        }
        self.shared.done.notify_all();
    }
}

impl Drop for Filler {
    fn drop(&mut self) {
        if !self.filled {
            self.put(Err(S3Problem::Other("fetch abandoned".into())));
        }
    }
}

/// The body of the object at `url` for a worker, fetched ahead by `prefetch` when there is one.
///
/// # Errors
/// The object could not be fetched ([`LoadProblem::Io`], its cause an [`S3Problem`]).
pub fn open(
    prefetch: Option<&Prefetch>,
    url: &ObjectUrl,
    size: u64,
    limit: u64,
) -> Result<Body, LoadProblem> {
    let opened = match prefetch {
        Some(prefetch) => prefetch.open(url, size),
        None => store().and_then(|store| open_now(store, url, size, limit)),
    };
    opened.map_err(|problem| LoadProblem::Io(std::io::Error::other(problem)))
}

/// Fetches the object on the calling worker: whole when it is small, else as a stream.
fn open_now(
    store: &'static Store,
    url: &ObjectUrl,
    size: u64,
    limit: u64,
) -> Result<Body, S3Problem> {
    if size <= WHOLE_OBJECT.min(limit) {
        let bytes = store.runtime.block_on(fetch_whole(store, url, size))?;
        return Ok(Body::Whole(
            Fetched {
                bytes,
                _budget: None,
            },
            0,
        ));
    }
    let (body, etag, length) = store.runtime.block_on(get(store, url, 0, None))?;
    Ok(Body::Stream(Box::new(Stream {
        store,
        url: url.clone(),
        body,
        etag,
        // The version being read, as S3 sized it (a newer one than listed may be longer).
        size: length.unwrap_or(size),
        chunk: Vec::new(),
        at: 0,
        delivered: 0,
        attempts: 1,
        pace: Pace::new(store.stall_window),
    })))
}

/// Sends a GetObject (from byte `from` on, of the version whose ETag is `etag` when one is
/// given), after the bucket's first refusal not at all; follows S3's redirect to the
/// bucket's region once (a listing read from a file never learned it). Answers the body, its
/// ETag and, from byte 0, its length.
async fn get(
    store: &Store,
    url: &ObjectUrl,
    from: u64,
    etag: Option<&str>,
) -> Result<(ByteStream, Option<String>, Option<u64>), S3Problem> {
    let mut redirected = false;
    loop {
        if let Some(refusal) = store.refusal(&url.bucket) {
            return Err(refusal);
        }
        let client = store.client(&url.bucket);
        let mut request = client.get_object().bucket(&*url.bucket).key(&url.key);
        if from > 0 {
            request = request.range(format!("bytes={from}-"));
        }
        if let Some(etag) = etag {
            request = request.if_match(etag);
        }
        match request.send().await {
            Ok(output) => {
                // A server that ignores the range sends the object from its start: read on,
                // it would be spliced into what was delivered.
                let expected = format!("bytes {from}-");
                if from > 0
                    && !output
                        .content_range()
                        .is_some_and(|range| range.to_ascii_lowercase().starts_with(&expected))
                {
                    return Err(S3Problem::Other(format!(
                        "cut off in transit, and the server did not resume it from byte {from}"
                    )));
                }
                // The whole object's size: the length of an answer from byte 0 (a resumed
                // one's is only what is left).
                let whole = match from {
                    0 => output.content_length.and_then(|n| u64::try_from(n).ok()),
                    _ => None,
                };
                return Ok((output.body, output.e_tag, whole));
            }
            Err(error) => {
                if !redirected && store.redirect(&url.bucket, &error, &client).is_some() {
                    redirected = true;
                    continue;
                }
                let problem = object_problem(store.problem(&error), never_connected(&error));
                store.note(&url.bucket, &problem);
                return Err(problem);
            }
        }
    }
}

/// A GetObject's refusal: the credentials' (the location's) or the object's own. `AccessDenied`
/// on one object is a policy or KMS key that may cover others and not it (a bucket policy by
/// prefix, one key per account); an archived object is refused as `InvalidObjectState`. A
/// connection lost for one object, again after the retries, is that object's (the listing
/// reached S3): said with its name, status 1, not as the bucket's (a red-team's, session 33:
/// one object whose connection always dropped was `s3://BUCKET: cannot reach S3`, status 4).
/// An endpoint that takes no connection at all (`never_connected`: refused, no such host) is
/// the location's, as when listing: a listing read with the endpoint down said so once per
/// object, status 1 (an S3 subagent's, session 37).
fn object_problem(problem: S3Problem, never_connected: bool) -> S3Problem {
    match problem {
        S3Problem::Unreachable { why, .. } if !never_connected => {
            S3Problem::Other(format!("cannot reach S3 for it: {why}"))
        }
        S3Problem::AccessDenied(code)
            if matches!(
                code.as_str(),
                "AccessDenied" | "InvalidObjectState" | "HTTP 403"
            ) =>
        {
            S3Problem::ObjectRefused(code)
        }
        other => other,
    }
}

/// A body's pace: the bytes it brought over the time spent waiting for them, judged each
/// time that time fills the window. Only waiting counts: a worker busy inflating what came
/// does not make the body slow.
struct Pace {
    window: Duration,
    waited: Duration,
    brought: u64,
}

impl Pace {
    fn new(window: Duration) -> Pace {
        Pace {
            window,
            waited: Duration::ZERO,
            brought: 0,
        }
    }

    /// How long the next wait may last before the pace must be judged.
    fn left(&self) -> Duration {
        self.window.saturating_sub(self.waited)
    }

    /// Counts a wait of `waited` that brought `brought` bytes; once the window is full, the
    /// body is too slow (why), or a new window begins.
    fn count(&mut self, waited: Duration, brought: usize) -> Result<(), String> {
        self.waited += waited;
        self.brought += brought as u64;
        if self.waited < self.window {
            return Ok(());
        }
        let least = SLOWEST.saturating_mul(self.window.as_secs().max(1));
        if self.brought < least {
            return Err(format!(
                "slower than {} KiB/s over {} s",
                SLOWEST / 1024,
                self.window.as_secs()
            ));
        }
        *self = Pace::new(self.window);
        Ok(())
    }
}

/// The next piece of a body, or why there is none: `Ok(None)` at its end. Fails when the body
/// stays silent for [`SILENCE`], or brings its bytes slower than [`SLOWEST`] (`pace`).
async fn next_piece(body: &mut ByteStream, pace: &mut Pace) -> Result<Option<Vec<u8>>, String> {
    let mut silent = Duration::ZERO;
    loop {
        let wait = SILENCE.saturating_sub(silent).min(pace.left());
        let started = tokio::time::Instant::now();
        let next = tokio::time::timeout(wait, body.next()).await;
        let waited = started.elapsed();
        silent += waited;
        // The end, or the body's own error, is said as it is, whatever the pace (a review's,
        // session 36: one that came as the window filled was said to be slow).
        let piece = match next {
            Ok(None) => return Ok(None),
            Ok(Some(Err(error))) => return Err(one_line(&error)),
            Ok(Some(Ok(piece))) => Some(piece),
            Err(_) => None,
        };
        pace.count(waited, piece.as_ref().map_or(0, |piece| piece.len()))?;
        match piece {
            Some(piece) => return Ok(Some(piece.to_vec())),
            None if silent >= SILENCE => {
                return Err(format!("no data for {} s", SILENCE.as_secs()));
            }
            // The window filled while waiting, fast enough so far: wait on.
            None => continue,
        }
    }
}

/// Fetches a whole object of `size` bytes by its listing (at most [`WHOLE_OBJECT`] and the
/// size cap, which the callers check), asking again, with backoff, when the body is cut off
/// in transit. A body longer than listed is refused, not read on: the object changed since it
/// was listed, and the memory held for it is what its listing said.
async fn fetch_whole(store: &Store, url: &ObjectUrl, size: u64) -> Result<Vec<u8>, S3Problem> {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (mut body, _, _) = get(store, url, 0, None).await?;
        let mut bytes = Vec::with_capacity(size.min(WHOLE_OBJECT as usize));
        let mut pace = Pace::new(store.stall_window);
        let ended = loop {
            match next_piece(&mut body, &mut pace).await {
                Ok(Some(piece)) if bytes.len() + piece.len() > size => {
                    return Err(S3Problem::Other(format!(
                        "longer than the {size} bytes listed: changed since it was listed"
                    )));
                }
                Ok(Some(piece)) => bytes.extend_from_slice(&piece),
                Ok(None) => break Ok(()),
                Err(why) => break Err(why),
            }
        };
        match ended {
            Ok(()) => return Ok(bytes),
            Err(why) if attempt >= BODY_ATTEMPTS => {
                return Err(S3Problem::Other(format!(
                    "cut off in transit {attempt} times: {why}"
                )));
            }
            Err(_) => tokio::time::sleep(backoff(attempt)).await,
        }
    }
}

/// The wait before attempt `attempt + 1`: 200 ms doubled each time, up to 5 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(200u64.saturating_mul(1 << attempt.min(5))).min(Duration::from_secs(5))
}

/// An object's body as a worker reads it.
pub enum Body {
    /// Fetched whole, read from the offset.
    Whole(Fetched, usize),
    /// Read as it streams in.
    Stream(Box<Stream>),
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Body::Whole(fetched, at) => {
                let rest = fetched.bytes.get(*at..).unwrap_or_default();
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                *at += n;
                Ok(n)
            }
            Body::Stream(stream) => stream.read(buf),
        }
    }
}

/// A large object read as it streams in; a body cut off in transit is asked for again from
/// the first byte not yet delivered (a range request), so nothing is read twice.
pub struct Stream {
    store: &'static Store,
    url: ObjectUrl,
    body: ByteStream,
    /// The version read: a resumed request asks for it (`If-Match`), not for a newer one.
    etag: Option<String>,
    /// Its size (the first answer's length, else as listed): a body cut off after its last
    /// byte is whole.
    size: u64,
    chunk: Vec<u8>,
    at: usize,
    delivered: u64,
    attempts: u32,
    /// The pace of the body being read (a new one for each request).
    pace: Pace,
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at >= self.chunk.len() {
            let store = self.store;
            match store
                .runtime
                .block_on(next_piece(&mut self.body, &mut self.pace))
            {
                Ok(Some(piece)) => {
                    self.chunk = piece;
                    self.at = 0;
                }
                Ok(None) => return Ok(0),
                // Every byte listed came: the connection closed on the end, not before it.
                Err(_) if self.delivered == self.size => return Ok(0),
                Err(why) if self.attempts >= BODY_ATTEMPTS => {
                    return Err(std::io::Error::other(S3Problem::Other(format!(
                        "cut off in transit {} times: {why}",
                        self.attempts
                    ))));
                }
                // Asked for again, it could be another version spliced onto this one.
                Err(why) if self.etag.is_none() => {
                    return Err(std::io::Error::other(S3Problem::Other(format!(
                        "cut off in transit ({why}), and S3 gave no ETag to ask for the rest of \
                         the same version by"
                    ))));
                }
                Err(_) => {
                    std::thread::sleep(backoff(self.attempts));
                    self.attempts += 1;
                    let resumed = store.runtime.block_on(get(
                        store,
                        &self.url,
                        self.delivered,
                        self.etag.as_deref(),
                    ));
                    self.body = resumed.map_err(std::io::Error::other)?.0;
                    self.pace = Pace::new(store.stall_window);
                }
            }
        }
        let n = (self.chunk.len() - self.at).min(buf.len());
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        self.delivered += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(bucket: &str, key: &str) -> ObjectUrl {
        ObjectUrl {
            bucket: Arc::from(bucket),
            key: key.to_owned(),
        }
    }

    /// An endpoint is named without the credentials its URL may carry.
    #[test]
    fn endpoints_are_shown_without_credentials() {
        for (set, shown) in [
            ("http://user:s3cr3t@127.0.0.1:1/", "http://127.0.0.1:1/"),
            ("https://a@b@minio.local:9000", "https://minio.local:9000"),
            ("http://localhost:9000/x@y", "http://localhost:9000/x@y"),
            ("user:pw@host:9000", "host:9000"),
            ("http://localhost:4566", "http://localhost:4566"),
        ] {
            assert_eq!(shown_endpoint(set), shown, "{set}");
        }
    }

    /// Keys sort as the same paths on disk do, so a trail is read in the same order.
    #[test]
    fn objects_sort_as_paths() {
        let keys = [
            "a-b/x.json.gz",
            "a/b.json.gz",
            "a/b/c.json.gz",
            "a.json.gz",
            "a/a.json.gz",
        ];
        let mut by_url: Vec<ObjectUrl> = keys.iter().map(|k| url("b", k)).collect();
        by_url.sort();
        let mut by_path: Vec<&Path> = keys.iter().map(Path::new).collect();
        by_path.sort();
        let by_url: Vec<&str> = by_url.iter().map(|u| u.key.as_str()).collect();
        let by_path: Vec<&str> = by_path.iter().filter_map(|p| p.to_str()).collect();
        assert_eq!(by_url, by_path);
        assert_eq!(url("b", "k/x.gz").to_string(), "s3://b/k/x.gz");
    }

    #[test]
    fn keys_listed_url_encoded_are_decoded() {
        assert_eq!(
            url_decoded("logs/a%20b%2Bc%25+d%01.json.gz").as_deref(),
            Some("logs/a b+c% d\u{1}.json.gz")
        );
        assert_eq!(url_decoded("%E3%83%AD").as_deref(), Some("ロ"));
        assert_eq!(url_decoded("bad%2"), None);
        assert_eq!(url_decoded("bad%zz"), None);
        assert_eq!(url_decoded("%FF"), None);
        assert_eq!(url_decoded("%+1"), None);
    }

    #[test]
    fn roots() {
        assert_eq!(parse_root("s3://bucket"), Some(("bucket", "")));
        assert_eq!(parse_root("s3://bucket/"), Some(("bucket", "")));
        assert_eq!(parse_root("s3://b/AWSLogs/1/"), Some(("b", "AWSLogs/1/")));
        assert_eq!(parse_root("s3:///x"), None);
        assert_eq!(parse_root("s3://b?x/y"), None);
        assert!(is_s3(Path::new("s3://b")));
        assert!(!is_s3(Path::new("logs/s3://b")));
    }

    /// Refusals of a bucket's objects become one error for the bucket; other errors stay.
    #[test]
    fn refusals_collapse_per_bucket() {
        let refused = |key: &str| InputError::Io {
            path: PathBuf::from(format!("s3://b/{key}")),
            source: std::io::Error::other(S3Problem::AccessDenied("AccessDenied".into())),
        };
        let mut failures = vec![
            refused("1.json.gz"),
            InputError::Io {
                path: PathBuf::from("s3://b/2.json.gz"),
                source: std::io::Error::other(S3Problem::Other("no such object".into())),
            },
            refused("3.json.gz"),
        ];
        collapse(&mut failures);
        let lines: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "s3://b: access denied (AccessDenied): check the AWS credentials (2 objects \
                 not read)",
                "s3://b/2.json.gz: cannot read: no such object",
            ]
        );
    }

    /// A body's pace is judged over whole windows of waiting: fast enough so far, a new window
    /// begins; too slow, it fails, whatever it brought before.
    #[test]
    fn a_pace_is_judged_over_each_window() {
        let second = Duration::from_secs(1);
        let mut pace = Pace::new(2 * second);
        assert_eq!(pace.count(second, 100), Ok(()));
        assert_eq!(pace.left(), second);
        // 2,148 bytes in 2 s: 1 KiB/s or more.
        assert_eq!(pace.count(second, 2048), Ok(()));
        assert_eq!(pace.left(), 2 * second);
        assert_eq!(pace.count(second, 2047), Ok(()));
        assert_eq!(
            pace.count(second, 0),
            Err("slower than 1 KiB/s over 2 s".to_owned())
        );
    }

    #[test]
    fn the_stall_window_is_whole_seconds_from_1_to_3600() {
        let window = |text: &str| stall_window(Some(std::ffi::OsStr::new(text)));
        assert_eq!(stall_window(None), Ok(STALL_WINDOW));
        assert_eq!(window("1"), Ok(Duration::from_secs(1)));
        assert_eq!(window("3600"), Ok(Duration::from_secs(3600)));
        for bad in ["0", "3601", "0.5", "", "1s"] {
            assert_eq!(
                window(bad),
                Err(S3Problem::Setup(format!(
                    "TRAILMASK_S3_STALL_SECONDS={bad}: expected whole seconds, from 1 to 3600"
                )))
            );
        }
    }

    /// A listed object in a date folder outside the window stands for that folder, spelled
    /// as a listing of its prefix gives it: the outermost one outside.
    #[test]
    fn a_listed_object_outside_the_window_is_its_date_folder() {
        let window = DayWindow {
            first: chrono::NaiveDate::from_ymd_opt(2024, 1, 8),
            last: None,
        };
        let base = "AWSLogs/1/CloudTrail/us-east-1";
        let roots = [
            PathBuf::from("s3://b/AWSLogs/"),
            PathBuf::from("s3://other/"),
        ];
        let folder =
            |key: &str| outside_folder(&url("b", key), window, &roots).map(|u| u.to_string());
        assert_eq!(
            folder(&format!("{base}/2024/01/05/a.json.gz")).as_deref(),
            Some("s3://b/AWSLogs/1/CloudTrail/us-east-1/2024/01/05/")
        );
        assert_eq!(
            folder(&format!("{base}/2023/12/31/a.json.gz")).as_deref(),
            Some("s3://b/AWSLogs/1/CloudTrail/us-east-1/2023/")
        );
        assert_eq!(folder(&format!("{base}/2024/01/09/a.json.gz")), None);
        assert_eq!(folder("logs/2023/12/31/a.json.gz"), None);
        assert_eq!(
            outside_folder(
                &url("b", &format!("{base}/2023/12/31/a")),
                DayWindow::default(),
                &roots
            ),
            None
        );
        // Listed from the day's folder (with or without its `/`), from a file, or with no
        // roots known: read, as the walk from there reads it.
        let key = format!("{base}/2024/01/05/a.json.gz");
        for root in [
            format!("s3://b/{base}/2024/01/05"),
            format!("s3://b/{base}/2024/01/05/"),
            format!("s3://b/{key}"),
        ] {
            let roots = [PathBuf::from(&root)];
            assert_eq!(
                outside_folder(&url("b", &key), window, &roots),
                None,
                "{root}"
            );
        }
        assert_eq!(outside_folder(&url("b", &key), window, &[]), None);
        // From the month's: the day's folder below it.
        let roots = [PathBuf::from(format!("s3://b/{base}/2024/01"))];
        assert_eq!(
            outside_folder(&url("b", &key), window, &roots).map(|u| u.to_string()),
            Some(format!("s3://b/{base}/2024/01/05/"))
        );
    }
}
