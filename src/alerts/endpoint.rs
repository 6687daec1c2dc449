//! Where web push may send. A push endpoint is a URL a browser handed us, and the worker
//! POSTs to it: unchecked, any signed-in person could make the server call its own
//! network (blind SSRF). So an endpoint must be `https` on a host *name* (no IP literal)
//! that resolves only to public addresses — checked when it is registered, and again at
//! every send by the push agent's resolver, which never hands ureq a loopback, private,
//! link-local or otherwise reserved address (so a name that later resolves inward, DNS
//! rebinding, reaches nothing).
//!
//! `JIWON_PUSH_ALLOW_PRIVATE=1` lifts the address rules for a local test receiver;
//! production refuses to start with it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// Endpoints one account may register (one per browser; a person has a few).
pub const MAX_PER_USER: i64 = 10;

/// Whether `ip` is an ordinary public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64: would reach an IPv4 address
        || (s[0..6] == [0, 0, 0, 0, 0, 0])) // IPv4-compatible
}

/// Why an endpoint URL is refused, before any lookup: scheme, host and size.
pub fn check_shape(endpoint: &str, allow_private: bool) -> Result<url::Url, String> {
    if endpoint.len() > 1000 {
        return Err("주소가 너무 깁니다".into());
    }
    let url = url::Url::parse(endpoint).map_err(|_| "URL이 아닙니다".to_string())?;
    let scheme_ok = url.scheme() == "https" || (allow_private && url.scheme() == "http");
    if !scheme_ok {
        return Err("https 주소만 받습니다".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("주소에 계정 정보를 넣을 수 없습니다".into());
    }
    match url.host() {
        Some(url::Host::Domain(d)) if !d.is_empty() => {
            let d = d.to_ascii_lowercase();
            if !allow_private && (d == "localhost" || d.ends_with(".localhost")) {
                return Err("내부 주소로는 보낼 수 없습니다".into());
            }
        }
        Some(_) if allow_private => {}
        Some(_) => return Err("IP 주소가 아닌 도메인이어야 합니다".into()),
        None => return Err("호스트가 없습니다".into()),
    }
    Ok(url)
}

/// The addresses of `host:port` that may be contacted.
pub fn resolve_allowed(netloc: &str, allow_private: bool) -> std::io::Result<Vec<SocketAddr>> {
    let all: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
    if allow_private {
        return Ok(all);
    }
    let public: Vec<SocketAddr> = all.iter().copied().filter(|a| is_public(a.ip())).collect();
    if public.is_empty() || public.len() != all.len() {
        // A name with any inward address is refused whole: which one a connection
        // would pick is not ours to guess.
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("{netloc} resolves to a non-public address"),
        ));
    }
    Ok(public)
}

/// The full check at registration: shape, then the host's addresses.
pub fn check(endpoint: &str, allow_private: bool) -> Result<(), String> {
    let url = check_shape(endpoint, allow_private)?;
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let netloc = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    resolve_allowed(&netloc, allow_private)
        .map(|_| ())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => "내부 주소로는 보낼 수 없습니다".to_string(),
            _ => "주소의 호스트를 찾을 수 없습니다".to_string(),
        })
}

/// ureq's resolver for the push agent: the same rule at send time.
pub struct PublicOnly {
    pub allow_private: bool,
}

impl ureq::Resolver for PublicOnly {
    fn resolve(&self, netloc: &str) -> std::io::Result<Vec<SocketAddr>> {
        resolve_allowed(netloc, self.allow_private)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inward_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "142.250.1.1", "2607:f8b0:4004:800::200e"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn endpoint_shapes() {
        assert!(check_shape("https://fcm.googleapis.com/fcm/send/abc", false).is_ok());
        for bad in [
            "http://fcm.googleapis.com/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://2130706433/x",
            "https://localhost:8080/x",
            "https://user:pw@push.example/x",
            "ftp://push.example/x",
            "not a url",
        ] {
            assert!(check_shape(bad, false).is_err(), "{bad}");
        }
        assert!(check_shape("http://127.0.0.1:9999/x", true).is_ok());
    }

    #[test]
    fn loopback_names_are_refused_at_lookup() {
        assert!(resolve_allowed("localhost:443", false).is_err());
        assert!(resolve_allowed("127.0.0.1:443", false).is_err());
        assert!(resolve_allowed("127.0.0.1:443", true).is_ok());
    }
}
