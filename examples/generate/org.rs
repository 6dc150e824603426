//! An organization trail (issue #22): 8 member accounts and a vendor's, about 100 roles, about
//! 500 role-level edges, and the truth a correct reader must find, in `OUT_DIR/truth.json`.
//!
//! ```text
//! cargo run --release --example generate -- org [--records N] [--seed S] OUT_DIR
//! ```
//!
//! What it holds: an AWS Organizations trail (`AWSLogs/o-exampleorg1/ACCOUNT/CloudTrail/...`,
//! and a digest per member account in `CloudTrail-Digest/`); IAM Identity Center roles in every
//! member (`role/aws-reserved/sso.amazonaws.com/[REGION/]AWSReservedSSO_SET_HEX`) worn through
//! `AssumeRoleWithSAML` by the `AWSSSO_..._DO_NOT_DELETE` provider; nine other roles with IAM
//! paths; role chains up to depth 4 crossing accounts both ways, each hop's caller carrying the
//! key the previous hop issued and its creation time; cross-account calls delivered to both
//! accounts (the role account's copy naming the caller as `AWSAccount`); console switches as
//! CloudTrail writes them (`ConsoleLogin`, then a `SwitchRole` naming the session without its
//! path over an `AssumeRole` by `AWS Internal` naming the role with it), some refused; AWS
//! services, GitHub Actions and EKS (OIDC) wearing roles; a vendor's principals (outside the
//! organization: only the member's `AWSAccount` copy is ours) and one member role worn in the
//! vendor's account; refusals; role juggling; and ordinary calls by every session with its key
//! (about three quarters of the records).
//!
//! The naming trap the trail exercises: `requestParameters.roleArn`, `resources` and
//! `sessionContext.sessionIssuer.arn` carry the role's path, `assumedRoleUser.arn`, every
//! session ARN and `SwitchFrom` do not (`arn:aws:sts::ACCT:assumed-role/NAME/SESSION`).
//!
//! The truth (`truth.json`) names every role by its canonical ARN (with its path), every edge by
//! (source, role): users and roles by ARN (a session's hop is drawn from its role), services by
//! principal, federation by provider ARN, a caller known only from an `AWSAccount` copy by its
//! account id (subjects beside: the federated subject, the `AWSAccount` copy's `principalId`).
//! A console switch is one hop; a cross-account call delivered twice is one. `accounts.csv`
//! names the 8 members for `--accounts`.
//!
//! Used from the example's `main.rs` and from `tests/organization.rs`; both declare
//! `record` beside this module (`use super::record`).

use super::record::*;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const ORG: &str = "o-exampleorg1";
/// The organization's member accounts, in `accounts.csv` order.
pub const MEMBERS: [(&str, &str); 8] = [
    ("111100001111", "management"),
    ("222200002222", "security"),
    ("333300003333", "log-archive"),
    ("444400004444", "shared-services"),
    ("555500005555", "prod"),
    ("666600006666", "staging"),
    ("777700007777", "dev"),
    ("888800008888", "sandbox"),
];
/// A vendor's account, outside the organization: its trail is not ours.
pub const VENDOR: &str = "999900009999";
pub const DEFAULT_RECORDS: u64 = 20_000;
pub const DEFAULT_SEED: u64 = 1;

const MGMT: usize = 0;
const SECURITY: usize = 1;
const LOG: usize = 2;
const SHARED: usize = 3;
const PROD: usize = 4;
const STAGING: usize = 5;
const DEV: usize = 6;
const SANDBOX: usize = 7;
const VENDOR_IX: usize = 8;

const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "us-west-2"];
const DAYS: u64 = 7;
const CLI: &str =
    "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/x86_64 prompt/off command/sts.assume-role";
const SDK: &str =
    "Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#5.10.213 md/arch#x86_64 lang/python#3.11.9";
const GO_SDK: &str =
    "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 api/sts#1.28.6";
const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const INTERNAL: &str = "AWS Internal";

fn account_id(ix: usize) -> &'static str {
    if ix < MEMBERS.len() {
        MEMBERS[ix].0
    } else {
        VENDOR
    }
}

fn hash(text: &str) -> u64 {
    text.bytes().fold(0x5EED, |h, b| mix(h ^ u64::from(b)))
}

/// 17 characters of a principal id, stable for a name.
fn id_chars(text: &str) -> String {
    Rng(hash(text)).alnum(17)
}

// ---------------------------------------------------------------------------------------------
// Time: seconds since 2024-05-06T00:00:00Z, the first day of the trail (all within May 2024).

fn iso(t: u64) -> String {
    format!(
        "2024-05-{:02}T{:02}:{:02}:{:02}Z",
        6 + t / 86_400,
        t / 3600 % 24,
        t / 60 % 60,
        t % 60
    )
}

/// `May 6, 2024, 1:00:00 PM`, as STS writes `credentials.expiration`.
fn expiration(t: u64) -> String {
    let hour = t / 3600 % 24;
    format!(
        "May {}, 2024, {}:{:02}:{:02} {}",
        6 + t / 86_400,
        (hour + 11) % 12 + 1,
        t / 60 % 60,
        t % 60,
        if hour < 12 { "AM" } else { "PM" }
    )
}

// ---------------------------------------------------------------------------------------------
// The organization: roles, principals and who may wear what.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Wearer {
    Sso,
    Service(&'static str),
    Github,
    Eks,
    Human,
    /// Worn by the vendor's principals.
    Vendor,
    /// A role in the vendor's account.
    External,
}

struct Role {
    account: usize,
    name: String,
    wearer: Wearer,
    /// The canonical ARN (with the path) and the role id, computed once.
    arn: String,
    id: String,
}

impl Role {
    fn arn(&self) -> String {
        self.arn.clone()
    }

    fn session_arn(&self, session: &str) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{session}",
            account_id(self.account),
            self.name
        )
    }

    fn id(&self) -> String {
        self.id.clone()
    }
}

