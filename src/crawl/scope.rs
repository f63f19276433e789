//! Which URLs belong to the site, and which addresses the crawler must never contact.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// The site being checked: one registrable domain (www and bare host are one site), or one
/// IP address for sites served by address.
#[derive(Debug, Clone)]
pub struct Scope {
    keys: Vec<String>,
}

/// The registrable domain of a host (`shop.example.co.kr` → `example.co.kr`), or the host itself
/// for IP addresses, `localhost` and unknown suffixes.
pub fn site_key(u: &Url) -> Option<String> {
    match u.host()? {
        Host::Ipv4(ip) => Some(ip.to_string()),
        Host::Ipv6(ip) => Some(ip.to_string()),
        Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            let reg = psl::domain_str(&d).map(str::to_string);
            Some(reg.unwrap_or(d))
        }
    }
}

impl Scope {
    /// The site of `start`: its registrable domain, or its IP address.
    pub fn new(start: &Url) -> Self {
        Scope {
            keys: site_key(start).into_iter().collect(),
        }
    }

    /// Adds the site a start URL redirected to (a shop moved to a new domain is still the shop).
    pub fn add(&mut self, u: &Url) {
        if let Some(k) = site_key(u) {
            if !self.keys.contains(&k) {
                self.keys.push(k);
            }
        }
    }

    /// The site's keys (registrable domains or IP addresses), for tools that enforce the same
    /// scope outside this crate's client (the headless browser).
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// Whether `u` is an http(s) URL on the site (any host under one of its keys), so it may be
    /// crawled.
    pub fn contains(&self, u: &Url) -> bool {
        if !matches!(u.scheme(), "http" | "https") {
            return false;
        }
        // Every link of every page comes here, and most name the start host itself: a host
        // equal to a key (an IPv4 address as the URL writes it, or a registrable domain) is
        // its own key, with no copy made.
        if u.host_str()
            .is_some_and(|h| self.keys.iter().any(|k| k == h))
        {
            return true;
        }
        site_key(u).is_some_and(|k| self.keys.contains(&k))
    }
}

/// True for addresses a crawler on a company network must not reach: loopback, private,
/// link-local (cloud metadata at 169.254.169.254), CGNAT, multicast, unspecified, broadcast,
/// documentation and benchmarking ranges, and their IPv6 and IPv4-mapped forms.
pub fn is_blocked_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return blocked_v4(v4);
            }
            blocked_v6(v6)
        }
    }
}

fn blocked_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10 CGNAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15 benchmarking
        || o[0] >= 240 // reserved
}

fn blocked_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64 can reach private v4
        || (s[0] == 0x100 && s[1..4] == [0, 0, 0]) // discard-only
        || s[..6] == [0; 6] // IPv4-compatible (deprecated)
        || (s[0] == 0x2002 && blocked_v4(embedded_v4(s[1], s[2]))) // 6to4 of a private v4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn www_and_bare_are_one_site() {
        let s = Scope::new(&Url::parse("https://shop.example.co.kr/").unwrap());
        assert!(s.contains(&Url::parse("http://www.example.co.kr/x").unwrap()));
        assert!(!s.contains(&Url::parse("https://other.co.kr/").unwrap()));
        assert!(!s.contains(&Url::parse("javascript:alert(1)").unwrap()));
        assert!(s.contains(&Url::parse("https://EXAMPLE.co.kr./policy").unwrap()));
        assert!(s.contains(&Url::parse("https://example.co.kr/").unwrap()));
    }

    #[test]
    fn sites_served_by_address_are_that_address_on_any_port() {
        let s = Scope::new(&Url::parse("http://127.0.0.1:8080/").unwrap());
        assert!(s.contains(&Url::parse("http://127.0.0.1:9/x").unwrap()));
        assert!(s.contains(&Url::parse("https://127.0.0.1/").unwrap()));
        assert!(!s.contains(&Url::parse("http://127.0.0.2:8080/").unwrap()));
        assert!(!s.contains(&Url::parse("http://localhost:8080/").unwrap()));
        let s = Scope::new(&Url::parse("http://[::1]:8080/").unwrap());
        assert!(s.contains(&Url::parse("http://[0:0::1]/x").unwrap()));
        assert!(!s.contains(&Url::parse("http://[::2]:8080/").unwrap()));
    }

    #[test]
    fn blocks_private_ranges() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
            "::10.0.0.1",
            "2002:a00:1::1",
            "fec0::1",
            "100::1",
            "64:ff9b::a00:1",
            "255.255.255.255",
            "239.255.255.250",
            "198.18.0.1",
            "192.0.0.8",
            "240.0.0.1",
        ] {
            assert!(is_blocked_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:4700::1111",
            "8.8.8.8",
            "2002:5db8:d822::1",
            "100.128.0.1",
        ] {
            assert!(!is_blocked_ip(ip.parse().unwrap()), "{ip}");
        }
    }
}
