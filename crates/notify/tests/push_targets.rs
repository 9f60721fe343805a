//! Where the worker posts push notices: never to loopback or the private network unless the
//! installation says so for a local push service, and never on to where a push service's
//! redirect points. The servers here are plain TCP listeners on loopback that count every
//! connection they get.

extern crate timebok_notify as notify;

use domain::PushSubscription;
use notify::PushConfig;
use notify::SendError;
use notify::push::{PushOutcome, PushSender};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const P256DH: &str =
    "BGa4N1PI79lboMR_YrwCiCsgp35DRvedt7opHcf0yM3iOBTSoQYqQLwWxAfRKE6tsDnReWmhsImkhDF_DBdkNSU";
const AUTH: &str = "EvcWjEgzr4rbvhfi3yds0A";

/// A loopback listener that counts connections and answers each request with `answer`.
struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(answer: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                tokio::spawn(async move { respond(stream, &answer).await });
            }
        });
        Self {
            addr,
            connections,
            task,
        }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request, head and body, then writes `answer` and closes.
async fn respond(mut stream: TcpStream, answer: &str) {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let Ok(n) = stream.read(&mut buffer).await else {
            return;
        };
        if n == 0 {
            return;
        }
        seen.extend_from_slice(&buffer[..n]);
        if let Some(at) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&seen[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while seen.len() < head_end + length {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn sender(allow_private_push_hosts: bool, only_known_services: Option<bool>) -> PushSender {
    let (public, private) = notify::push::generate_vapid_keys().expect("keys");
    let config = PushConfig {
        allow_private_push_hosts,
        only_known_services,
        ..PushConfig::new(public, private, "mailto:drift@timebok.example".into())
    };
    PushSender::new(&config, Duration::from_secs(5)).expect("sender")
}

/// A subscription as the database holds it: one added before endpoints were checked, or
/// one whose name resolves elsewhere now, reaches the sender unchecked.
fn stored(endpoint: &str) -> PushSubscription {
    PushSubscription::from_stored(endpoint, P256DH, AUTH).expect("subscription")
}

fn refusal(outcome: PushOutcome) -> String {
    match outcome {
        PushOutcome::Failed(SendError::Refused(message)) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_loopback_endpoint_is_refused_at_send_time_without_a_connection() {
    let server = Server::start("HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n".into()).await;
    let port = server.addr.port();
    for sender in [sender(false, Some(false)), sender(false, None)] {
        for endpoint in [
            format!("https://127.0.0.1:{port}/push/secret-token"),
            format!("http://127.0.0.1:{port}/push/secret-token"),
            format!("https://localhost:{port}/push/secret-token"),
            format!("https://[::ffff:127.0.0.1]:{port}/push/secret-token"),
            format!("https://[::1]:{port}/push/secret-token"),
            format!("https://2130706433:{port}/push/secret-token"),
        ] {
            let message = refusal(sender.send(&stored(&endpoint), b"{}").await);
            assert!(message.starts_with("not sent: "), "{endpoint}: {message}");
            assert!(!message.contains("secret-token"), "{message}");
        }
    }
    assert_eq!(
        server.connections(),
        0,
        "nothing may reach the loopback server"
    );
}

#[tokio::test]
async fn the_cloud_metadata_service_and_the_private_network_are_refused() {
    let sender = sender(false, Some(false));
    for (endpoint, kind) in [
        (
            "https://169.254.169.254/latest/meta-data/",
            "cloud metadata",
        ),
        (
            "https://[fd00:ec2::254]/latest/meta-data/",
            "cloud metadata",
        ),
        ("https://10.0.0.8/push", "private"),
        ("https://100.64.0.1/push", "shared (CGNAT)"),
        ("https://[fe80::1]/push", "link-local"),
    ] {
        let message = refusal(sender.send(&stored(endpoint), b"{}").await);
        assert!(message.contains(kind), "{endpoint}: {message}");
    }
}

#[tokio::test]
async fn only_the_known_push_services_are_posted_to_by_default() {
    let sender = sender(false, None);
    let message = refusal(
        sender
            .send(&stored("https://push.example.net/send/abc"), b"{}")
            .await,
    );
    assert!(message.contains("known push services"), "{message}");
}

#[tokio::test]
async fn a_redirect_from_the_push_service_is_not_followed() {
    let internal = Server::start("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n".into()).await;
    let push_service = Server::start(format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://{}/internal/admin\r\n\
         content-length: 0\r\n\r\n",
        internal.addr
    ))
    .await;
    // Loopback is admitted here, as on a developer's machine: only the redirect is refused.
    let sender = sender(true, Some(false));
    let endpoint = format!("http://{}/push/secret-token", push_service.addr);
    let message = refusal(sender.send(&stored(&endpoint), b"{}").await);
    assert!(message.contains("307"), "{message}");
    assert!(message.contains("redirects are not followed"), "{message}");
    assert!(!message.contains("secret-token"), "{message}");
    assert_eq!(push_service.connections(), 1);
    assert_eq!(
        internal.connections(),
        0,
        "the redirect's target must receive nothing"
    );
}
