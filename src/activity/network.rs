//! Where a call came from: the network of a `sourceIPAddress` (an IPv4 /24, an IPv6 /48), as
//! the sessions list them ([`place_of`]) and as `session-many-networks` counts them
//! ([`network_of`]), and which networks are private.
//!
//! Whether a network is private depends on its prefix alone (never on the last octet of an
//! IPv4 address, nor on what follows the first three groups of an IPv6 one), so every address
//! of one listed network is of one kind: the cap on a session's list (so many private
//! networks, so many others) and the finding count the same networks as the same kind.

use std::fmt;
use std::net::IpAddr;

/// Where a call came from, coarsely enough that one place is one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Network {
    /// Any address inside a VPC or another private network (RFC 1918, shared 100.64/10,
    /// loopback, link-local, "this network" 0/8; IPv6 unique-local, link-local and the
    /// ::/48 of loopback and unspecified): a call through a VPC endpoint names the caller's
    /// private address, and a workload's private addresses change with its subnets, so they
    /// are one place.
    Private,
    /// A public IPv4 /24.
    V4([u8; 3]),
    /// A public IPv6 /48.
    V6([u16; 3]),
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Network::Private => f.write_str("private"),
            Network::V4([a, b, c]) => write!(f, "{a}.{b}.{c}.0/24"),
            Network::V6(prefix) => write!(f, "{}", v6_network(*prefix)),
        }
    }
}

/// The network of a `sourceIPAddress`, or `None` when it is no address: an AWS service acting
/// for the caller (`AWS Internal`, `ec2.amazonaws.com`, ...), empty, or other text.
pub fn network_of(address: &str) -> Option<Network> {
    let ip: IpAddr = address.trim().parse().ok()?;
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    Some(match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            let shared = a == 100 && (64..128).contains(&b);
            // Each test reads the first two octets only: 10/8, 172.16/12, 192.168/16, 127/8,
            // 169.254/16, 0/8 ("this network", never a caller's public address).
            if v4.is_private() || v4.is_loopback() || v4.is_link_local() || a == 0 || shared {
                Network::Private
            } else {
                Network::V4([a, b, c])
            }
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let unique_local = s[0] & 0xfe00 == 0xfc00;
            let link_local = s[0] & 0xffc0 == 0xfe80;
            // ::/48 holds loopback (::1), unspecified (::) and the retired IPv4-compatible
            // addresses: none a caller's public network.
            let special = s[..3] == [0, 0, 0];
            if unique_local || link_local || special {
                Network::Private
            } else {
                Network::V6([s[0], s[1], s[2]])
            }
        }
    })
}

/// An address as the number it is, for ordering (`10.0.0.9` before `10.0.0.10`): an
/// IPv4-mapped IPv6 address as its IPv4 address (as [`place_of`] counts it); `None` for a
/// name (`AWS Internal`).
pub(crate) fn address_number(address: &str) -> Option<std::net::IpAddr> {
    address
        .trim()
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_canonical())
}

/// An IPv6 /48 as addresses are written (RFC 5952: `2001:db8::/48`, not `2001:db8:0::/48`).
fn v6_network([a, b, c]: [u16; 3]) -> String {
    format!("{}/48", std::net::Ipv6Addr::new(a, b, c, 0, 0, 0, 0, 0))
}

/// The network an address belongs to, as the activity lists keep them: an IPv4 /24
/// (`203.0.113.0/24`) or IPv6 /48 (`2001:db8:1::/48`), private ones too; anything that is not
/// an IP address (`AWS Internal`, `s3.amazonaws.com`) as written.
pub fn place_of(address: &str) -> String {
    let trimmed = address.trim();
    match trimmed.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => {
            // A text the parser takes is written as it would print it (no leading zeros), so
            // its network is its first three numbers, cut from it (formatting the octets cost
            // 1,600 instructions a time, and this runs once in seven calls).
            let network = trimmed
                .rsplit_once('.')
                .map_or(trimmed, |(network, _)| network);
            let mut place = String::with_capacity(network.len() + 5);
            place.push_str(network);
            place.push_str(".0/24");
            place
        }
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => place_of(&v4.to_string()),
            None => {
                let s = v6.segments();
                v6_network([s[0], s[1], s[2]])
            }
        },
        Err(_) => address.to_owned(),
    }
}

/// What a listed place is: each kind is kept up to the session's cap on its own, so that the
/// subnets of a VPC cannot push a public network out, nor the reverse, and names of services
/// acting for the caller (no network) push out neither, nor count as networks cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlaceKind {
    Private,
    Public,
    /// Not an IP address (`AWS Internal`, `s3.amazonaws.com`).
    Name,
}

