//! The front door's bound on unauthenticated work. A request that carries no client token (an
//! HMAC or public endpoint) is not yet known to be anyone when its body is read, so that read
//! holds nothing scarce — no run slot, no rate-limit token — only one of a few read places:
//! at most `max_unauthenticated_reads` per endpoint and `max_unauthenticated_reads_per_client`
//! per client address (IPv6 by /64, as one host usually holds a whole /64). A client that dribbles
//! bodies blocks at most its own places; filling an endpoint's places takes many addresses and
//! still leaves runs, other endpoints and token callers untouched.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// Who a client is, for the per-client bound: its address, IPv6 cut to the /64; `None` when the
/// request came without one (in-process calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(Option<IpAddr>);

impl ClientKey {
    /// The key of a peer address.
    pub fn of(ip: Option<IpAddr>) -> Self {
        ClientKey(ip.map(|ip| match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let mut s = v6.segments();
                    s[4..].fill(0);
                    IpAddr::V6(Ipv6Addr::from(s))
                }
            },
            v4 => v4,
        }))
    }
}

/// Which bound a request hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// This client already holds its share.
    Client,
    /// The endpoint's places are all taken.
    Endpoint,
}

#[derive(Default)]
struct Counts {
    endpoints: HashMap<String, usize>,
    clients: HashMap<ClientKey, usize>,
}

/// Unauthenticated reads in progress, by endpoint and by client. Entries exist only while a
/// read does, so the maps never hold more than the reads in flight.
#[derive(Default)]
pub struct FrontDoor {
    counts: Mutex<Counts>,
}

/// One place, given back when dropped.
pub struct ReadPlace {
    door: Arc<FrontDoor>,
    endpoint: String,
    client: ClientKey,
}

impl FrontDoor {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a place for `client` at `endpoint`, within both bounds.
    pub fn admit(
        self: &Arc<Self>,
        endpoint: &str,
        client: ClientKey,
        per_endpoint: usize,
        per_client: usize,
    ) -> Result<ReadPlace, Busy> {
        let mut c = self.lock();
        if c.clients.get(&client).copied().unwrap_or(0) >= per_client {
            return Err(Busy::Client);
        }
        if c.endpoints.get(endpoint).copied().unwrap_or(0) >= per_endpoint {
            return Err(Busy::Endpoint);
        }
        *c.clients.entry(client).or_default() += 1;
        *c.endpoints.entry(endpoint.to_string()).or_default() += 1;
        Ok(ReadPlace {
            door: self.clone(),
            endpoint: endpoint.to_string(),
            client,
        })
    }

    /// Reads in progress at `endpoint`.
    pub fn reading(&self, endpoint: &str) -> usize {
        self.lock().endpoints.get(endpoint).copied().unwrap_or(0)
    }
}

impl Drop for ReadPlace {
    fn drop(&mut self) {
        let mut c = self.door.lock();
        if let Some(n) = c.clients.get_mut(&self.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                c.clients.remove(&self.client);
            }
        }
        if let Some(n) = c.endpoints.get_mut(&self.endpoint) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                c.endpoints.remove(&self.endpoint);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> ClientKey {
        ClientKey::of(Some(s.parse().unwrap()))
    }

    #[test]
    fn bounds_per_client_and_per_endpoint_and_places_come_back() {
        let door = Arc::new(FrontDoor::default());
        let a1 = door.admit("e", ip("10.0.0.1"), 3, 2).unwrap();
        let a2 = door.admit("e", ip("10.0.0.1"), 3, 2).unwrap();
        assert_eq!(
            door.admit("e", ip("10.0.0.1"), 3, 2).err(),
            Some(Busy::Client)
        );
        let b1 = door.admit("e", ip("10.0.0.2"), 3, 2).unwrap();
        assert_eq!(
            door.admit("e", ip("10.0.0.3"), 3, 2).err(),
            Some(Busy::Endpoint)
        );
        // Another endpoint has its own places (the client's share is across endpoints).
        let other = door.admit("f", ip("10.0.0.3"), 3, 2).unwrap();
        assert_eq!(door.reading("e"), 3);
        drop((a1, b1, other));
        assert_eq!(door.reading("e"), 1);
        let a3 = door.admit("e", ip("10.0.0.1"), 3, 2).unwrap();
        drop((a2, a3));
        assert_eq!(door.reading("e"), 0);
        let c = door.lock();
        assert!(c.clients.is_empty() && c.endpoints.is_empty());
    }

    #[test]
    fn ipv6_clients_are_their_64_and_mapped_ipv4_is_ipv4() {
        assert_eq!(ip("2001:db8:1:2:aaaa::1"), ip("2001:db8:1:2:bbbb::2"));
        assert_ne!(ip("2001:db8:1:2::1"), ip("2001:db8:1:3::1"));
        assert_eq!(ip("::ffff:10.0.0.1"), ip("10.0.0.1"));
        assert_ne!(ip("10.0.0.1"), ClientKey::of(None));
    }
}
