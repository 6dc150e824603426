//! Which calls hand a role to a service, as data: one [`Call`] per CloudTrail event that can
//! carry `iam:PassRole`, with where its request holds the role (or instance profile), which
//! service will wear it, and where the resource that gets it is named.
//!
//! Paths are dotted from the record's root, `rp.` standing for `requestParameters.` and `re.`
//! for `responseElements.`; a segment ending in `[]` is every element of an array (a single
//! object is read as one element: EC2's wrapped requests write one-element lists so). The
//! first path of a list that gives a value is used. A value may be an ARN or a bare name
//! (EMR, Glue, Batch take names); [`super`] turns names into ARNs.
//!
//! `confirmed` says where each entry's paths come from (the research is in
//! `docs/passrole-coverage.md`): a real CloudTrail record (in `../shared/real-trails/` or an AWS
//! documentation page), or only the service's API model, whose member names CloudTrail writes
//! first letter lower-cased (EC2's newer calls wrap the request in `<Action>Request` and keep
//! the model's capitals, so both spellings are listed where it is not known which is logged).
//! Every entry has a crafted test record in `tests/data/passrole/calls/` (`tests/passrole.rs`
//! fails for an entry without one).
//!
//! Left out on purpose: CloudFormation StackSets' `executionRoleName` (a role in the target
//! accounts that the administration role assumes later, not a role handed to a service), and
//! CodePipeline's per-action `roleArn`s (assumed by the pipeline's role, not passed).

/// Where an entry's role paths were seen (a real record of the call without the role field,
/// such as CloudFormation's CreateStack in AWS's documentation, does not count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// On a real CloudTrail record.
    RealRecord,
    /// In the service's API model only: CloudTrail's casing and nesting inferred.
    ApiModel,
    /// Not even the nesting is known for sure (both likely spellings are listed).
    Unknown,
}

impl Confirmed {
    pub fn as_str(self) -> &'static str {
        match self {
            Confirmed::RealRecord => "real record",
            Confirmed::ApiModel => "API model",
            Confirmed::Unknown => "unknown",
        }
    }
}

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// A role, by ARN or by name.
    Role,
    /// An EC2 instance profile, by ARN or by name: resolved to its role later.
    Profile,
}

/// Which later sessions of the service count as wearing the role for the call's resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worn {
    /// The service names its session after the resource: the session name is the resource's
    /// last segment (an EC2 instance id, a Lambda function's name, an ECS task's id).
    SessionNamesResource,
    /// The session names say nothing of the resource: every later session of the service on
    /// the role counts.
    AnySession,
}

/// One role a call can hand over.
#[derive(Debug, Clone, Copy)]
pub struct Hand {
    pub paths: &'static [&'static str],
    pub holds: Holds,
    /// The principal that will wear it.
    pub service: &'static str,
}

/// One call that can hand roles over.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub event_source: &'static str,
    /// Its names (a service renames calls between API versions).
    pub event_names: &'static [&'static str],
    pub hands: &'static [Hand],
    /// Where the resource that gets the role is named (every value of the first path that
    /// gives any).
    pub resource: &'static [&'static str],
    pub worn: Worn,
    pub confirmed: Confirmed,
}

const fn role(paths: &'static [&'static str], service: &'static str) -> Hand {
    Hand {
        paths,
        holds: Holds::Role,
        service,
    }
}

const fn profile(paths: &'static [&'static str]) -> Hand {
    Hand {
        paths,
        holds: Holds::Profile,
        service: EC2,
    }
}

const EC2: &str = "ec2.amazonaws.com";

const fn call(
    event_source: &'static str,
    event_names: &'static [&'static str],
    hands: &'static [Hand],
    resource: &'static [&'static str],
    worn: Worn,
    confirmed: Confirmed,
) -> Call {
    Call {
        event_source,
        event_names,
        hands,
        resource,
        worn,
        confirmed,
    }
}

use Confirmed::{ApiModel, RealRecord, Unknown};
use Worn::{AnySession, SessionNamesResource};