fn roles() -> Vec<Role> {
    let mut roles = Vec::new();
    let mut add = |account: usize, path: &str, name: &str, wearer: Wearer| {
        let arn = format!("arn:aws:iam::{}:role{path}{name}", account_id(account));
        roles.push(Role {
            account,
            name: name.to_owned(),
            wearer,
            id: format!("AROA{}", id_chars(&arn)),
            arn,
        })
    };
    for account in 0..MEMBERS.len() {
        // Identity Center writes the home region into the path in accounts set up after 2023.
        let path = if account == SANDBOX {
            "/aws-reserved/sso.amazonaws.com/eu-west-1/"
        } else {
            "/aws-reserved/sso.amazonaws.com/"
        };
        let mut sets = vec!["AdministratorAccess", "ReadOnlyAccess"];
        if matches!(account, PROD | STAGING | DEV) {
            sets.push("PowerUserAccess");
        }
        if account == SECURITY {
            sets.push("SecurityAuditor");
        }
        for set in sets {
            let suffix = format!("{:016x}", mix(hash(account_id(account)) ^ hash(set)));
            add(
                account,
                path,
                &format!("AWSReservedSSO_{set}_{suffix}"),
                Wearer::Sso,
            );
        }
        if account != MGMT {
            add(account, "/", "OrganizationAccountAccessRole", Wearer::Human);
        }
    }
    use Wearer::*;
    let table: &[(usize, &str, &str, Wearer)] = &[
        (MGMT, "/", "Admin", Human),
        (MGMT, "/", "BillingReadOnly", Human),
        (MGMT, "/", "OrganizationsReadOnly", Human),
        (MGMT, "/", "BreakGlass", Human),
        (
            MGMT,
            "/",
            "AccountVendingLambda",
            Service("lambda.amazonaws.com"),
        ),
        (SECURITY, "/Audit/", "SecurityAudit", Human),
        (SECURITY, "/Audit/", "IncidentResponder", Human),
        (SECURITY, "/", "GuardDutyAdmin", Human),
        (SECURITY, "/", "SecurityHubReader", Human),
        (SECURITY, "/", "ForensicsAnalyst", Human),
        (SECURITY, "/", "VendorSecurityReview", Vendor),
        (
            SECURITY,
            "/",
            "SecurityAutomationLambda",
            Service("lambda.amazonaws.com"),
        ),
        (
            SECURITY,
            "/service-role/",
            "Amazon_EventBridge_Invoke_Lambda_1844190625",
            Service("events.amazonaws.com"),
        ),
        (
            SECURITY,
            "/service-role/",
            "StepFunctions-IncidentPlaybook-role-7f3a9c21",
            Service("states.amazonaws.com"),
        ),
        (LOG, "/Audit/", "LogReader", Human),
        (LOG, "/", "LogArchiveAdmin", Human),
        (LOG, "/", "AthenaQueryRole", Human),
        (
            LOG,
            "/service-role/",
            "AWSGlueServiceRole-cloudtrail",
            Service("glue.amazonaws.com"),
        ),
        (
            LOG,
            "/",
            "LogForwarderLambda",
            Service("lambda.amazonaws.com"),
        ),
        (
            LOG,
            "/",
            "CrawlerScheduler",
            Service("events.amazonaws.com"),
        ),
        (SHARED, "/ci/", "GitHubActionsDeployer", Github),
        (SHARED, "/platform/", "TerraformExecution", Human),
        (SHARED, "/", "NetworkAdmin", Human),
        (SHARED, "/", "ArtifactPublisher", Human),
        (SHARED, "/", "EcrPull", Human),
        (SHARED, "/", "DnsAdmin", Human),
        (
            SHARED,
            "/",
            "JenkinsAgentRole",
            Service("ec2.amazonaws.com"),
        ),
        (
            SHARED,
            "/",
            "BuildRunnerTask",
            Service("ecs-tasks.amazonaws.com"),
        ),
        (PROD, "/", "Deployer", Human),
        (PROD, "/", "DataReader", Human),
        (PROD, "/", "ReadOnly", Human),
        (PROD, "/", "BreakGlass", Human),
        (PROD, "/", "CloudFormationExecution", Human),
        (PROD, "/", "BackupOperator", Human),
        (PROD, "/", "DatabaseAdmin", Human),
        (PROD, "/", "VendorSupportAccess", Vendor),
        (PROD, "/", "WebServerRole", Service("ec2.amazonaws.com")),
        (
            PROD,
            "/",
            "OrderProcessorLambda",
            Service("lambda.amazonaws.com"),
        ),
        (
            PROD,
            "/",
            "PaymentsTaskRole",
            Service("ecs-tasks.amazonaws.com"),
        ),
        (PROD, "/", "OrdersEtlGlue", Service("glue.amazonaws.com")),
        (
            PROD,
            "/",
            "OrderWorkflowRole",
            Service("states.amazonaws.com"),
        ),
        (
            PROD,
            "/",
            "NightlyReportScheduler",
            Service("events.amazonaws.com"),
        ),
        (PROD, "/", "PaymentsApiIrsa", Eks),
        (PROD, "/", "GitHubActionsProdDeploy", Github),
        (STAGING, "/", "Deployer", Human),
        (STAGING, "/", "DataReader", Human),
        (STAGING, "/", "ReadOnly", Human),
        (STAGING, "/", "CloudFormationExecution", Human),
        (STAGING, "/", "QaAutomation", Human),
        (STAGING, "/", "WebServerRole", Service("ec2.amazonaws.com")),
        (
            STAGING,
            "/",
            "OrderProcessorLambda",
            Service("lambda.amazonaws.com"),
        ),
        (
            STAGING,
            "/",
            "PaymentsTaskRole",
            Service("ecs-tasks.amazonaws.com"),
        ),
        (
            STAGING,
            "/",
            "OrderWorkflowRole",
            Service("states.amazonaws.com"),
        ),
        (STAGING, "/", "PaymentsApiIrsa", Eks),
        (DEV, "/", "Deployer", Human),
        (DEV, "/", "Developer", Human),
        (DEV, "/", "DataReader", Human),
        (DEV, "/", "ReadOnly", Human),
        (DEV, "/", "CloudFormationExecution", Human),
        (DEV, "/", "DevBoxRole", Service("ec2.amazonaws.com")),
        (
            DEV,
            "/service-role/",
            "lambda-dev-sandbox-fn-role-x1y2z3w4",
            Service("lambda.amazonaws.com"),
        ),
        (
            DEV,
            "/",
            "GlueDevEndpointRole",
            Service("glue.amazonaws.com"),
        ),
        (
            DEV,
            "/",
            "TestRunnerTask",
            Service("ecs-tasks.amazonaws.com"),
        ),
        (DEV, "/", "GitHubActionsDevDeploy", Github),
        (SANDBOX, "/", "Experimenter", Human),
        (SANDBOX, "/", "SandboxAdmin", Human),
        (SANDBOX, "/", "ReadOnly", Human),
        (
            SANDBOX,
            "/",
            "SandboxCleanupLambda",
            Service("lambda.amazonaws.com"),
        ),
        (
            SANDBOX,
            "/",
            "NukeSchedule",
            Service("events.amazonaws.com"),
        ),
        (VENDOR_IX, "/", "VendorAuditAccess", External),
    ];
    for (account, path, name, wearer) in table {
        add(*account, path, name, *wearer);
    }
    roles
}

struct User {
    account: usize,
    name: &'static str,
    /// Signs in to the console (and switches roles there).
    console: bool,
}

impl User {
    fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:user/{}",
            account_id(self.account),
            self.name
        )
    }

    fn id(&self) -> String {
        format!("AIDA{}", id_chars(&self.arn()))
    }

    fn key(&self) -> String {
        format!("AKIA{}", &id_chars(&format!("key {}", self.arn()))[..16])
    }

    fn email(&self) -> String {
        format!("{}@example.com", self.name)
    }
}

const USERS: [User; 16] = [
    User {
        account: MGMT,
        name: "alice",
        console: true,
    },
    User {
        account: MGMT,
        name: "bob",
        console: true,
    },
    User {
        account: MGMT,
        name: "carol",
        console: true,
    },
    User {
        account: MGMT,
        name: "dave",
        console: false,
    },
    User {
        account: MGMT,
        name: "erin",
        console: true,
    },
    User {
        account: MGMT,
        name: "frank",
        console: false,
    },
    User {
        account: SECURITY,
        name: "grace",
        console: true,
    },
    User {
        account: SECURITY,
        name: "heidi",
        console: true,
    },
    User {
        account: SECURITY,
        name: "ivan",
        console: false,
    },
    User {
        account: SECURITY,
        name: "judy",
        console: true,
    },
    User {
        account: SECURITY,
        name: "mallory",
        console: true,
    },
    User {
        account: SHARED,
        name: "ci-bot",
        console: false,
    },
    User {
        account: SHARED,
        name: "terraform",
        console: false,
    },
    User {
        account: DEV,
        name: "oscar",
        console: true,
    },
    User {
        account: DEV,
        name: "peggy",
        console: false,
    },
    User {
        account: LOG,
        name: "log-shipper",
        console: false,
    },
];

/// The vendor's principals, known to us only by the `principalId` of the `AWSAccount` copy.
const VENDOR_PRINCIPALS: [&str; 3] = [
    "AIDAVENDORSUPPORT0EXAMPLE",
    "AIDAVENDORAUDITOR0EXAMPLE",
    "AROAVENDORAUTOMATION0EXAMPLE:vendor-automation",
];

fn sso_provider(account: usize) -> String {
    format!(
        "arn:aws:iam::{}:saml-provider/AWSSSO_{:016x}_DO_NOT_DELETE",
        account_id(account),
        mix(hash("sso provider") ^ hash(account_id(account)))
    )
}

fn github_provider(account: usize) -> String {
    format!(
        "arn:aws:iam::{}:oidc-provider/token.actions.githubusercontent.com",
        account_id(account)
    )
}

