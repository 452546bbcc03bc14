//! Where a request really goes. A URL is parsed once, with the parser the transport uses
//! ([`url::Url`], the WHATWG rules: `\` separates like `/`, hosts are lower-cased,
//! percent-decoded and IDNA-mapped, IPv4 forms like `0x7f.1` become `127.0.0.1`); every check
//! is made on that parsed value, and its serialisation is what is sent. A hand parse of the
//! text could see another host than the one the transport connects to.

use flow_card::CardError;
use std::net::Ipv4Addr;
use url::Url;

/// Parses an absolute http(s) URL as it will be sent. Refuses other schemes, a missing host
/// and credentials in the URL (`user:pass@`): they would travel to a host no check names, and
/// an `@` is the classic way to make a URL read as another host than it goes to.
pub fn parse(raw: &str) -> Result<Url, CardError> {
    let url = Url::parse(raw)
        .map_err(|e| CardError::input(format!("`{raw}` is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CardError::input(format!(
            "`url` must start with http:// or https://, found `{raw}`"
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(CardError::input(format!("`{raw}` names no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(CardError::input(
            "the URL holds credentials (`user:password@`); give them in the connection's `auth`",
        ));
    }
    Ok(url)
}

/// The host of a parsed URL for comparisons: lower-case (the parser did that), without the
/// trailing dot of a fully qualified name (`example.com.` is the host `example.com`); IPv6
/// addresses keep their brackets (`[::1]`).
pub fn host_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    host.strip_suffix('.').unwrap_or(host).to_string()
}

/// An `allow_hosts` entry in the form [`host_key`] gives, or `None` when it is not a bare host
/// name or address (a scheme, port, path, `@` or wildcard in it would never match).
pub fn allow_entry(entry: &str) -> Option<String> {
    let entry = entry.trim();
    if entry.is_empty() || entry.contains(['/', '\\', '@', '?', '#', '*']) {
        return None;
    }
    // A bare IPv6 address is written with or without brackets.
    let bracketed = if entry.contains(':') && !entry.starts_with('[') {
        format!("[{entry}]")
    } else {
        entry.to_string()
    };
    let url = Url::parse(&format!("http://{bracketed}/")).ok()?;
    // A port (`host:8080`) is not part of a host entry.
    if url.port().is_some() {
        return None;
    }
    Some(host_key(&url))
}

/// True when `host` (from [`host_key`]) is in the allow-list (entries from [`allow_entry`]): the
/// same host, or for a domain name one of its subdomains. Addresses match only themselves.
pub fn is_allowed(host: &str, allow: &[String]) -> bool {
    let is_address = host.starts_with('[') || host.parse::<Ipv4Addr>().is_ok();
    allow.iter().any(|h| {
        host == h
            || (!is_address
                && host.len() > h.len()
                && host.ends_with(h.as_str())
                && host.as_bytes()[host.len() - h.len() - 1] == b'.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(raw: &str, allow: &[&str]) -> Result<String, String> {
        let allow: Vec<String> = allow.iter().filter_map(|h| allow_entry(h)).collect();
        let url = parse(raw).map_err(|e| e.message)?;
        let host = host_key(&url);
        if is_allowed(&host, &allow) {
            Ok(url.to_string())
        } else {
            Err(format!("refused {host}"))
        }
    }

    #[test]
    fn the_host_checked_is_the_host_sent_to() {
        let allow = ["tickets.example.com"];
        // The bypass: `\` ends the authority, so the host is 127.0.0.1.
        assert_eq!(
            decide("http://127.0.0.1:18900\\@tickets.example.com/x", &allow),
            Err("refused 127.0.0.1".into())
        );
        for (raw, sent) in [
            (
                "https://tickets.example.com/x",
                "https://tickets.example.com/x",
            ),
            (
                "HTTPS://Tickets.EXAMPLE.com/x",
                "https://tickets.example.com/x",
            ),
            (
                "https://tickets.example.com./x",
                "https://tickets.example.com./x",
            ),
            (
                "https://api.tickets.example.com/x",
                "https://api.tickets.example.com/x",
            ),
            (
                "https://%74ickets.example.com/x",
                "https://tickets.example.com/x",
            ),
            (
                "https://tickets.example.com/x\\y",
                "https://tickets.example.com/x/y",
            ),
            (
                "https://tickets.example.com/a/../b",
                "https://tickets.example.com/b",
            ),
        ] {
            assert_eq!(decide(raw, &allow), Ok(sent.to_string()), "{raw}");
        }
        for (raw, host) in [
            ("http://127.0.0.1:1/x?tickets.example.com", "127.0.0.1"),
            ("http://127.0.0.1:1#@tickets.example.com", "127.0.0.1"),
            ("http://eviltickets.example.com/", "eviltickets.example.com"),
            (
                "http://tickets.example.com.evil.net/",
                "tickets.example.com.evil.net",
            ),
            ("http://0x7f.1/", "127.0.0.1"),
            ("http://2130706433/", "127.0.0.1"),
            ("http://%31%32%37.0.0.1/", "127.0.0.1"),
            ("http://[::1]/", "[::1]"),
            ("http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"),
        ] {
            assert_eq!(decide(raw, &allow), Err(format!("refused {host}")), "{raw}");
        }
        // Userinfo is refused whatever the host, `@` tricks included.
        let creds =
            "the URL holds credentials (`user:password@`); give them in the connection's `auth`";
        for raw in [
            "http://tickets.example.com@127.0.0.1/",
            "http://user:pw@tickets.example.com/",
            "http://tickets.example.com:443@127.0.0.1/",
            "http://a@b@tickets.example.com/",
        ] {
            assert_eq!(decide(raw, &allow), Err(creds.into()), "{raw}");
        }
        assert_eq!(
            decide("http://127.0.0.1\\\\@tickets.example.com/", &allow),
            Err("refused 127.0.0.1".into())
        );
        assert_eq!(
            decide("ftp://tickets.example.com/", &allow),
            Err(
                "`url` must start with http:// or https://, found `ftp://tickets.example.com/`"
                    .into()
            )
        );
    }

    #[test]
    fn addresses_match_only_themselves() {
        assert_eq!(
            decide("http://[::1]:8080/x", &["::1"]),
            Ok("http://[::1]:8080/x".into())
        );
        assert_eq!(
            decide("http://[0:0::1]/x", &["[::1]"]),
            Ok("http://[::1]/x".into())
        );
        assert_eq!(
            decide("http://127.0.0.1/", &["0.0.1"]),
            Err("refused 127.0.0.1".into())
        );
        assert_eq!(
            decide("http://127.0.0.1/", &["127.0.0.1"]),
            Ok("http://127.0.0.1/".into())
        );
    }

    #[test]
    fn allow_entries_are_bare_hosts() {
        assert_eq!(
            allow_entry("Tickets.Example.COM.").as_deref(),
            Some("tickets.example.com")
        );
        assert_eq!(allow_entry("::1").as_deref(), Some("[::1]"));
        assert_eq!(allow_entry("127.1").as_deref(), Some("127.0.0.1"));
        for bad in [
            "",
            "https://x.com",
            "x.com:8080",
            "*.x.com",
            "a@x.com",
            "x.com/p",
        ] {
            assert_eq!(allow_entry(bad), None, "{bad}");
        }
    }
}