/// Every call trailmask reads hand-overs from.
pub const CALLS: &[Call] = &[
    // EC2: instance profiles. RunInstances made by a service (Auto Scaling, EC2 Fleet) carries
    // no profile in its request: PassRole was checked when the template or group was made.
    call(
        EC2,
        &["RunInstances"],
        &[profile(&[
            "rp.iamInstanceProfile.arn",
            "rp.iamInstanceProfile.name",
            "rp.RunInstancesRequest.IamInstanceProfile.Arn",
            "rp.RunInstancesRequest.IamInstanceProfile.Name",
        ])],
        &["re.instancesSet.items[].instanceId"],
        SessionNamesResource,
        ApiModel,
    ),
    call(
        EC2,
        &["AssociateIamInstanceProfile"],
        &[profile(&[
            "rp.AssociateIamInstanceProfileRequest.IamInstanceProfile.Arn",
            "rp.AssociateIamInstanceProfileRequest.IamInstanceProfile.Name",
            "rp.iamInstanceProfile.arn",
            "rp.iamInstanceProfile.name",
        ])],
        &[
            "rp.AssociateIamInstanceProfileRequest.InstanceId",
            "rp.instanceId",
        ],
        SessionNamesResource,
        ApiModel,
    ),
    call(
        EC2,
        &["ReplaceIamInstanceProfileAssociation"],
        &[profile(&[
            "rp.ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Arn",
            "rp.ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Name",
            "rp.iamInstanceProfile.arn",
            "rp.iamInstanceProfile.name",
        ])],
        &[
            "re.ReplaceIamInstanceProfileAssociationResponse.iamInstanceProfileAssociation.instanceId",
            "re.iamInstanceProfileAssociation.instanceId",
        ],
        SessionNamesResource,
        ApiModel,
    ),
    call(
        EC2,
        &["CreateLaunchTemplate"],
        &[profile(&[
            "rp.CreateLaunchTemplateRequest.LaunchTemplateData.IamInstanceProfile.Arn",
            "rp.CreateLaunchTemplateRequest.LaunchTemplateData.IamInstanceProfile.Name",
        ])],
        &[
            "re.CreateLaunchTemplateResponse.launchTemplate.launchTemplateId",
            "rp.CreateLaunchTemplateRequest.LaunchTemplateName",
        ],
        AnySession,
        RealRecord,
    ),
    call(
        EC2,
        &["CreateLaunchTemplateVersion"],
        &[profile(&[
            "rp.CreateLaunchTemplateVersionRequest.LaunchTemplateData.IamInstanceProfile.Arn",
            "rp.CreateLaunchTemplateVersionRequest.LaunchTemplateData.IamInstanceProfile.Name",
        ])],
        &[
            "rp.CreateLaunchTemplateVersionRequest.LaunchTemplateId",
            "rp.CreateLaunchTemplateVersionRequest.LaunchTemplateName",
        ],
        AnySession,
        Unknown,
    ),
    call(
        EC2,
        &["RequestSpotInstances"],
        &[profile(&[
            "rp.launchSpecification.iamInstanceProfile.arn",
            "rp.launchSpecification.iamInstanceProfile.name",
        ])],
        &["re.spotInstanceRequestSet.items[].spotInstanceRequestId"],
        AnySession,
        ApiModel,
    ),
    call(
        EC2,
        &["RequestSpotFleet"],
        &[
            role(
                &[
                    "rp.spotFleetRequestConfig.iamFleetRole",
                    "rp.RequestSpotFleetRequest.SpotFleetRequestConfig.IamFleetRole",
                ],
                "spotfleet.amazonaws.com",
            ),
            profile(&[
                "rp.spotFleetRequestConfig.launchSpecifications[].iamInstanceProfile.arn",
                "rp.spotFleetRequestConfig.launchSpecifications[].iamInstanceProfile.name",
                "rp.RequestSpotFleetRequest.SpotFleetRequestConfig.LaunchSpecifications[].IamInstanceProfile.Arn",
                "rp.RequestSpotFleetRequest.SpotFleetRequestConfig.LaunchSpecifications[].IamInstanceProfile.Name",
            ]),
        ],
        &[
            "re.spotFleetRequestId",
            "re.RequestSpotFleetResponse.spotFleetRequestId",
        ],
        AnySession,
        Unknown,
    ),
    call(
        "autoscaling.amazonaws.com",
        &["CreateLaunchConfiguration"],
        &[profile(&["rp.iamInstanceProfile"])],
        &["rp.launchConfigurationName"],
        AnySession,
        ApiModel,
    ),
    // Lambda: the function's session is named after the function.
    call(
        "lambda.amazonaws.com",
        &["CreateFunction20150331", "CreateFunction"],
        &[role(&["rp.role"], "lambda.amazonaws.com")],
        &["re.functionArn", "rp.functionName"],
        SessionNamesResource,
        ApiModel,
    ),
    call(
        "lambda.amazonaws.com",
        &[
            "UpdateFunctionConfiguration20150331v2",
            "UpdateFunctionConfiguration20150331",
            "UpdateFunctionConfiguration",
        ],
        &[role(&["rp.role"], "lambda.amazonaws.com")],
        &["re.functionArn", "rp.functionName"],
        SessionNamesResource,
        ApiModel,
    ),
    // ECS: a task's session is named after its id.
    call(
        "ecs.amazonaws.com",
        &["RegisterTaskDefinition"],
        &[
            role(&["rp.taskRoleArn"], "ecs-tasks.amazonaws.com"),
            role(&["rp.executionRoleArn"], "ecs-tasks.amazonaws.com"),
        ],
        &["re.taskDefinition.taskDefinitionArn", "rp.family"],
        AnySession,
        ApiModel,
    ),
    call(
        "ecs.amazonaws.com",
        &["RunTask", "StartTask"],
        &[
            role(&["rp.overrides.taskRoleArn"], "ecs-tasks.amazonaws.com"),
            role(
                &["rp.overrides.executionRoleArn"],
                "ecs-tasks.amazonaws.com",
            ),
        ],
        &["re.tasks[].taskArn"],
        SessionNamesResource,
        ApiModel,
    ),
    // CloudFormation.
    call(
        "cloudformation.amazonaws.com",
        &["CreateStack", "UpdateStack"],
        &[role(&["rp.roleARN"], "cloudformation.amazonaws.com")],
        &["re.stackId", "rp.stackName"],
        AnySession,
        ApiModel,
    ),
    call(
        "cloudformation.amazonaws.com",
        &["CreateChangeSet"],
        &[role(&["rp.roleARN"], "cloudformation.amazonaws.com")],
        &["re.stackId", "rp.stackName"],
        AnySession,
        ApiModel,
    ),
    call(
        "cloudformation.amazonaws.com",
        &["CreateStackSet", "UpdateStackSet"],
        &[role(
            &["rp.administrationRoleARN"],
            "cloudformation.amazonaws.com",
        )],
        &["re.stackSetId", "rp.stackSetName"],
        AnySession,
        ApiModel,
    ),
    // Glue (roles by name or ARN).
    call(
        "glue.amazonaws.com",
        &["CreateJob", "CreateCrawler", "UpdateCrawler"],
        &[role(&["rp.role"], "glue.amazonaws.com")],
        &["rp.name", "re.name"],
        AnySession,
        ApiModel,
    ),
    call(
        "glue.amazonaws.com",
        &["UpdateJob"],
        &[role(&["rp.jobUpdate.role"], "glue.amazonaws.com")],
        &["rp.jobName"],
        AnySession,
        ApiModel,
    ),
    call(
        "glue.amazonaws.com",
        &["CreateDevEndpoint"],
        &[role(&["rp.roleArn"], "glue.amazonaws.com")],
        &["rp.endpointName", "re.endpointName"],
        AnySession,
        ApiModel,
    ),
    // CodeBuild.
    call(
        "codebuild.amazonaws.com",
        &["CreateProject", "UpdateProject"],
        &[role(&["rp.serviceRole"], "codebuild.amazonaws.com")],
        &["re.project.arn", "rp.name"],
        AnySession,
        ApiModel,
    ),
    // SageMaker.
    call(
        "sagemaker.amazonaws.com",
        &["CreateNotebookInstance"],
        &[role(&["rp.roleArn"], "sagemaker.amazonaws.com")],
        &["re.notebookInstanceArn", "rp.notebookInstanceName"],
        AnySession,
        ApiModel,
    ),
    call(
        "sagemaker.amazonaws.com",
        &["CreateTrainingJob"],
        &[role(&["rp.roleArn"], "sagemaker.amazonaws.com")],
        &["re.trainingJobArn", "rp.trainingJobName"],
        AnySession,
        ApiModel,
    ),
    call(
        "sagemaker.amazonaws.com",
        &["CreateProcessingJob"],
        &[role(&["rp.roleArn"], "sagemaker.amazonaws.com")],
        &["re.processingJobArn", "rp.processingJobName"],
        AnySession,
        ApiModel,
    ),
    call(
        "sagemaker.amazonaws.com",
        &["CreateModel"],
        &[role(&["rp.executionRoleArn"], "sagemaker.amazonaws.com")],
        &["re.modelArn", "rp.modelName"],
        AnySession,
        ApiModel,
    ),
    // Step Functions.
    call(
        "states.amazonaws.com",
        &["CreateStateMachine"],
        &[role(&["rp.roleArn"], "states.amazonaws.com")],
        &["re.stateMachineArn", "rp.name"],
        AnySession,
        RealRecord,
    ),
    call(
        "states.amazonaws.com",
        &["UpdateStateMachine"],
        &[role(&["rp.roleArn"], "states.amazonaws.com")],
        &["rp.stateMachineArn"],
        AnySession,
        ApiModel,
    ),
    // EMR: up to three roles in one call; the instances' role is a profile, by name.
    call(
        "elasticmapreduce.amazonaws.com",
        &["RunJobFlow"],
        &[
            role(&["rp.serviceRole"], "elasticmapreduce.amazonaws.com"),
            profile(&["rp.jobFlowRole"]),
            role(
                &["rp.autoScalingRole"],
                "application-autoscaling.amazonaws.com",
            ),
        ],
        &["re.jobFlowId", "re.clusterArn", "rp.name"],
        AnySession,
        ApiModel,
    ),
    // EKS.
    call(
        "eks.amazonaws.com",
        &["CreateCluster"],
        &[role(&["rp.roleArn"], "eks.amazonaws.com")],
        &["re.cluster.arn", "rp.name"],
        AnySession,
        RealRecord,
    ),
    call(
        "eks.amazonaws.com",
        &["CreateNodegroup"],
        &[role(&["rp.nodeRole"], EC2)],
        &["re.nodegroup.nodegroupArn", "rp.nodegroupName"],
        AnySession,
        ApiModel,
    ),
    call(
        "eks.amazonaws.com",
        &["CreateFargateProfile"],
        &[role(
            &["rp.podExecutionRoleArn"],
            "eks-fargate-pods.amazonaws.com",
        )],
        &[
            "re.fargateProfile.fargateProfileArn",
            "rp.fargateProfileName",
        ],
        AnySession,
        ApiModel,
    ),
    // Batch.
    call(
        "batch.amazonaws.com",
        &["CreateComputeEnvironment"],
        &[
            role(&["rp.serviceRole"], "batch.amazonaws.com"),
            profile(&["rp.computeResources.instanceRole"]),
            role(
                &["rp.computeResources.spotIamFleetRole"],
                "spotfleet.amazonaws.com",
            ),
        ],
        &["re.computeEnvironmentArn", "rp.computeEnvironmentName"],
        AnySession,
        ApiModel,
    ),
    call(
        "batch.amazonaws.com",
        &["RegisterJobDefinition"],
        &[
            role(
                &[
                    "rp.containerProperties.jobRoleArn",
                    "rp.ecsProperties.taskProperties[].taskRoleArn",
                    "rp.nodeProperties.nodeRangeProperties[].container.jobRoleArn",
                ],
                "ecs-tasks.amazonaws.com",
            ),
            role(
                &[
                    "rp.containerProperties.executionRoleArn",
                    "rp.ecsProperties.taskProperties[].executionRoleArn",
                    "rp.nodeProperties.nodeRangeProperties[].container.executionRoleArn",
                ],
                "ecs-tasks.amazonaws.com",
            ),
        ],
        &["re.jobDefinitionArn", "rp.jobDefinitionName"],
        AnySession,
        ApiModel,
    ),
    // EventBridge rules and EventBridge Scheduler.
    call(
        "events.amazonaws.com",
        &["PutTargets"],
        &[role(&["rp.targets[].roleArn"], "events.amazonaws.com")],
        &["rp.rule"],
        AnySession,
        ApiModel,
    ),
    call(
        "scheduler.amazonaws.com",
        &["CreateSchedule", "UpdateSchedule"],
        &[role(&["rp.target.roleArn"], "scheduler.amazonaws.com")],
        &["re.scheduleArn", "rp.name"],
        AnySession,
        ApiModel,
    ),
    // CodePipeline: only the pipeline's role is passed.
    call(
        "codepipeline.amazonaws.com",
        &["CreatePipeline", "UpdatePipeline"],
        &[role(&["rp.pipeline.roleArn"], "codepipeline.amazonaws.com")],
        &["rp.pipeline.name"],
        AnySession,
        ApiModel,
    ),
    // RDS (query protocol: `dB…`).
    call(
        "rds.amazonaws.com",
        &["AddRoleToDBInstance"],
        &[role(&["rp.roleArn"], "rds.amazonaws.com")],
        &["rp.dBInstanceIdentifier"],
        AnySession,
        ApiModel,
    ),
    call(
        "rds.amazonaws.com",
        &["AddRoleToDBCluster"],
        &[role(&["rp.roleArn"], "rds.amazonaws.com")],
        &["rp.dBClusterIdentifier"],
        AnySession,
        ApiModel,
    ),
];