fn eks_provider(account: usize) -> String {
    format!(
        "arn:aws:iam::{}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/{:016X}{:016X}",
        account_id(account),
        mix(hash("eks") ^ account as u64),
        mix(hash("eks2") ^ account as u64)
    )
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Src {
    User(usize),
    Role(usize),
    Service(&'static str),
    Saml,
    Github,
    Eks,
    Vendor(usize),
}

struct Edge {
    source: Src,
    role: usize,
    /// Hops over this edge are console switches.
    console: bool,
    /// Every attempt is refused.
    refused: bool,
}

fn edges(roles: &[Role], rng: &mut Rng) -> Vec<Edge> {
    let mut edges: Vec<Edge> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push =
        |edges: &mut Vec<Edge>, source: Src, role: usize, console: bool, refused: bool| {
            if seen.insert((format!("{source:?}"), role)) {
                edges.push(Edge {
                    source,
                    role,
                    console,
                    refused,
                });
            }
        };
    let chainable: Vec<usize> = (0..roles.len())
        .filter(|&r| {
            matches!(
                roles[r].wearer,
                Wearer::Sso | Wearer::Human | Wearer::Github
            ) || matches!(
                roles[r].name.as_str(),
                "WebServerRole" | "JenkinsAgentRole" | "BuildRunnerTask" | "DevBoxRole"
            )
        })
        .collect();
    let find = |account: usize, name: &str| {
        roles
            .iter()
            .position(|r| r.account == account && r.name == name)
            .expect("role in the table")
    };
    for (r, role) in roles.iter().enumerate() {
        match role.wearer {
            Wearer::Sso => push(&mut edges, Src::Saml, r, false, false),
            Wearer::Service(service) => push(&mut edges, Src::Service(service), r, false, false),
            Wearer::Github => push(&mut edges, Src::Github, r, false, false),
            Wearer::Eks => push(&mut edges, Src::Eks, r, false, false),
            Wearer::Vendor => {
                for v in 0..VENDOR_PRINCIPALS.len() {
                    if v == 0 || rng.below(2) == 0 {
                        push(&mut edges, Src::Vendor(v), r, false, false);
                    }
                }
            }
            Wearer::External => {}
            Wearer::Human => {
                let users = 3 + rng.below(6) as usize;
                for _ in 0..users {
                    let u = rng.below(USERS.len() as u64) as usize;
                    let console = USERS[u].console && rng.below(100) < 35;
                    let refused = rng.below(100) < 7;
                    push(&mut edges, Src::User(u), r, console, refused);
                }
                // As in a real organization, chains into a role come from its own account or
                // from the hubs (management, security, shared services), not from anywhere:
                // the named hops below add the few that go the other way.
                let near: Vec<usize> = chainable
                    .iter()
                    .copied()
                    .filter(|&s| {
                        let from = roles[s].account;
                        from == role.account || [MGMT, SECURITY, SHARED].contains(&from)
                    })
                    .collect();
                let sources = 3 + rng.below(5) as usize;
                for _ in 0..sources {
                    let s = near[rng.below(near.len() as u64) as usize];
                    if s == r {
                        continue;
                    }
                    let console = roles[s].wearer == Wearer::Sso && rng.below(100) < 25;
                    let refused = rng.below(100) < 7;
                    push(&mut edges, Src::Role(s), r, console, refused);
                }
            }
        }
    }
    // Named hops: both directions between prod and security, into and out of the vendor's
    // account, and role juggling (a session putting its own role on again).
    let named = [
        (find(PROD, "DataReader"), find(SECURITY, "SecurityAudit")),
        (
            find(SECURITY, "IncidentResponder"),
            find(PROD, "BreakGlass"),
        ),
        (find(SECURITY, "SecurityAudit"), find(PROD, "ReadOnly")),
        (find(PROD, "Deployer"), find(SECURITY, "ForensicsAnalyst")),
        (
            find(PROD, "DataReader"),
            find(VENDOR_IX, "VendorAuditAccess"),
        ),
        (
            find(SECURITY, "SecurityAudit"),
            find(VENDOR_IX, "VendorAuditAccess"),
        ),
        (
            find(SHARED, "TerraformExecution"),
            find(PROD, "CloudFormationExecution"),
        ),
        (
            find(SHARED, "GitHubActionsDeployer"),
            find(PROD, "Deployer"),
        ),
        (
            find(SHARED, "GitHubActionsDeployer"),
            find(STAGING, "Deployer"),
        ),
        (
            find(PROD, "Deployer"),
            find(PROD, "CloudFormationExecution"),
        ),
        (find(PROD, "Deployer"), find(PROD, "Deployer")),
        (find(DEV, "Developer"), find(DEV, "Developer")),
        (
            find(SHARED, "TerraformExecution"),
            find(SHARED, "TerraformExecution"),
        ),
    ];
    for (from, to) in named {
        push(&mut edges, Src::Role(from), to, false, false);
    }
    edges
}

// ---------------------------------------------------------------------------------------------
// The trail being written.

/// Who makes a call: an IAM user (key or console), a role session, a vendor principal.
#[derive(Clone)]
struct Caller {
    account: usize,
    identity: Value,
    principal_id: String,
    key: String,
    source_kind: &'static str,
    source: String,
    /// The caller's ARN as `SwitchFrom` and AccessDenied messages name it.
    arn: String,
    origin: String,
    path: Vec<usize>,
    depth: usize,
    parent: Option<usize>,
    ip: String,
    agent: &'static str,
}

/// A session a successful hop created.
#[derive(Clone)]
struct Session {
    role: usize,
    name: String,
    key: String,
    created: u64,
    origin: String,
    path: Vec<usize>,
    depth: usize,
    hop: usize,
    ip: String,
    agent: &'static str,
    console: bool,
    /// Created by a console switch: the console switches back from the user each time.
    switched: bool,
}

/// One role assumption as a correct reader counts it.
struct Hop {
    event_name: &'static str,
    source_kind: &'static str,
    source: String,
    subject: Option<String>,
    role: usize,
    ok: bool,
    switch: bool,
    cross: bool,
    origin: String,
    path: Vec<usize>,
    depth: usize,
    children: usize,
}

/// An ordinary call, rendered later (in parallel).
struct Ordinary {
    account: usize,
    region: &'static str,
    time: u64,
    seq: u64,
    identity: Value,
    seed: u64,
}

struct Trail<'a> {
    roles: &'a [Role],
    rng: Rng,
    seq: u64,
    /// Role-related records (and sign-ins): (account, region, time, seq, record).
    records: Vec<(usize, &'static str, u64, u64, Value)>,
    hops: Vec<Hop>,
    /// Sessions whose calls land in our trail, for ordinary calls.
    sessions: Vec<(usize, Value, u64)>,
    /// Each role session's attribution, by (session ARN, access key, creation time): its role,
    /// chain origin and depth.
    attribution: BTreeMap<(String, String, String), (String, String, usize)>,
    copies: u64,
}

impl<'a> Trail<'a> {
    fn push(&mut self, account: usize, region: &'static str, time: u64, record: Value) {
        self.seq += 1;
        if account < MEMBERS.len() {
            self.records.push((account, region, time, self.seq, record));
        }
    }

    fn session_identity(&self, session: &Session) -> Value {
        let role = &self.roles[session.role];
        let account = account_id(role.account);
        json!({
            "type": "AssumedRole",
            "principalId": format!("{}:{}", role.id(), session.name),
            "arn": role.session_arn(&session.name),
            "accountId": account,
            "accessKeyId": session.key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role.id(),
                    "arn": role.arn(),
                    "accountId": account,
                    "userName": role.name,
                },
                "webIdFederationData": {},
                "attributes": {"creationDate": iso(session.created), "mfaAuthenticated": "false"},
            },
        })
    }

    fn session_caller(&self, session: &Session) -> Caller {
        let role = &self.roles[session.role];
        Caller {
            account: role.account,
            identity: self.session_identity(session),
            principal_id: format!("{}:{}", role.id(), session.name),
            key: session.key.clone(),
            source_kind: "role",
            source: role.arn(),
            arn: role.session_arn(&session.name),
            origin: session.origin.clone(),
            path: session.path.clone(),
            depth: session.depth,
            parent: Some(session.hop),
            ip: session.ip.clone(),
            agent: session.agent,
        }
    }

    fn user_caller(&mut self, u: usize, t: u64, console: bool) -> Caller {
        let user = &USERS[u];
        let ip = format!("203.0.113.{}", 10 + u);
        let mut identity = json!({
            "type": "IAMUser",
            "principalId": user.id(),
            "arn": user.arn(),
            "accountId": account_id(user.account),
            "accessKeyId": user.key(),
            "userName": user.name,
        });
        let agent = if console {
            // The sign-in, then a console session with its own temporary key.
            let event_id = self.rng.uuid();
            let login = json!({
                "eventVersion": "1.09",
                "userIdentity": {"type": "IAMUser", "principalId": user.id(), "arn": user.arn(), "accountId": account_id(user.account), "userName": user.name},
                "eventTime": iso(t), "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
                "awsRegion": "us-east-1", "sourceIPAddress": ip, "userAgent": BROWSER,
                "requestParameters": null, "responseElements": {"ConsoleLogin": "Success"},
                "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true", "MobileVersion": "No", "MFAIdentifier": format!("arn:aws:iam::{}:mfa/{}", account_id(user.account), user.name), "MFAUsed": "Yes"},
                "eventID": event_id, "readOnly": false, "eventType": "AwsConsoleSignIn", "managementEvent": true,
                "recipientAccountId": account_id(user.account), "eventCategory": "Management",
                "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": "signin.aws.amazon.com"},
            });
            self.push(user.account, "us-east-1", t, login);
            identity["accessKeyId"] = json!(self.rng.access_key("ASIA"));
            identity["sessionContext"] =
                json!({"attributes": {"creationDate": iso(t), "mfaAuthenticated": "true"}});
            self.sessions.push((user.account, identity.clone(), t));
            BROWSER
        } else {
            *self.rng.pick(&[CLI, SDK, GO_SDK])
        };
        let key = identity["accessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Caller {
            account: user.account,
            identity,
            principal_id: user.id(),
            key,
            source_kind: "iam-user",
            source: user.arn(),
            arn: user.arn(),
            origin: user.arn(),
            path: Vec::new(),
            depth: 0,
            parent: None,
            ip,
            agent,
        }
    }

    fn vendor_caller(&mut self, v: usize) -> Caller {
        let principal = VENDOR_PRINCIPALS[v];
        Caller {
            account: VENDOR_IX,
            identity: Value::Null,
            principal_id: principal.to_owned(),
            key: self.rng.access_key(if v == 2 { "ASIA" } else { "AKIA" }),
            source_kind: "aws-account",
            // Named by its account, its principal id the subject (as for federation).
            source: VENDOR.to_owned(),
            arn: String::new(),
            // A user of the vendor's starts the chain; a role session of the vendor's was made
            // by a hop in the vendor's own trail, which is not read: its chain's origin is
            // unknown (and its depth too).
            origin: if principal.starts_with("AIDA") {
                format!("{VENDOR}#{principal}")
            } else {
                String::new()
            },
            path: Vec::new(),
            depth: 0,
            parent: None,
            ip: format!("198.18.7.{}", 20 + v),
            agent: GO_SDK,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn note_hop(
        &mut self,
        event_name: &'static str,
        caller: &Caller,
        subject: Option<String>,
        role: usize,
        ok: bool,
        switch: bool,
        cross: bool,
    ) -> usize {
        let mut path = caller.path.clone();
        path.push(role);
        if let Some(parent) = caller.parent {
            self.hops[parent].children += 1;
        }
        self.hops.push(Hop {
            event_name,
            source_kind: caller.source_kind,
            source: caller.source.clone(),
            subject,
            role,
            ok,
            switch,
            cross,
            origin: caller.origin.clone(),
            path,
            depth: caller.depth + 1,
            children: 0,
        });
        self.hops.len() - 1
    }

    /// `sts:AssumeRole` by `caller` (by the console when `internal`), with its copy in the role's
    /// account when it crosses into another member. Returns the issued key, `None` if refused.
    #[allow(clippy::too_many_arguments)]
    fn assume_role_records(
        &mut self,
        caller: &Caller,
        role: usize,
        session: &str,
        t: u64,
        region: &'static str,
        refused: bool,
        internal: bool,
    ) -> Option<String> {
        let roles = self.roles;
        let r = &roles[role];
        let (role_arn, role_account) = (r.arn(), r.account);
        let assumed = json!({"assumedRoleId": format!("{}:{session}", r.id()), "arn": r.session_arn(session)});
        let key = self.rng.access_key("ASIA");
        let event_id = self.rng.uuid();
        let cross = caller.account != role_account;
        let (ip, agent) = if internal {
            (INTERNAL.to_owned(), INTERNAL)
        } else {
            (caller.ip.clone(), caller.agent)
        };
        let common = Common {
            time: &iso(t),
            source: "sts.amazonaws.com",
            name: "AssumeRole",
            region,
            ip: &ip,
            agent,
            recipient: account_id(caller.account),
        };
        let request =
            json!({"roleArn": role_arn, "roleSessionName": session, "durationSeconds": 3600});
        let tls = (
            "tlsDetails",
            json!({"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": if region == "us-east-1" { "sts.amazonaws.com".to_owned() } else { format!("sts.{region}.amazonaws.com") }}),
        );
        if refused {
            let message = format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                caller.arn
            );
            // The console's refused call keeps its parameters; some API refusals drop them.
            let request = if internal || self.rng.below(2) == 0 {
                request
            } else {
                Value::Null
            };
            let record = record(
                &common,
                caller.identity.clone(),
                request,
                Value::Null,
                &event_id,
                &[
                    ("errorCode", json!("AccessDenied")),
                    ("errorMessage", json!(message)),
                    tls,
                ],
            );
            self.push(caller.account, region, t, record);
            return None;
        }
        let response = json!({
            "credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "expiration": expiration(t + 3600)},
            "assumedRoleUser": assumed,
        });
        let mut extra = vec![
            (
                "resources",
                json!([{"accountId": account_id(role_account), "type": "AWS::IAM::Role", "ARN": role_arn}]),
            ),
            tls,
        ];
        if cross {
            extra.push(("sharedEventID", json!(self.rng.uuid())));
        }
        if caller.account != VENDOR_IX {
            let full = record(
                &common,
                caller.identity.clone(),
                request.clone(),
                response.clone(),
                &event_id,
                &extra,
            );
            self.push(caller.account, region, t, full);
        }
        if cross && role_account != VENDOR_IX {
            let copy_id = self.rng.uuid();
            let common = Common {
                recipient: account_id(role_account),
                ..common
            };
            let copy = record(
                &common,
                account_identity(
                    account_id(caller.account),
                    &caller.principal_id,
                    &caller.key,
                ),
                request,
                response,
                &copy_id,
                &extra,
            );
            self.push(role_account, region, t, copy);
            if caller.account != VENDOR_IX {
                self.copies += 1;
            }
        }
        Some(key)
    }

    #[allow(clippy::too_many_arguments)]
    fn session(
        &mut self,
        caller: &Caller,
        role: usize,
        name: String,
        key: String,
        t: u64,
        hop: usize,
        console: bool,
    ) -> Session {
        let session = Session {
            role,
            name,
            key,
            created: t,
            origin: caller.origin.clone(),
            path: self.hops[hop].path.clone(),
            depth: caller.depth + 1,
            hop,
            ip: caller.ip.clone(),
            agent: caller.agent,
            console,
            switched: false,
        };
        if self.roles[role].account != VENDOR_IX {
            let identity = self.session_identity(&session);
            // A console switch never chains (as `chains` reads it): its session starts a chain
            // of its own at the identity it switched from.
            let (origin, depth) = if self.hops[hop].switch {
                (caller.arn.clone(), 1)
            } else {
                (session.origin.clone(), session.depth)
            };
            self.attribution.insert(
                session_key(&identity),
                (self.roles[role].arn(), origin, depth),
            );
            self.sessions.push((self.roles[role].account, identity, t));
        }
        session
    }

    /// An API `AssumeRole` hop.
    fn api_hop(&mut self, caller: &Caller, role: usize, t: u64, refused: bool) -> Option<Session> {
        let name = match caller.source_kind {
            "iam-user" => caller.arn.rsplit('/').next().unwrap_or("cli").to_owned(),
            "aws-account" => "vendor-support".to_owned(),
            _ => format!(
                "{}-{}",
                ["hop", "deploy", "audit", "botocore-session"][self.rng.below(4) as usize],
                self.rng.below(10_000)
            ),
        };
        let region = if self.rng.below(4) == 0 {
            "eu-west-1"
        } else {
            "us-east-1"
        };
        let issued = self.assume_role_records(caller, role, &name, t, region, refused, false);
        let cross = caller.account != self.roles[role].account;
        let subject = (caller.source_kind == "aws-account").then(|| caller.principal_id.clone());
        let hop = self.note_hop(
            "AssumeRole",
            caller,
            subject,
            role,
            issued.is_some(),
            false,
            cross,
        );
        issued.map(|key| self.session(caller, role, name, key, t, hop, false))
    }

    /// A console switch: `SwitchRole` in the target account over the console's `AssumeRole`.
    fn switch_hop(
        &mut self,
        caller: &Caller,
        role: usize,
        t: u64,
        refused: bool,
    ) -> Option<Session> {
        let name = caller
            .arn
            .rsplit('/')
            .next()
            .unwrap_or("console")
            .to_owned();
        let issued = self.assume_role_records(caller, role, &name, t, "us-east-1", refused, true);
        let roles = self.roles;
        let r = &roles[role];
        let target = account_id(r.account);
        let event_id = self.rng.uuid();
        let mut switch = json!({
            "eventVersion": "1.08",
            "userIdentity": {"type": "AssumedRole", "principalId": format!("{}:{name}", r.id()), "arn": r.session_arn(&name), "accountId": target},
            "eventTime": iso(t), "eventSource": "signin.amazonaws.com", "eventName": "SwitchRole",
            "awsRegion": "us-east-1", "sourceIPAddress": caller.ip, "userAgent": BROWSER,
            "requestParameters": null, "responseElements": {"SwitchRole": if refused { "Failure" } else { "Success" }},
            "additionalEventData": {"SwitchFrom": caller.arn, "RedirectTo": "https://console.aws.amazon.com/console/home?region=us-east-1#"},
            "eventID": event_id, "readOnly": false, "eventType": "AwsConsoleSignIn", "managementEvent": true,
            "recipientAccountId": target, "eventCategory": "Management",
        });
        if refused {
            switch["errorMessage"] = json!("Cannot switch to role: not authorized");
        }
        self.push(r.account, "us-east-1", t, switch);
        let cross = caller.account != r.account;
        let hop = self.note_hop(
            "SwitchRole",
            caller,
            None,
            role,
            issued.is_some(),
            true,
            cross,
        );
        issued.map(|key| {
            let mut session = self.session(caller, role, name, key, t, hop, true);
            session.switched = true;
            session
        })
    }

    /// Identity Center: `AssumeRoleWithSAML` by the account's `AWSSSO_..._DO_NOT_DELETE` provider.
    fn sso_hop(&mut self, role: usize, t: u64) -> Session {
        let u = self.rng.below(USERS.len() as u64) as usize;
        let email = USERS[u].email();
        let roles = self.roles;
        let r = &roles[role];
        let account = r.account;
        let provider = sso_provider(account);
        let qualifier = format!("{}=", &id_chars(&provider)[..16]);
        let key = self.rng.access_key("ASIA");
        let event_id = self.rng.uuid();
        let common = Common {
            time: &iso(t),
            source: "sts.amazonaws.com",
            name: "AssumeRoleWithSAML",
            region: "us-east-1",
            ip: &format!("203.0.113.{}", 10 + u),
            agent: BROWSER,
            recipient: account_id(account),
        };
        let identity = json!({"type": "SAMLUser", "principalId": format!("{qualifier}:{email}"), "userName": email, "identityProvider": qualifier});
        let request = json!({"sAMLAssertionID": format!("_{}", self.rng.uuid()), "roleSessionName": email, "durationSeconds": 3600, "roleArn": r.arn(), "principalArn": provider});
        let response = json!({
            "credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "expiration": expiration(t + 3600)},
            "assumedRoleUser": {"assumedRoleId": format!("{}:{email}", r.id()), "arn": r.session_arn(&email)},
            "subject": email, "subjectType": "persistent",
            "issuer": format!("https://portal.sso.us-east-1.amazonaws.com/saml/assertion/{}", id_chars(&format!("issuer{account}"))),
            "audience": "https://signin.aws.amazon.com/saml", "nameQualifier": qualifier,
        });
        let record = record(
            &common,
            identity,
            request,
            response,
            &event_id,
            &[(
                "resources",
                json!([{"accountId": account_id(account), "type": "AWS::IAM::Role", "ARN": r.arn()}]),
            )],
        );
        self.push(account, "us-east-1", t, record);
        let caller = Caller {
            account,
            identity: Value::Null,
            principal_id: String::new(),
            key: String::new(),
            source_kind: "saml",
            source: provider.clone(),
            arn: String::new(),
            origin: format!("{provider}#{email}"),
            path: Vec::new(),
            depth: 0,
            parent: None,
            ip: format!("203.0.113.{}", 10 + u),
            agent: [BROWSER, CLI][self.rng.below(2) as usize],
        };
        let hop = self.note_hop(
            "AssumeRoleWithSAML",
            &caller,
            Some(email.clone()),
            role,
            true,
            false,
            false,
        );
        // An Identity Center session is a console session about half the time.
        let console = caller.agent == BROWSER;
        self.session(&caller, role, email, key, t, hop, console)
    }

    /// GitHub Actions or EKS (IRSA): `AssumeRoleWithWebIdentity`.
    fn web_hop(&mut self, role: usize, t: u64, github: bool) -> Session {
        let roles = self.roles;
        let r = &roles[role];
        let account = r.account;
        let (provider, subject, name, ip) = if github {
            let repo = ["shop", "payments", "platform-infra", "data-pipeline", "web"]
                [self.rng.below(5) as usize];
            let subject = if self.rng.below(3) == 0 {
                format!("repo:example-org/{repo}:environment:production")
            } else {
                format!("repo:example-org/{repo}:ref:refs/heads/main")
            };
            (
                github_provider(account),
                subject,
                "GitHubActions".to_owned(),
                format!("140.82.112.{}", self.rng.below(64)),
            )
        } else {
            let sa = ["payments:api", "payments:worker", "orders:api"][self.rng.below(3) as usize];
            (
                eks_provider(account),
                format!("system:serviceaccount:{sa}"),
                format!("botocore-session-{}", 1_714_953_600 + t),
                format!("10.20.{}.{}", self.rng.below(32), self.rng.below(256)),
            )
        };
        let key = self.rng.access_key("ASIA");
        let event_id = self.rng.uuid();
        let region = if github { "us-east-1" } else { "eu-west-1" };
        let common = Common {
            time: &iso(t),
            source: "sts.amazonaws.com",
            name: "AssumeRoleWithWebIdentity",
            region,
            ip: &ip,
            agent: if github { "aws-sdk-js/3.567.0" } else { SDK },
            recipient: account_id(account),
        };
        let identity = json!({"type": "WebIdentityUser", "principalId": format!("{provider}:sts.amazonaws.com:{subject}"), "userName": subject, "identityProvider": provider});
        let response = json!({
            "credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "expiration": expiration(t + 3600)},
            "subjectFromWebIdentityToken": subject,
            "assumedRoleUser": {"assumedRoleId": format!("{}:{name}", r.id()), "arn": r.session_arn(&name)},
            "provider": provider, "audience": "sts.amazonaws.com",
        });
        let record = record(
            &common,
            identity,
            json!({"roleArn": r.arn(), "roleSessionName": name, "durationSeconds": 3600}),
            response,
            &event_id,
            &[(
                "resources",
                json!([{"accountId": account_id(account), "type": "AWS::IAM::Role", "ARN": r.arn()}]),
            )],
        );
        self.push(account, region, t, record);
        let caller = Caller {
            account,
            identity: Value::Null,
            principal_id: String::new(),
            key: String::new(),
            source_kind: "web-identity",
            source: provider.clone(),
            arn: String::new(),
            origin: format!("{provider}#{subject}"),
            path: Vec::new(),
            depth: 0,
            parent: None,
            ip,
            agent: GO_SDK,
        };
        let hop = self.note_hop(
            "AssumeRoleWithWebIdentity",
            &caller,
            Some(subject),
            role,
            true,
            false,
            false,
        );
        self.session(&caller, role, name, key, t, hop, false)
    }

    /// An AWS service putting on the role it was passed (no `assumedRoleUser` in the response).
    fn service_hop(&mut self, service: &'static str, role: usize, t: u64) -> Session {
        let roles = self.roles;
        let r = &roles[role];
        let account = r.account;
        let name = match service {
            "ec2.amazonaws.com" => format!("i-0{:016x}", self.rng.below(12)),
            "lambda.amazonaws.com" => r.name.trim_end_matches("Lambda").to_owned(),
            "ecs-tasks.amazonaws.com" => format!(
                "{:032x}",
                u128::from(self.rng.next()) << 64 | u128::from(self.rng.next())
            ),
            "glue.amazonaws.com" => "GlueJobRunnerSession".to_owned(),
            _ => format!("{:032x}", u128::from(self.rng.next())),
        };
        let key = self.rng.access_key("ASIA");
        let event_id = self.rng.uuid();
        let region = REGIONS[self.rng.below(3) as usize];
        let common = Common {
            time: &iso(t),
            source: "sts.amazonaws.com",
            name: "AssumeRole",
            region,
            ip: service,
            agent: service,
            recipient: account_id(account),
        };
        let record = record(
            &common,
            json!({"type": "AWSService", "invokedBy": service}),
            json!({"roleArn": r.arn(), "roleSessionName": name}),
            json!({"credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN", "expiration": expiration(t + 3600)}}),
            &event_id,
            &[
                (
                    "resources",
                    json!([{"accountId": account_id(account), "type": "AWS::IAM::Role", "ARN": r.arn()}]),
                ),
                ("sharedEventID", json!(self.rng.uuid())),
            ],
        );
        self.push(account, region, t, record);
        let caller = Caller {
            account,
            identity: Value::Null,
            principal_id: String::new(),
            key: String::new(),
            source_kind: "aws-service",
            source: service.to_owned(),
            arn: String::new(),
            origin: service.to_owned(),
            path: Vec::new(),
            depth: 0,
            parent: None,
            ip: format!("10.0.{}.{}", self.rng.below(64), self.rng.below(256)),
            agent: SDK,
        };
        let hop = self.note_hop("AssumeRole", &caller, None, role, true, false, false);
        self.session(&caller, role, name, key, t, hop, false)
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-overs: each service role is handed to its service once, before the trail's first hop
// (so every session of the service on the role wears what was handed over).

/// The instance profile an EC2 role is launched with: deliberately not the role's name.
fn profile_name(role: &Role) -> String {
    format!("{}-profile", role.name.to_ascii_lowercase())
}

impl Trail<'_> {
    /// Writes the hand-over records (and the IAM profile calls for the production account) and
    /// returns the rows `trailmask passrole` must print, in time order.
    fn hand_overs(&mut self) -> Vec<Value> {
        let roles = self.roles;
        // Who hands masks over in each account: user oscar in dev; elsewhere a session of an
        // operator role that user terraform entered from the shared account.
        let operator = |account: usize| match account {
            MGMT => Some("Admin"),
            SECURITY => Some("GuardDutyAdmin"),
            LOG => Some("LogArchiveAdmin"),
            SHARED => Some("TerraformExecution"),
            PROD | STAGING => Some("Deployer"),
            SANDBOX => Some("SandboxAdmin"),
            _ => None,
        };
        let terraform = USERS
            .iter()
            .position(|u| u.name == "terraform")
            .expect("user terraform");
        let oscar = USERS
            .iter()
            .position(|u| u.name == "oscar")
            .expect("user oscar");
        let mut passers: BTreeMap<usize, Caller> = BTreeMap::new();
        for account in 0..MEMBERS.len() {
            let caller = match operator(account) {
                Some(name) => {
                    let role = roles
                        .iter()
                        .position(|r| r.account == account && r.name == name)
                        .expect("the operator role");
                    let user = self.user_caller(terraform, 10, false);
                    let session = self
                        .api_hop(&user, role, 12 + account as u64, false)
                        .expect("an operator session");
                    self.session_caller(&session)
                }
                None => self.user_caller(oscar, 10, false),
            };
            passers.insert(account, caller);
        }
        let mut rows = Vec::new();
        let mut t = 30;
        let services: Vec<usize> = (0..roles.len())
            .filter(|&r| matches!(roles[r].wearer, Wearer::Service(_)))
            .collect();
        // The production account's profiles are made in the logs read (IAM's calls say which
        // role each holds); the others' are older than the trail.
        for &r in &services {
            let role = &roles[r];
            if role.account == PROD && role.wearer == Wearer::Service("ec2.amazonaws.com") {
                let passer = passers[&PROD].clone();
                for (name, request) in [
                    (
                        "CreateInstanceProfile",
                        json!({"instanceProfileName": profile_name(role)}),
                    ),
                    (
                        "AddRoleToInstanceProfile",
                        json!({"instanceProfileName": profile_name(role), "roleName": role.name}),
                    ),
                ] {
                    self.call(
                        &passer,
                        t,
                        "iam.amazonaws.com",
                        name,
                        request,
                        Value::Null,
                        None,
                    );
                    t += 1;
                }
            }
        }
        for &r in &services {
            let role = &roles[r];
            let Wearer::Service(service) = role.wearer else {
                continue;
            };
            let account = role.account;
            let acct = account_id(account);
            let passer = passers[&account].clone();
            let region = "us-east-1";
            // Every session of the service on the role comes later (EC2's are named after the
            // twelve instances launched, Lambda's after the function).
            let worn_by = |hops: &[Hop]| {
                hops.iter()
                    .filter(|h| h.ok && h.source == service && h.role == r)
                    .count()
            };
            // (event source, name, request, response, resources, via, role_from, worn)
            let (source, name, request, response, resources, via, role_from, worn) = match service {
                "ec2.amazonaws.com" => {
                    let ids: Vec<String> = (0..12).map(|i| format!("i-0{i:016x}")).collect();
                    let items: Vec<Value> = ids.iter().map(|id| json!({"instanceId": id, "iamInstanceProfile": {"arn": format!("arn:aws:iam::{acct}:instance-profile/{}", profile_name(role)), "id": "AIPAEXAMPLE"}})).collect();
                    let from = if account == PROD {
                        "profile-calls"
                    } else {
                        "instance-session"
                    };
                    let worn = worn_by(&self.hops);
                    (
                        "ec2.amazonaws.com",
                        "RunInstances",
                        json!({"instancesSet": {"items": [{"imageId": "ami-0abcdef1234567890", "minCount": 12, "maxCount": 12}]}, "instanceType": "t3.micro", "iamInstanceProfile": {"name": profile_name(role)}, "userData": "<sensitiveDataRemoved>"}),
                        json!({"requestId": self.rng.uuid(), "reservationId": "r-0123456789abcdef0", "ownerId": acct, "instancesSet": {"items": items}}),
                        ids,
                        format!(
                            "arn:aws:iam::{acct}:instance-profile/{}",
                            profile_name(role)
                        ),
                        from,
                        worn,
                    )
                }
                "lambda.amazonaws.com" => {
                    let function = role.name.trim_end_matches("Lambda").to_owned();
                    let arn = format!("arn:aws:lambda:{region}:{acct}:function:{function}");
                    let worn = worn_by(&self.hops);
                    (
                        "lambda.amazonaws.com",
                        "CreateFunction20150331",
                        json!({"functionName": function, "runtime": "python3.12", "role": role.arn(), "handler": "app.handler", "environment": {}}),
                        json!({"functionName": function, "functionArn": arn, "role": role.arn(), "state": "Pending"}),
                        vec![arn],
                        String::new(),
                        "request",
                        worn,
                    )
                }
                "ecs-tasks.amazonaws.com" => {
                    let family = role.name.to_ascii_lowercase();
                    let arn = format!("arn:aws:ecs:{region}:{acct}:task-definition/{family}:1");
                    (
                        "ecs.amazonaws.com",
                        "RegisterTaskDefinition",
                        json!({"family": family, "taskRoleArn": role.arn(), "networkMode": "awsvpc", "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/docker/library/busybox:latest"}]}),
                        json!({"taskDefinition": {"taskDefinitionArn": arn, "family": family, "revision": 1, "taskRoleArn": role.arn()}}),
                        vec![arn],
                        String::new(),
                        "request",
                        worn_by(&self.hops),
                    )
                }
                "glue.amazonaws.com" => {
                    // Glue takes a role by name (with its path): the reader names it in the
                    // call's account and finds its canonical spelling.
                    let named = role
                        .arn
                        .split_once(":role/")
                        .map(|(_, name)| name.to_owned())
                        .unwrap_or_default();
                    let job = format!("{}-job", role.name.to_ascii_lowercase());
                    (
                        "glue.amazonaws.com",
                        "CreateJob",
                        json!({"name": job, "role": named, "command": {"name": "glueetl", "scriptLocation": "s3://scripts/etl.py"}}),
                        json!({"name": job}),
                        vec![job],
                        String::new(),
                        "request",
                        worn_by(&self.hops),
                    )
                }
                "states.amazonaws.com" => {
                    let machine = format!("{}-machine", role.name.to_ascii_lowercase());
                    let arn = format!("arn:aws:states:{region}:{acct}:stateMachine:{machine}");
                    (
                        "states.amazonaws.com",
                        "CreateStateMachine",
                        json!({"name": machine, "roleArn": role.arn(), "definition": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
                        json!({"stateMachineArn": arn, "creationDate": "Mar 1, 2026 10:00:00 AM"}),
                        vec![arn],
                        String::new(),
                        "request",
                        worn_by(&self.hops),
                    )
                }
                "events.amazonaws.com" => {
                    let rule = format!("{}-rule", role.name.to_ascii_lowercase());
                    (
                        "events.amazonaws.com",
                        "PutTargets",
                        json!({"rule": rule, "targets": [{"id": "1", "arn": format!("arn:aws:states:{region}:{acct}:stateMachine:target"), "roleArn": role.arn()}]}),
                        json!({"failedEntryCount": 0, "failedEntries": []}),
                        vec![rule],
                        String::new(),
                        "request",
                        worn_by(&self.hops),
                    )
                }
                _ => continue,
            };
            let event_id = self.call(&passer, t, source, name, request, response, None);
            rows.push(json!({
                "event_time": iso(t), "event_name": name, "outcome": "success", "passer": passer.arn,
                "passer_origin": passer.origin, "role_arn": role.arn(), "role_from": role_from,
                "via": via, "service": service, "resource": resources, "worn": worn, "event_id": event_id,
            }));
            t += 1;
        }
        // One refused: the production deployer may not hand BreakGlass to a function.
        let passer = passers[&PROD].clone();
        let role = roles
            .iter()
            .find(|r| r.account == PROD && r.name == "BreakGlass")
            .expect("role BreakGlass");
        let message = format!(
            "User: {} is not authorized to perform: iam:PassRole on resource: {} because no identity-based policy allows the iam:PassRole action",
            passer.arn,
            role.arn()
        );
        let event_id = self.call(
            &passer,
            t,
            "lambda.amazonaws.com",
            "CreateFunction20150331",
            json!({"functionName": "break-glass-fn", "runtime": "python3.12", "role": role.arn(), "handler": "app.handler"}),
            Value::Null,
            Some(("AccessDenied", &message)),
        );
        rows.push(json!({
            "event_time": iso(t), "event_name": "CreateFunction20150331", "outcome": "failure", "passer": passer.arn,
            "passer_origin": passer.origin, "role_arn": role.arn(), "role_from": "error-message",
            "via": "", "service": "lambda.amazonaws.com", "resource": ["break-glass-fn"], "worn": 0, "event_id": event_id,
        }));
        rows
    }

    /// Writes one call by `caller` (a user or a role session) and returns its event id.
    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        caller: &Caller,
        t: u64,
        source: &str,
        name: &str,
        request: Value,
        response: Value,
        error: Option<(&str, &str)>,
    ) -> String {
        let event_id = self.rng.uuid();
        let recipient = account_id(caller.account);
        let common = Common {
            time: &iso(t),
            source,
            name,
            region: "us-east-1",
            ip: &caller.ip,
            agent: caller.agent,
            recipient,
        };
        let mut extra = Vec::new();
        if let Some((code, message)) = error {
            extra.push(("errorCode", json!(code)));
            extra.push(("errorMessage", json!(message)));
        }
        let response = if error.is_some() {
            Value::Null
        } else {
            response
        };
        let record = record(
            &common,
            caller.identity.clone(),
            request,
            response,
            &event_id,
            &extra,
        );
        self.push(caller.account, "us-east-1", t, record);
        event_id
    }
}

