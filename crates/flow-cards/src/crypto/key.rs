//! `kind: key` connections: a secret key for `crypto.hmac` and the JWT cards, kept out of flow
//! files and records. `secret` is an HMAC key; `private_key` and `public_key` are PEM keys (RSA
//! or EC P-256/P-384) for signing and verifying.

use crate::conn;
use flow_card::expr::ConnKind;
use flow_card::{ConnectionConfig, ConnectorSpec, LiveConnection};
use flow_model::config::{MissingEnv, Secret};
use flow_model::{Code, ConnectionDoc, Diagnostic, Diagnostics};
use std::sync::Arc;

/// The marker kind for `ConnRef<Key>`.
#[derive(Debug)]
pub struct Key;
impl ConnKind for Key {
    const MARKER: &'static str = "$flowctl::conn:key";
}

/// A decoded `key` connection.
#[derive(Debug)]
pub struct KeyConfig {
    secret: Option<Secret>,
    private_key: Option<Secret>,
    public_key: Option<Secret>,
}

/// A live `key` connection: the resolved keys (secret: never printed; no `Debug`).
pub struct KeyLive {
    /// The HMAC key, as bytes of its text.
    pub secret: Option<String>,
    /// A PEM private key.
    pub private_key: Option<String>,
    /// A PEM public key.
    pub public_key: Option<String>,
}

/// Registration of `key`.
pub static CONNECTOR: ConnectorSpec = ConnectorSpec {
    kind: "key",
    summary: "A secret key for crypto.hmac, crypto.jwt_sign and crypto.jwt_verify",
    keys: &[
        (
            "secret",
            "an HMAC key (its UTF-8 bytes), e.g. `${env:HMAC_KEY}`; masked in records",
        ),
        (
            "private_key",
            "a PEM private key (RSA, PKCS#8 or PKCS#1; EC P-256 or P-384, PKCS#8) for RS/PS/ES signing; masked in records",
        ),
        (
            "public_key",
            "a PEM public key (RSA, EC P-256 or P-384) for RS/PS/ES verifying",
        ),
    ],
    decode,
};

fn decode(doc: &ConnectionDoc, diags: &mut Diagnostics) -> Option<Arc<dyn ConnectionConfig>> {
    let f = conn::read(doc, &["secret", "private_key", "public_key"], diags)?;
    let secret = conn::secret(&f, "secret", false, diags);
    let private_key = conn::secret(&f, "private_key", false, diags);
    let public_key = conn::secret(&f, "public_key", false, diags);
    // A key written into flowctl.yaml would be committed with it: keys come from the
    // environment.
    for (name, value) in [("secret", &secret), ("private_key", &private_key)] {
        if let Some(v) = value
            && v.env_names().is_empty()
        {
            diags.push(
                Diagnostic::error(
                    Code::Config,
                    Some(v.span),
                    format!(
                        "connection `{}`: `{name}` must come from the environment, not be written here",
                        doc.name
                    ),
                )
                .with_help(format!("for example `{name}: ${{env:SIGNING_KEY}}`")),
            );
        }
    }
    if secret.is_none() && private_key.is_none() && public_key.is_none() {
        diags.push(
            Diagnostic::error(
                Code::Config,
                Some(doc.node.span),
                format!(
                    "connection `{}` needs `secret`, `private_key` or `public_key`",
                    doc.name
                ),
            )
            .with_help("for example `secret: ${env:HMAC_KEY}`"),
        );
        return None;
    }
    Some(Arc::new(KeyConfig {
        secret,
        private_key,
        public_key,
    }))
}

/// A PEM key from an environment variable may have its line breaks written as `\n`.
fn pem_lines(text: String) -> String {
    if !text.contains('\n') && text.contains("\\n") {
        text.replace("\\n", "\n")
    } else {
        text
    }
}

impl ConnectionConfig for KeyConfig {
    fn kind(&self) -> &'static str {
        "key"
    }

    fn env_names(&self) -> Vec<String> {
        [&self.secret, &self.private_key, &self.public_key]
            .into_iter()
            .flatten()
            .flat_map(Secret::env_names)
            .collect()
    }

    fn secrets(&self, env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
        // A public key is not secret; the HMAC key and the private key are.
        let mut out = flow_card::connection::secret_values(
            self.secret.iter().chain(self.private_key.iter()),
            env,
        );
        // The private key as a signing card reads it (with `\n` turned into line breaks).
        if let Some(k) = &self.private_key
            && let Ok(v) = k.resolve(env)
        {
            out.push(pem_lines(v));
        }
        out
    }

    fn connect(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        dry_run: bool,
    ) -> Result<LiveConnection, MissingEnv> {
        let get = |s: &Option<Secret>| -> Result<Option<String>, MissingEnv> {
            s.as_ref()
                .map(|s| conn::resolve(s, env, dry_run))
                .transpose()
        };
        Ok(Arc::new(KeyLive {
            secret: get(&self.secret)?,
            private_key: get(&self.private_key)?.map(pem_lines),
            public_key: get(&self.public_key)?.map(pem_lines),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flow_model::Span;

    /// A key written into flowctl.yaml instead of read from the environment is refused.
    #[test]
    fn a_key_written_in_the_config_is_refused() {
        let config =
            |secret: &str| format!("connections:\n  k: {{ kind: key, secret: \"{secret}\" }}\n");
        let flow = "flow: f\ntrigger: { helper: { inputs: {} } }\nsteps:\n  - { id: h, card: crypto.hmac, with: { text: a, key: k } }\n  - { id: out, card: flow.return, with: { outputs: { h: \"{{ h }}\" } } }\n";
        let refused = flow_compile::compile_str(
            Some(&config("hunter2-literal")),
            &[("f.yaml", flow)],
            &crate::registry(),
        );
        let err = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            err.contains("`secret` must come from the environment"),
            "{err}"
        );
        assert!(
            flow_compile::compile_str(
                Some(&config("${env:K}")),
                &[("f.yaml", flow)],
                &crate::registry()
            )
            .is_ok()
        );
    }

    /// The HMAC key and the private key (also with `\n` escapes turned into line breaks) are
    /// secrets to mask; the public key is not.
    #[test]
    fn secret_and_private_key_are_masked_public_key_is_not() {
        let cfg = KeyConfig {
            secret: Some(Secret::new("${env:S}", Span::default())),
            private_key: Some(Secret::new("${env:P}", Span::default())),
            public_key: Some(Secret::new("${env:Q}", Span::default())),
        };
        let env = |n: &str| match n {
            "S" => Some("hmac-secret".to_string()),
            "P" => Some("-----BEGIN PRIVATE KEY-----\\nabc".to_string()),
            "Q" => Some("public-key".to_string()),
            _ => None,
        };
        let s = cfg.secrets(&env);
        assert!(s.contains(&"hmac-secret".to_string()));
        assert!(s.contains(&"-----BEGIN PRIVATE KEY-----\\nabc".to_string()));
        assert!(s.contains(&"-----BEGIN PRIVATE KEY-----\nabc".to_string()));
        assert!(!s.iter().any(|v| v.contains("public-key")));
    }
}