/// Where a call's response names the instance profile's full ARN (with its path) when the
/// request named the profile by name: (event name, path). Real (the response of a launch
/// names `iamInstanceProfile.arn`; panther-analysis fixture, docs/passrole-coverage.md row 1).
pub const PROFILE_ARNS: &[(&str, &str)] = &[(
    "RunInstances",
    "re.instancesSet.items[].iamInstanceProfile.arn",
)];

/// The calls that create the resource they hand a role to (its sessions cannot be older than
/// the call, so a minute of clock difference between services is allowed before it).
pub const CREATES_RESOURCE: &[&str] = &[
    "RunInstances",
    "CreateFunction20150331",
    "CreateFunction",
    "RunTask",
    "StartTask",
];

/// The IAM calls that say which role an instance profile holds.
pub const PROFILE_CALLS: &[&str] = &[
    "CreateInstanceProfile",
    "AddRoleToInstanceProfile",
    "RemoveRoleFromInstanceProfile",
    "DeleteInstanceProfile",
];

/// The entry for a call, if it is one that hands roles over.
pub fn find(event_source: &str, event_name: &str) -> Option<&'static Call> {
    CALLS
        .iter()
        .find(|call| call.event_source == event_source && call.event_names.contains(&event_name))
}

/// Every event name of [`CALLS`] and [`PROFILE_CALLS`], sorted, without repeats: the names the
/// reading layer lets through to a full parse when hand-overs are wanted.
pub fn names() -> &'static [&'static str] {
    static NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        let mut names: Vec<&str> = CALLS
            .iter()
            .flat_map(|call| call.event_names.iter().copied())
            .chain(PROFILE_CALLS.iter().copied())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    });
    &NAMES
}