/// Plays one hop over `edge`; `from` is the session of the edge's source role, if it is one.
fn play(
    trail: &mut Trail,
    edges: &[Edge],
    e: usize,
    from: Option<&Session>,
    t: u64,
) -> Option<Session> {
    let edge = &edges[e];
    let refused = edge.refused
        || (matches!(edge.source, Src::User(_) | Src::Role(_)) && trail.rng.below(100) < 3);
    match edge.source {
        Src::Saml => Some(trail.sso_hop(edge.role, t)),
        Src::Github => Some(trail.web_hop(edge.role, t, true)),
        Src::Eks => Some(trail.web_hop(edge.role, t, false)),
        Src::Service(service) => Some(trail.service_hop(service, edge.role, t)),
        Src::Vendor(v) => {
            let caller = trail.vendor_caller(v);
            trail.api_hop(&caller, edge.role, t, false)
        }
        Src::User(u) => {
            let caller = trail.user_caller(u, t.saturating_sub(40), edge.console);
            if edge.console {
                trail.switch_hop(&caller, edge.role, t, refused)
            } else {
                trail.api_hop(&caller, edge.role, t, refused)
            }
        }
        Src::Role(_) => {
            let caller = trail.session_caller(from.expect("a session of the source role"));
            if edge.console {
                trail.switch_hop(&caller, edge.role, t, refused)
            } else {
                trail.api_hop(&caller, edge.role, t, refused)
            }
        }
    }
}

