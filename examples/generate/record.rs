//! Building blocks shared by the sample and the corpus: a seeded hash for ids and keys, the
//! CloudTrail record shapes, and the S3 delivery layout.

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// splitmix64: a fast, well-mixed hash of a counter; our only source of "randomness".
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A deterministic stream of numbers.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(1);
        mix(self.0)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A UUID-shaped id.
    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }

    /// Upper-case letters and digits, as in access key ids.
    pub fn alnum(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        (0..len)
            .map(|_| CHARS[self.below(32) as usize] as char)
            .collect()
    }

    pub fn access_key(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.alnum(16))
    }
}

/// The fields every record has.
pub struct Common<'a> {
    pub time: &'a str,
    pub source: &'a str,
    pub name: &'a str,
    pub region: &'a str,
    pub ip: &'a str,
    pub agent: &'a str,
    pub recipient: &'a str,
}

/// One management-event record.
pub fn record(
    common: &Common,
    identity: Value,
    request: Value,
    response: Value,
    event_id: &str,
    extra: &[(&str, Value)],
) -> Value {
    let mut record = json!({
        "eventVersion": "1.08",
        "userIdentity": identity,
        "eventTime": common.time,
        "eventSource": common.source,
        "eventName": common.name,
        "awsRegion": common.region,
        "sourceIPAddress": common.ip,
        "userAgent": common.agent,
        "requestParameters": request,
        "responseElements": response,
        "requestID": event_id.chars().rev().collect::<String>(),
        "eventID": event_id,
        "readOnly": common.name.starts_with("Describe") || common.name.starts_with("Get") || common.name.starts_with("List"),
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": common.recipient,
        "eventCategory": "Management",
    });
    if let Value::Object(map) = &mut record {
        for (key, value) in extra {
            map.insert((*key).to_owned(), value.clone());
        }
    }
    record
}

pub fn iam_user(account: &str, name: &str, key: &str) -> Value {
    json!({
        "type": "IAMUser",
        "principalId": format!("AIDA{}", &mix(name.len() as u64 * 7919 + account.len() as u64).to_string()[..10]),
        "arn": format!("arn:aws:iam::{account}:user/{name}"),
        "accountId": account,
        "accessKeyId": key,
        "userName": name,
    })
}

/// A caller acting in an assumed-role session created at `created`.
pub fn session_identity(
    account: &str,
    role: &str,
    session: &str,
    key: &str,
    created: &str,
) -> Value {
    json!({
        "type": "AssumedRole",
        "principalId": format!("AROA{}:{session}", role.len() * 1_000_003),
        "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
        "accountId": account,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": format!("AROA{}", role.len() * 1_000_003),
                "arn": format!("arn:aws:iam::{account}:role/{role}"),
                "accountId": account,
                "userName": role,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": created, "mfaAuthenticated": "false"},
        },
    })
}

pub fn service_identity(service: &str) -> Value {
    json!({"type": "AWSService", "invokedBy": service})
}

/// The copy of a cross-account call delivered to the role's account.
pub fn account_identity(caller_account: &str, principal_id: &str, key: &str) -> Value {
    json!({
        "type": "AWSAccount",
        "principalId": principal_id,
        "accountId": caller_account,
        "accessKeyId": key,
    })
}

pub fn assume_request(role_arn: &str, session: &str) -> Value {
    json!({"roleArn": role_arn, "roleSessionName": session, "durationSeconds": 3600})
}

pub fn credentials(key: &str, expiration: &str) -> Value {
    json!({
        "accessKeyId": key,
        "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
        "expiration": expiration,
    })
}

/// AssumeRole's response; services get no `assumedRoleUser` in practice, so `with_user` is off
/// for them.
pub fn assume_response(role_arn: &str, session: &str, key: &str, with_user: bool) -> Value {
    let mut response = json!({"credentials": credentials(key, "Dec 20, 2020, 1:00:00 PM")});
    if with_user {
        let (account, role) = split_role(role_arn);
        response["assumedRoleUser"] = json!({
            "assumedRoleId": format!("AROA{}:{session}", role.len() * 1_000_003),
            "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
        });
    }
    response
}

/// (account, role name) of a role ARN.
pub fn split_role(role_arn: &str) -> (&str, &str) {
    let parts: Vec<&str> = role_arn.split(':').collect();
    let account = parts.get(4).copied().unwrap_or("");
    let role = role_arn.rsplit('/').next().unwrap_or("");
    (account, role)
}

pub fn sts_resources(role_arn: &str) -> Value {
    let (account, _) = split_role(role_arn);
    json!([{"accountId": account, "type": "AWS::IAM::Role", "ARN": role_arn}])
}

/// `AWSLogs/<org>/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<stamp>_<id>.json.gz`
pub fn delivery_path(
    root: &Path,
    org: &str,
    account: &str,
    region: &str,
    stamp: &str,
    id: &str,
) -> PathBuf {
    let (year, month, day) = (&stamp[0..4], &stamp[4..6], &stamp[6..8]);
    root.join("AWSLogs")
        .join(org)
        .join(account)
        .join("CloudTrail")
        .join(region)
        .join(year)
        .join(month)
        .join(day)
        .join(format!(
            "{account}_CloudTrail_{region}_{stamp}_{id}.json.gz"
        ))
}

/// Writes `bytes` gzipped (no time stamp in the header, so the output is reproducible).
pub fn write_gz(path: &Path, bytes: &[u8], level: u32) -> std::io::Result<u64> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::File::create(path)?;
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(file, flate2::Compression::new(level));
    enc.write_all(bytes)?;
    enc.finish()?;
    Ok(std::fs::metadata(path)?.len())
}