/// The table as Markdown, one row per call (the README's "Calls that hand a role over" section
/// is this text; a test keeps the two the same).
pub fn markdown() -> String {
    let mut out = String::from(
        "| eventSource | eventName | role or profile (service that wears it) | resource | paths confirmed on |\n|---|---|---|---|---|\n",
    );
    for call in CALLS {
        let hands: Vec<String> = call
            .hands
            .iter()
            .map(|hand| {
                let paths: Vec<String> = hand.paths.iter().map(|p| format!("`{p}`")).collect();
                let kind = match hand.holds {
                    Holds::Role => "",
                    Holds::Profile => "profile ",
                };
                format!("{kind}{} ({})", paths.join(" or "), hand.service)
            })
            .collect();
        let resource: Vec<String> = call.resource.iter().map(|p| format!("`{p}`")).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            call.event_source,
            call.event_names.join(", "),
            hands.join("; "),
            resource.join(" or "),
            call.confirmed.as_str()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_starts_at_the_request_or_the_response() {
        for call in CALLS {
            let paths = call
                .hands
                .iter()
                .flat_map(|hand| hand.paths.iter())
                .chain(call.resource);
            for path in paths {
                assert!(path.starts_with("rp.") || path.starts_with("re."), "{path}");
                assert!(!path.contains(".."), "{path}");
            }
        }
    }

    #[test]
    fn one_entry_per_call() {
        let mut seen = std::collections::BTreeSet::new();
        for call in CALLS {
            for name in call.event_names {
                assert!(seen.insert((call.event_source, *name)), "{name}");
            }
        }
    }

    #[test]
    fn names_are_plain_letters_and_digits() {
        for name in names() {
            assert!(name.bytes().all(|b| b.is_ascii_alphanumeric()), "{name}");
        }
    }
}