/// Writes the organization trail, `truth.json` and `accounts.csv` under `out`.
pub fn write(out: &Path, records: u64, seed: u64) -> Result<String, Box<dyn std::error::Error>> {
    let roles = roles();
    let mut rng = Rng(mix(seed ^ 0x0226_0226));
    let edges = edges(&roles, &mut rng);
    // Entries into a role (not from a role, not a console switch: the session can chain on).
    let mut entries: Vec<Vec<usize>> = vec![Vec::new(); roles.len()];
    let mut onward: Vec<Vec<usize>> = vec![Vec::new(); roles.len()];
    for (e, edge) in edges.iter().enumerate() {
        match edge.source {
            Src::Role(r) => onward[r].push(e),
            _ if !edge.console && !edge.refused => entries[edge.role].push(e),
            _ => {}
        }
    }
    // Entry pools for the random scenarios: services, SSO, users, OIDC, the vendor, roles.
    let mut pools: [Vec<usize>; 6] = Default::default();
    for (e, edge) in edges.iter().enumerate() {
        let pool = match edge.source {
            Src::Service(_) => 0,
            Src::Saml => 1,
            Src::User(_) => 2,
            Src::Github | Src::Eks => 3,
            Src::Vendor(_) => 4,
            Src::Role(_) => 5,
        };
        pools[pool].push(e);
    }
    let mut trail = Trail {
        roles: &roles,
        rng,
        seq: 0,
        records: Vec::new(),
        hops: Vec::new(),
        sessions: Vec::new(),
        attribution: BTreeMap::new(),
        copies: 0,
    };
    let span = DAYS * 86_400 - 7200;
    let role_budget = (records / 4) as usize;
    let mut scenario = 0usize;
    loop {
        // First every edge once, then entries at random, weighted towards services and SSO.
        let e = if scenario < edges.len() {
            scenario
        } else if trail.records.len() >= role_budget {
            break;
        } else {
            let roll = trail.rng.below(100);
            let pool = &pools[match roll {
                0..30 => 0,
                30..55 => 1,
                55..78 => 2,
                78..90 => 3,
                90..93 => 4,
                _ => 5,
            }];
            pool[trail.rng.below(pool.len() as u64) as usize]
        };
        scenario += 1;
        let mut t = trail.rng.below(span) + 60;
        let mut session = None;
        if let Src::Role(r) = edges[e].source {
            let Some(&entry) =
                entries[r].get(trail.rng.below(entries[r].len().max(1) as u64) as usize)
            else {
                continue;
            };
            session = play(&mut trail, &edges, entry, None, t);
            if session.is_none() {
                continue;
            }
            t += 5 + trail.rng.below(600);
        }
        let mut next = play(&mut trail, &edges, e, session.as_ref(), t);
        // Walk on: a session may put on another role (never a console session by API, and
        // chains stop at depth 4).
        while let Some(s) = next {
            let candidates: Vec<usize> = onward[s.role]
                .iter()
                .copied()
                .filter(|&o| edges[o].console == s.console)
                .collect();
            if s.switched || s.depth >= 4 || candidates.is_empty() || trail.rng.below(100) >= 45 {
                break;
            }
            t += 5 + trail.rng.below(900);
            let o = candidates[trail.rng.below(candidates.len() as u64) as usize];
            next = play(&mut trail, &edges, o, Some(&s), t);
        }
    }
    let hand_overs = trail.hand_overs();
    let role_records = trail.records.len() as u64;
    // Ordinary calls: by every session with its key, by CLI users, and a few that mention
    // AssumeRole in their parameters.
    let mut ordinary = Vec::new();
    let wanted = records.saturating_sub(role_records);
    for n in 0..wanted {
        let roll = trail.rng.below(100);
        let (account, identity, time) = if roll < 8 || trail.sessions.is_empty() {
            let user = &USERS[trail.rng.below(USERS.len() as u64) as usize];
            let identity = json!({"type": "IAMUser", "principalId": user.id(), "arn": user.arn(), "accountId": account_id(user.account), "accessKeyId": user.key(), "userName": user.name});
            (user.account, identity, trail.rng.below(span) + 60)
        } else {
            let (account, identity, created) =
                trail.sessions[trail.rng.below(trail.sessions.len() as u64) as usize].clone();
            (account, identity, created + 1 + trail.rng.below(3500))
        };
        trail.seq += 1;
        ordinary.push(Ordinary {
            account,
            region: REGIONS[trail.rng.below(3) as usize],
            time,
            seq: trail.seq,
            identity,
            seed: mix(seed ^ mix(n + 1)),
        });
    }
    let mut truth = truth(
        &trail,
        &roles,
        records,
        seed,
        role_records,
        ordinary.len() as u64,
    );
    truth["activity"] = activity_truth(&trail, &ordinary);
    truth["hand_overs"] = json!({
        "note": "one row per role handed to a service (iam:PassRole carried by the service's call), in time order; worn = the service's later sessions on the role (for EC2 and Lambda those named after the call's instances or function)",
        "rows": hand_overs,
    });
    let written = write_files(out, trail.records, ordinary, seed)?;
    std::fs::write(
        out.join("truth.json"),
        serde_json::to_string_pretty(&truth)? + "\n",
    )?;
    let mut csv = String::from("id,name\n");
    for (id, name) in MEMBERS {
        csv.push_str(&format!("{id},{name}\n"));
    }
    std::fs::write(out.join("accounts.csv"), csv)?;
    Ok(format!(
        "wrote {written} log files ({records} records: {role_records} role-related, {} role assumptions, {} edges, {} roles) and {} digests, truth.json and accounts.csv under {}",
        truth["role_assumptions"]["distinct"],
        truth["edges"]["count"],
        truth["roles"]["count"],
        MEMBERS.len(),
        out.display()
    ))
}