impl PlaceKind {
    /// The kind of the place `address` is in, as [`network_of`] finds it: every address of
    /// one place is of one kind (the prefix decides), and the cap and the finding ask it of
    /// the same address. A text that only looks like a place (`9.9.0.9/24`) is a name.
    pub(crate) fn of(address: &str) -> PlaceKind {
        match network_of(address) {
            Some(Network::Private) => PlaceKind::Private,
            Some(_) => PlaceKind::Public,
            None => PlaceKind::Name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PlaceKind, network_of, place_of};

    #[test]
    fn addresses_fall_into_networks() {
        for (address, network) in [
            ("203.0.113.10", Some("203.0.113.0/24")),
            (" 203.0.113.250 ", Some("203.0.113.0/24")),
            ("198.51.100.7", Some("198.51.100.0/24")),
            ("10.1.2.3", Some("private")),
            ("172.31.255.1", Some("private")),
            ("192.168.0.1", Some("private")),
            ("100.64.0.9", Some("private")),
            ("100.128.0.9", Some("100.128.0.0/24")),
            ("169.254.169.254", Some("private")),
            ("127.0.0.1", Some("private")),
            ("0.0.0.0", Some("private")),
            ("0.0.0.5", Some("private")),
            ("2001:db8:1234:5678::1", Some("2001:db8:1234::/48")),
            ("2001:db8:1234:ffff::2", Some("2001:db8:1234::/48")),
            ("2001:db8:0:ffff::2", Some("2001:db8::/48")),
            ("fd12:3456:789a::1", Some("private")),
            ("fe80::1", Some("private")),
            ("::1", Some("private")),
            ("::5", Some("private")),
            ("::ffff:203.0.113.9", Some("203.0.113.0/24")),
            ("AWS Internal", None),
            ("ec2.amazonaws.com", None),
            ("", None),
            ("203.0.113", None),
        ] {
            assert_eq!(
                network_of(address).map(|n| n.to_string()).as_deref(),
                network,
                "{address:?}"
            );
        }
    }

    /// The kind of a listed network is the kind of every address in it (the list's cap and
    /// the finding once disagreed on 0.0.0.5, under 0.0.0.0/24).
    #[test]
    fn a_place_is_of_the_kind_of_its_addresses() {
        for address in [
            "0.0.0.5",
            "0.0.0.0",
            "10.9.8.7",
            "127.0.0.9",
            "100.127.3.4",
            "100.128.3.4",
            "169.254.1.2",
            "172.15.0.1",
            "172.16.0.1",
            "203.0.113.77",
            "::5",
            "::1",
            "fe80::9",
            "fd00:1:2:3::4",
            "2001:db8:1:2::3",
            "::ffff:10.1.2.3",
        ] {
            let kind = PlaceKind::of(address);
            let of_place = |place: &str| {
                let network = (place.strip_suffix("/24"))
                    .or_else(|| place.strip_suffix("/48"))
                    .unwrap_or(place);
                PlaceKind::of(network)
            };
            assert_eq!(of_place(&place_of(address)), kind, "{address:?}");
            assert_ne!(kind, PlaceKind::Name, "{address:?}");
        }
        // Texts shaped like places are names (a red-team's, session 39: they counted as
        // networks in the cap).
        for name in ["9.9.0.9/24", "2001:db8::/48", "AWS Internal"] {
            assert_eq!(PlaceKind::of(name), PlaceKind::Name, "{name:?}");
        }
    }

    #[test]
    fn places_of_addresses() {
        for (address, place) in [
            ("10.0.1.17", "10.0.1.0/24"),
            (" 203.0.113.9 ", "203.0.113.0/24"),
            ("0.0.0.0", "0.0.0.0/24"),
            ("255.255.255.255", "255.255.255.0/24"),
            ("010.0.1.17", "010.0.1.17"),
            ("10.0.1", "10.0.1"),
            ("10.0.1.256", "10.0.1.256"),
            ("::ffff:10.1.2.3", "10.1.2.0/24"),
            ("2001:db8:1:2::1", "2001:db8:1::/48"),
            ("2001:db8:0:2::1", "2001:db8::/48"),
            ("AWS Internal", "AWS Internal"),
            (" s3.amazonaws.com ", " s3.amazonaws.com "),
            ("", ""),
        ] {
            assert_eq!(place_of(address), place, "{address:?}");
        }
    }
}
