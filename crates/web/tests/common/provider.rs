//! A real OpenID provider and OAuth 2.0 authorization server for the tests: `oidc-provider`
//! from npm, run by Node.js on loopback (see `e2e/oidc/provider.mjs`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The provider's process; it ends with the test.
pub struct Provider {
    pub issuer: String,
    child: Child,
    /// Kept open: the provider writes to it now and then.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// Starts the provider for a Timebok at `base`. `None` (the test is skipped, and says so) where
/// Node.js or the e2e packages are missing, except under CI, where that fails the test.
pub fn start(base: &str, people: &serde_json::Value) -> Option<Provider> {
    start_with(base, people, &serde_json::json!({}))
}

/// The provider with `options` (see `provider.mjs`), such as the staff client's public keys.
pub fn start_with(
    base: &str,
    people: &serde_json::Value,
    options: &serde_json::Value,
) -> Option<Provider> {
    let ready = e2e_dir().join("node_modules/oidc-provider").exists()
        && Command::new("node").arg("--version").output().is_ok();
    if !ready {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: the OpenID provider tests need Node.js and `npm ci` in e2e/"
        );
        eprintln!("SKIPPED: no Node.js or no e2e/node_modules (run `npm ci` in e2e/)");
        return None;
    }
    let mut child = Command::new("node")
        .arg(e2e_dir().join("oidc/provider.mjs"))
        .arg(base)
        .arg(people.to_string())
        .arg(options.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node");
    let stdout = child.stdout.take().expect("stdout");
    let mut stdout = BufReader::new(stdout);
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read");
    let issuer = line
        .trim()
        .strip_prefix("issuer: ")
        .unwrap_or_else(|| panic!("the provider did not start: {line}"))
        .to_owned();
    Some(Provider {
        issuer,
        child,
        _stdout: stdout,
    })
}