fn truth(
    trail: &Trail,
    roles: &[Role],
    records: u64,
    seed: u64,
    role_records: u64,
    ordinary: u64,
) -> Value {
    let mut role_set = BTreeSet::new();
    type Counts = (u64, u64, BTreeSet<String>);
    let mut edge_map: BTreeMap<(String, &str, String), Counts> = BTreeMap::new();
    let mut by_name: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let (mut switches, mut switch_failures, mut switch_cross, mut cross) = (0u64, 0u64, 0u64, 0u64);
    let mut depths: BTreeMap<usize, u64> = BTreeMap::new();
    let mut chains: BTreeMap<(String, Vec<String>), u64> = BTreeMap::new();
    for hop in &trail.hops {
        let role = roles[hop.role].arn();
        role_set.insert(role.clone());
        if hop.source_kind == "role" {
            role_set.insert(hop.source.clone());
        }
        let entry = edge_map
            .entry((hop.source.clone(), hop.source_kind, role))
            .or_default();
        if hop.ok {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        entry.2.extend(hop.subject.clone());
        let counts = by_name.entry(hop.event_name).or_default();
        if hop.ok {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
        if hop.switch {
            switches += 1;
            switch_failures += u64::from(!hop.ok);
            switch_cross += u64::from(hop.cross);
        }
        cross += u64::from(hop.cross);
        *depths.entry(hop.depth).or_default() += 1;
        if hop.children == 0 {
            let path = hop.path.iter().map(|&r| roles[r].arn()).collect();
            *chains.entry((hop.origin.clone(), path)).or_default() += 1;
        }
    }
    let edges: Vec<Value> = edge_map
        .iter()
        .map(|((source, kind, role), (ok, failed, subjects))| {
            json!({"source_kind": kind, "source": source, "role_arn": role, "successes": ok, "failures": failed, "subjects": subjects})
        })
        .collect();
    let mut chain_rows: Vec<Value> = chains
        .iter()
        .filter(|((_, path), _)| path.len() >= 2)
        .map(|((origin, path), count)| json!({"origin": origin, "roles": path, "depth": path.len(), "count": count}))
        .collect();
    chain_rows.sort_by_key(|row| std::cmp::Reverse(row["depth"].as_u64()));
    let mut accounts: Vec<Value> = MEMBERS
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name, "member": true}))
        .collect();
    accounts.push(json!({"id": VENDOR, "name": "vendor", "member": false}));
    let with_path: Vec<&String> = role_set
        .iter()
        .filter(|arn| arn.matches('/').count() > 1)
        .collect();
    let succeeded = trail.hops.iter().filter(|h| h.ok).count();
    json!({
        "generator": {"records": records, "seed": seed, "command": format!("cargo run --release --example generate -- org --records {records} --seed {seed} OUT_DIR")},
        "organization": ORG,
        "accounts": accounts,
        "records": {"total": role_records + ordinary, "role_related": role_records, "ordinary": ordinary, "cross_account_copies": trail.copies},
        "roles": {"count": role_set.len(), "with_path": with_path.len(), "arns": role_set},
        "edges": {"count": edges.len(), "rows": edges},
        "role_assumptions": {
            "distinct": trail.hops.len(),
            "successes": succeeded,
            "failures": trail.hops.len() - succeeded,
            "by_event_name": by_name.iter().map(|(name, (ok, failed))| (name.to_string(), json!({"success": ok, "failure": failed}))).collect::<serde_json::Map<String, Value>>(),
        },
        "console_switches": {"count": switches, "failures": switch_failures, "cross_account": switch_cross},
        "cross_account_hops": cross,
        "chains": {
            "max_depth": depths.keys().max(),
            "hops_by_depth": depths.iter().map(|(d, n)| (d.to_string(), json!(n))).collect::<serde_json::Map<String, Value>>(),
            "note": "a row per distinct path that chains ended on (a hop whose session made no further hop, or a refused hop), depth 2 or more; a console switch from an Identity Center session continues that session's chain here (the person's whole path), where trailmask starts a switch's chain at the session it switched from (README, Console switches)",
            "paths": chain_rows,
        },
    })
}

