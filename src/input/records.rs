//! The borrowed serde view of a CloudTrail record: only the fields trailmask reads.
//!
//! CloudTrail records are untrusted and vary by source: any field may be missing, `null`, or of
//! another JSON type than documented (a boolean where a string is expected, an array where an
//! object is). [`Text`] and [`Obj`] accept any JSON value and keep what fits, so one odd field
//! never costs a whole record. Strings borrow from the input unless they hold escapes.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A scalar field read as text: strings as they are, numbers and booleans as their JSON text;
/// `null`, arrays and objects as absent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Option<Cow<'a, str>>);

impl<'a> Text<'a> {
    /// The text, or `""` when absent.
    pub fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or("")
    }

    /// The text when present and not empty.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Borrowed(if v { "true" } else { "false" }))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }

        deserializer.deserialize_any(TextVisitor(PhantomData))
    }
}

/// An object field: `Some` when the value is a JSON object, absent for anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<T> Obj<T> {
    /// The object, when present.
    pub fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
            type Value = Obj<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|v| Obj(Some(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj(None))
            }
            fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Obj(None))
            }
        }

        deserializer.deserialize_any(ObjVisitor(PhantomData))
    }
}

/// One CloudTrail record, as far as trailmask reads it.
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Record<'a> {
    #[serde(borrow)]
    pub event_time: Text<'a>,
    /// Logstash exports (OTRF) drop `eventTime` and keep this instead.
    #[serde(borrow, rename = "@timestamp")]
    pub logstash_timestamp: Text<'a>,
    #[serde(borrow)]
    pub event_source: Text<'a>,
    #[serde(borrow)]
    pub event_name: Text<'a>,
    #[serde(borrow)]
    pub event_type: Text<'a>,
    #[serde(borrow)]
    pub aws_region: Text<'a>,
    #[serde(borrow, rename = "sourceIPAddress")]
    pub source_ip_address: Text<'a>,
    #[serde(borrow)]
    pub user_agent: Text<'a>,
    #[serde(borrow)]
    pub error_code: Text<'a>,
    #[serde(borrow)]
    pub error_message: Text<'a>,
    #[serde(borrow, rename = "eventID")]
    pub event_id: Text<'a>,
    #[serde(borrow, rename = "sharedEventID")]
    pub shared_event_id: Text<'a>,
    #[serde(borrow)]
    pub recipient_account_id: Text<'a>,
    #[serde(borrow)]
    pub user_identity: Obj<UserIdentity<'a>>,
    #[serde(borrow)]
    pub request_parameters: Obj<RequestParameters<'a>>,
    #[serde(borrow)]
    pub response_elements: Obj<ResponseElements<'a>>,
    #[serde(borrow)]
    pub additional_event_data: Obj<AdditionalEventData<'a>>,
}

/// `userIdentity`: who made the call.
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserIdentity<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Text<'a>,
    #[serde(borrow)]
    pub principal_id: Text<'a>,
    #[serde(borrow)]
    pub arn: Text<'a>,
    #[serde(borrow)]
    pub account_id: Text<'a>,
    #[serde(borrow)]
    pub access_key_id: Text<'a>,
    #[serde(borrow)]
    pub user_name: Text<'a>,
    #[serde(borrow)]
    pub invoked_by: Text<'a>,
    #[serde(borrow)]
    pub identity_provider: Text<'a>,
    #[serde(borrow)]
    pub session_context: Obj<SessionContext<'a>>,
}

/// `userIdentity.sessionContext`: the session a temporary-credential caller acts in.
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionContext<'a> {
    #[serde(borrow)]
    pub attributes: Obj<SessionAttributes<'a>>,
    #[serde(borrow)]
    pub session_issuer: Obj<SessionIssuer<'a>>,
    #[serde(borrow)]
    pub source_identity: Text<'a>,
}

/// `sessionContext.attributes`.
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionAttributes<'a> {
    #[serde(borrow)]
    pub creation_date: Text<'a>,
    #[serde(borrow)]
    pub mfa_authenticated: Text<'a>,
}

/// `sessionContext.sessionIssuer`: the role (or user) that issued the caller's session.
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionIssuer<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Text<'a>,
    #[serde(borrow)]
    pub arn: Text<'a>,
}

/// `requestParameters` of the STS calls.
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestParameters<'a> {
    #[serde(borrow)]
    pub role_arn: Text<'a>,
    #[serde(borrow)]
    pub role_session_name: Text<'a>,
    /// `AssumeRoleWithSAML`: the SAML provider.
    #[serde(borrow)]
    pub principal_arn: Text<'a>,
    #[serde(borrow)]
    pub source_identity: Text<'a>,
    /// `GetFederationToken`: the federated user's name.
    #[serde(borrow)]
    pub name: Text<'a>,
    /// `AssumeRoot`: the member account (id or ARN).
    #[serde(borrow)]
    pub target_principal: Text<'a>,
    /// `AssumeRoleWithWebIdentity` with OAuth 2.0 providers (`graph.facebook.com`, …).
    #[serde(borrow)]
    pub provider_id: Text<'a>,
}

/// `responseElements` of the STS calls (and console `SwitchRole`).
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseElements<'a> {
    #[serde(borrow)]
    pub credentials: Obj<Credentials<'a>>,
    #[serde(borrow)]
    pub assumed_role_user: Obj<AssumedUser<'a>>,
    #[serde(borrow)]
    pub federated_user: Obj<AssumedUser<'a>>,
    #[serde(borrow)]
    pub subject: Text<'a>,
    #[serde(borrow)]
    pub provider: Text<'a>,
    #[serde(borrow)]
    pub subject_from_web_identity_token: Text<'a>,
    #[serde(borrow)]
    pub source_identity: Text<'a>,
    #[serde(borrow, rename = "SwitchRole")]
    pub switch_role: Text<'a>,
}

/// `responseElements.credentials`.
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Credentials<'a> {
    #[serde(borrow)]
    pub access_key_id: Text<'a>,
}

/// `responseElements.assumedRoleUser` and `responseElements.federatedUser`.
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AssumedUser<'a> {
    #[serde(borrow)]
    pub arn: Text<'a>,
}

/// `additionalEventData` of console sign-in events.
#[derive(Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct AdditionalEventData<'a> {
    #[serde(borrow, rename = "SwitchFrom")]
    pub switch_from: Text<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_types_do_not_cost_the_record() {
        let json = r#"{"eventName":"AssumeRole","eventTime":12,"readOnly":"x",
            "userIdentity":"not an object","requestParameters":null,
            "responseElements":{"credentials":[1,2],"subject":true}}"#;
        let record: Record = serde_json::from_str(json).unwrap();
        assert_eq!(record.event_name.as_str(), "AssumeRole");
        assert_eq!(record.event_time.as_str(), "12");
        assert!(record.user_identity.get().is_none());
        assert!(record.request_parameters.get().is_none());
        let response = record.response_elements.get().unwrap();
        assert!(response.credentials.get().is_none());
        assert_eq!(response.subject.as_str(), "true");
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let json = r#"{"eventName":"AssumeRole","userAgent":"a\"b"}"#;
        let record: Record = serde_json::from_str(json).unwrap();
        assert!(matches!(record.event_name.0, Some(Cow::Borrowed(_))));
        assert_eq!(record.user_agent.as_str(), "a\"b");
    }
}
