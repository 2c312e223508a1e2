//! How the stack gets its address: the command-line words `dhcp` or `ip=A.B.C.D/N[,gw]`.

use alloc::string::String;
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

use super::ConfigError;

/// A static address, and the default gateway if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaticConfig {
    /// Our address and its network's prefix length.
    pub address: Ipv4Cidr,
    /// The default gateway (inside that network).
    pub gateway: Option<Ipv4Address>,
}

/// How to address the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// Ask a DHCP server (the word `dhcp`).
    Dhcp,
    /// A static address (the word `ip=A.B.C.D/N[,G.W.A.Y]`).
    Static(StaticConfig),
}

impl Addressing {
    /// Reads the addressing words of a command line; `None` when there are none. Other words
    /// are ignored.
    pub fn from_cmdline(cmdline: &str) -> Result<Option<Addressing>, ConfigError> {
        let mut found = None;
        for word in cmdline.split_ascii_whitespace() {
            let this = if word == "dhcp" {
                Addressing::Dhcp
            } else if let Some(v) = word.strip_prefix("ip=") {
                Addressing::Static(StaticConfig::parse(v, word)?)
            } else {
                continue;
            };
            match (found, this) {
                (Some(Addressing::Dhcp), Addressing::Static(_))
                | (Some(Addressing::Static(_)), Addressing::Dhcp) => return Err(ConfigError::Both),
                _ => found = Some(this),
            }
        }
        Ok(found)
    }
}

impl StaticConfig {
    /// Parses `A.B.C.D/N` or `A.B.C.D/N,G.W.A.Y` (`word` is the whole word, for errors).
    fn parse(v: &str, word: &str) -> Result<StaticConfig, ConfigError> {
        let bad = || ConfigError::BadStatic(String::from(word));
        let (cidr, gw) = match v.split_once(',') {
            Some((c, g)) => (c, Some(g)),
            None => (v, None),
        };
        // smoltcp's parser accepts a missing prefix as /32 in some versions: require one.
        if !cidr.contains('/') {
            return Err(bad());
        }
        let address: Ipv4Cidr = cidr.parse().map_err(|_| bad())?;
        let gateway = gw
            .map(|g| g.parse::<Ipv4Address>().map_err(|_| bad()))
            .transpose()?;
        let usable = |a: Ipv4Address| {
            let net = address.network();
            let host = a != net.address() && Some(a) != address.broadcast();
            !a.is_unspecified() && !a.is_multicast() && !a.is_broadcast() && host
        };
        let in_net = |g: Ipv4Address| address.contains_addr(&g) && usable(g);
        let ok = address.prefix_len() > 0
            && usable(address.address())
            && gateway.is_none_or(|g| in_net(g) && g != address.address());
        if !ok {
            return Err(ConfigError::NotUsable(String::from(word)));
        }
        Ok(StaticConfig { address, gateway })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Result<Option<Addressing>, ConfigError> {
        Addressing::from_cmdline(s)
    }

    #[test]
    fn words() {
        assert_eq!(one("console=x net.sg=0"), Ok(None));
        assert_eq!(one("x dhcp y"), Ok(Some(Addressing::Dhcp)));
        let s = StaticConfig {
            address: Ipv4Cidr::new(Ipv4Address::new(10, 0, 2, 15), 24),
            gateway: Some(Ipv4Address::new(10, 0, 2, 2)),
        };
        assert_eq!(
            one("ip=10.0.2.15/24,10.0.2.2"),
            Ok(Some(Addressing::Static(s)))
        );
        let s = StaticConfig { gateway: None, ..s };
        assert_eq!(one("ip=10.0.2.15/24"), Ok(Some(Addressing::Static(s))));
        assert_eq!(one("dhcp ip=10.0.2.15/24"), Err(ConfigError::Both));
        assert_eq!(one("dhcp dhcp"), Ok(Some(Addressing::Dhcp)));
    }

    #[test]
    fn bad_words() {
        for w in [
            "ip=",
            "ip=10.0.2.15",
            "ip=10.0.2.15/33",
            "ip=10.0.2/24",
            "ip=10.0.2.15/24,",
            "ip=10.0.2.15/24,10.0.2",
            "ip=10.0.2.15/24,10.0.2.2,1",
            "ip=a.b.c.d/24",
        ] {
            assert!(
                matches!(one(w), Err(ConfigError::BadStatic(_))),
                "{w}: {:?}",
                one(w)
            );
        }
        for w in [
            "ip=10.0.2.0/24",
            "ip=10.0.2.255/24",
            "ip=0.0.0.0/8",
            "ip=224.0.0.1/24",
            "ip=10.0.2.15/0",
            "ip=10.0.2.15/24,10.0.3.1",
            "ip=10.0.2.15/24,10.0.2.15",
        ] {
            assert!(
                matches!(one(w), Err(ConfigError::NotUsable(_))),
                "{w}: {:?}",
                one(w)
            );
        }
        assert!(ConfigError::BadStatic("ip=x".into())
            .to_string()
            .contains("ip=A.B.C.D/N"));
    }
}