/// A caller identity's session: (ARN, access key, creation time), or empty parts.
fn session_key(identity: &Value) -> (String, String, String) {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    (
        text(&identity["arn"]),
        text(&identity["accessKeyId"]),
        text(&identity["sessionContext"]["attributes"]["creationDate"]),
    )
}

/// What `activity` must find: every call made with a role session (all records whose
/// caller is an `AssumedRole`, but the console's `SwitchRole`), counted per session, each
/// session with the role, origin and depth of the hop that made it; and the vendor's
/// automation, a role session of the vendor's known only by the copies of its calls into the
/// organization (`AWSAccount`, its principal id): one session of that name, its role by id,
/// its origin unknown (its hop is in the vendor's trail, not read). (The members' copies of
/// each other's calls are copies of records the trail holds: counted once, in those.)
fn activity_truth(trail: &Trail, ordinary: &[Ordinary]) -> Value {
    let mut calls: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let vendor_session = VENDOR_PRINCIPALS[2];
    let vendor_key = (
        format!("{VENDOR}#{vendor_session}"),
        String::new(),
        String::new(),
    );
    let role_related = trail
        .records
        .iter()
        .filter(|(.., record)| record["eventName"] != "SwitchRole")
        .map(|(.., record)| &record["userIdentity"]);
    for identity in role_related.chain(ordinary.iter().map(|call| &call.identity)) {
        if identity["type"] == "AssumedRole" {
            *calls.entry(session_key(identity)).or_default() += 1;
        } else if identity["type"] == "AWSAccount" && identity["principalId"] == vendor_session {
            *calls.entry(vendor_key.clone()).or_default() += 1;
        }
    }
    let sessions: Vec<Value> = calls
        .iter()
        .map(|(key, count)| {
            let (role, origin, depth) = match trail.attribution.get(key) {
                Some(attribution) => attribution.clone(),
                None if *key == vendor_key => {
                    let role_id = vendor_session.split_once(':').map_or("", |(id, _)| id);
                    (format!("{VENDOR}#{role_id}"), String::new(), 0)
                }
                None => Default::default(),
            };
            // No depth where the origin is unknown (a chain begun in a trail not read).
            let depth = (!origin.is_empty()).then_some(depth);
            json!({"session_arn": key.0, "created": key.2, "role_arn": role, "origin": origin, "chain_depth": depth, "calls": count})
        })
        .collect();
    json!({
        "note": "one row per role session that made calls (all calls made with AssumedRole credentials except the console's SwitchRole), with the role, chain origin and depth of the hop that issued it",
        "calls": calls.values().sum::<u64>(),
        "sessions": sessions,
    })
}

fn ordinary_record(call: &Ordinary) -> Value {
    let mut rng = Rng(call.seed);
    let account = account_id(call.account);
    let region = call.region;
    let event_id = rng.uuid();
    let bucket = format!("{}-data-{}", MEMBERS[call.account].1, rng.below(12));
    let (source, name, request) = match rng.below(100) {
        0 => (
            "iam.amazonaws.com",
            "CreateRole",
            json!({"roleName": format!("fn-{}", rng.below(1000)), "assumeRolePolicyDocument": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#}),
        ),
        1 => (
            "cloudtrail.amazonaws.com",
            "LookupEvents",
            json!({"lookupAttributes": [{"attributeKey": "EventName", "attributeValue": "AssumeRole"}], "maxResults": 50}),
        ),
        2..=25 => (
            "s3.amazonaws.com",
            "GetObject",
            json!({"bucketName": bucket, "key": format!("exports/2024/05/part-{:05}.parquet", rng.below(99_999)), "Host": format!("{bucket}.s3.{region}.amazonaws.com")}),
        ),
        26..=40 => (
            "ec2.amazonaws.com",
            "DescribeInstances",
            json!({"instancesSet": {"items": [{"instanceId": format!("i-0{:016x}", rng.below(1 << 40))}]}, "filterSet": {}}),
        ),
        41..=55 => (
            "kms.amazonaws.com",
            "Decrypt",
            json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": {"aws:s3:arn": format!("arn:aws:s3:::{bucket}")}}),
        ),
        56..=65 => (
            "dynamodb.amazonaws.com",
            "DescribeTable",
            json!({"tableName": format!("orders-{}", rng.below(20))}),
        ),
        66..=80 => (
            "logs.amazonaws.com",
            "CreateLogStream",
            json!({"logGroupName": format!("/aws/lambda/worker-{}", rng.below(100)), "logStreamName": format!("2024/05/06/[$LATEST]{:016x}", rng.next())}),
        ),
        81..=90 => (
            "ssm.amazonaws.com",
            "GetParameter",
            json!({"name": format!("/config/service-{}/db-url", rng.below(40)), "withDecryption": true}),
        ),
        _ => ("sts.amazonaws.com", "GetCallerIdentity", Value::Null),
    };
    let common = Common {
        time: &iso(call.time),
        source,
        name,
        region,
        ip: &format!("10.{}.{}.{}", call.account, rng.below(256), rng.below(256)),
        agent: [SDK, GO_SDK, CLI][rng.below(3) as usize],
        recipient: account,
    };
    let host = format!(
        "{}.{region}.amazonaws.com",
        source.trim_end_matches(".amazonaws.com")
    );
    let mut extra = vec![(
        "tlsDetails",
        json!({"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": host}),
    )];
    if source == "s3.amazonaws.com" {
        extra.push((
            "resources",
            json!([{"accountId": account, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")}]),
        ));
        extra.push((
            "additionalEventData",
            json!({"SignatureVersion": "SigV4", "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader", "bytesTransferredOut": rng.below(1_000_000)}),
        ));
    }
    record(
        &common,
        call.identity.clone(),
        request,
        Value::Null,
        &event_id,
        &extra,
    )
}

/// Records of an account and region are delivered in a file per 4 hours (CloudTrail delivers
/// every 5 minutes or so; fewer, larger files keep the test trail quick to write and read).
const FILE_SPAN: u64 = 4 * 3600;

type FileKey = (usize, &'static str, u64);

fn write_files(
    out: &Path,
    role_records: Vec<(usize, &'static str, u64, u64, Value)>,
    ordinary: Vec<Ordinary>,
    seed: u64,
) -> std::io::Result<usize> {
    let mut lines: Vec<(FileKey, u64, u64, String)> = role_records
        .into_par_iter()
        .map(|(account, region, time, seq, record)| {
            (
                (account, region, time / FILE_SPAN),
                time,
                seq,
                record.to_string(),
            )
        })
        .collect();
    lines.par_extend(ordinary.par_iter().map(|call| {
        (
            (call.account, call.region, call.time / FILE_SPAN),
            call.time,
            call.seq,
            ordinary_record(call).to_string(),
        )
    }));
    let mut files: BTreeMap<FileKey, Vec<(u64, u64, String)>> = BTreeMap::new();
    for (key, time, seq, line) in lines {
        files.entry(key).or_default().push((time, seq, line));
    }
    let files: Vec<_> = files.into_iter().collect();
    files
        .par_iter()
        .map(|((account, region, window), lines)| {
            let mut lines: Vec<&(u64, u64, String)> = lines.iter().collect();
            lines.sort_by_key(|(time, seq, _)| (*time, *seq));
            let mut body = String::from("{\"Records\":[");
            for (n, (_, _, line)) in lines.iter().enumerate() {
                if n > 0 {
                    body.push(',');
                }
                body.push_str(line);
            }
            body.push_str("]}");
            // Delivered a few minutes after the window's last hour.
            let t = (window + 1) * FILE_SPAN - 3600;
            let minute = 5 + mix(seed ^ window ^ (*account as u64) << 32) % 50;
            let stamp = format!(
                "202405{:02}T{:02}{minute:02}Z",
                6 + t / 86_400,
                t / 3600 % 24
            );
            let id = Rng(mix(seed ^ hash(&format!("{account}{region}{window}")))).alnum(16);
            let path = delivery_path(out, ORG, account_id(*account), region, &stamp, &id);
            write_gz(&path, body.as_bytes(), 6).map(|_| ())
        })
        .collect::<std::io::Result<()>>()?;
    // A digest per member account beside its logs: counted by readers, never read as events.
    for (account, _) in MEMBERS {
        let name = format!(
            "{account}_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20240506T010000Z.json.gz"
        );
        let object =
            format!("AWSLogs/{ORG}/{account}/CloudTrail-Digest/us-east-1/2024/05/06/{name}");
        let digest = json!({
            "awsAccountId": account, "digestStartTime": "2024-05-06T00:00:00Z", "digestEndTime": "2024-05-06T01:00:00Z",
            "digestS3Bucket": "example-org-trail", "digestS3Object": object,
            "digestPublicKeyFingerprint": format!("{:016x}{:016x}", mix(hash(account)), mix(hash(account) ^ 1)), "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": "2024-05-06T00:59:59Z", "oldestEventTime": "2024-05-06T00:00:00Z",
            "previousDigestS3Bucket": null, "previousDigestS3Object": null, "previousDigestHashValue": null,
            "previousDigestHashAlgorithm": null, "previousDigestSignature": null, "logFiles": [],
        });
        write_gz(&out.join(object), digest.to_string().as_bytes(), 6)?;
    }
    Ok(files.len())
}
