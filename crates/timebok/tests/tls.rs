//! Timebok's one TLS stack against a real TLS peer: the SMS gateway served over HTTPS by
//! Python's `ssl` module, its certificate issued by a CA the test makes with the `openssl`
//! command. Timebok checks certificates against the platform's roots, which `SSL_CERT_FILE`
//! names here as it would on any Linux machine: with the CA there the notice is delivered;
//! without it, nothing is sent to the gateway.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use store::testing::TestDb;

mod common;

use common::{Server, timebok, wait_until};

/// An HTTPS server that answers every POST with 200 and prints its body as a line.
const GATEWAY: &str = r#"
import http.server, ssl, sys
class Gateway(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        print(body.decode(), flush=True)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "accepted"}')
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Gateway)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the openssl command");
    assert!(status.success(), "openssl {args:?}");
}

/// A CA (`ca.pem`) and a certificate for `localhost` it issued (`gateway.pem`, `gateway.key`).
fn certificates(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Timebok test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "gateway.key",
            "-out",
            "gateway.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("gateway.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .expect("extensions");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "gateway.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "gateway.pem",
            "-days",
            "2",
            "-extfile",
            "gateway.ext",
        ],
    );
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The gateway on its port, and the bodies it has received.
fn gateway(dir: &Path) -> (Running, u16, Arc<Mutex<Vec<String>>>) {
    let mut child = Command::new("python3")
        .args(["-c", GATEWAY])
        .arg(dir.join("gateway.pem"))
        .arg(dir.join("gateway.key"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let port = lines
        .next()
        .expect("the port")
        .expect("stdout")
        .trim()
        .parse()
        .expect("a port");
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            kept.lock().expect("lock").push(line);
        }
    });
    (Running(child), port, received)
}

/// `timebok demo` with its SMS gateway at `url`, certificates checked against `roots` when
/// given.
fn demo(dir: &Path, database_url: &str, url: &str, roots: Option<&Path>) -> Server {
    let config = dir.join(format!("timebok-{}.toml", roots.is_some()));
    std::fs::write(
        &config,
        format!(
            "[notify.sms]\nurl = \"{url}\"\n\
             body_template = '{{\"to\": \"{{{{to}}}}\", \"text\": \"{{{{text}}}}\"}}'\n"
        ),
    )
    .expect("config");
    let mut command = timebok(database_url);
    if let Some(roots) = roots {
        command.env("SSL_CERT_FILE", roots);
    }
    command.arg("--config").arg(&config).arg("demo");
    Server::start(command)
}

/// Books the first free vaksine slot for the demo's Kari Nordmann, whose notices go by SMS.
async fn book_for_kari(demo: &Server) {
    let token = demo.demo_token();
    let slot = demo.first_free_slot(&token).await;
    let kari = timebok::demo::demo_patients()
        .expect("the demo's patients")
        .into_iter()
        .find(|(name, _)| name.starts_with("Kari"))
        .map(|(_, number)| number)
        .expect("Kari");
    demo.book(&token, &slot, &kari, "Influensavaksine", &[])
        .await;
}

#[tokio::test]
async fn the_sms_gateway_over_https_is_trusted_through_the_platforms_roots_only() {
    let dir = tempfile::tempdir().expect("dir");
    certificates(dir.path());
    let (_gateway, port, received) = gateway(dir.path());
    let url = format!("https://localhost:{port}/sms");

    // The CA among the roots: the booking's SMS reaches the gateway over TLS.
    let db = TestDb::sqlite().await;
    let roots = dir.path().join("ca.pem");
    let trusting = demo(dir.path(), &db.url, &url, Some(&roots));
    book_for_kari(&trusting).await;
    wait_until(20, "no SMS for Kari reached the gateway", async || {
        received
            .lock()
            .expect("lock")
            .iter()
            .any(|body| body.contains("+4791234567"))
    })
    .await;
    drop(trusting);

    // The same, without the CA: the handshake fails and the gateway gets nothing; the notice
    // stays in the outbox to be tried again.
    let before = received.lock().expect("lock").len();
    let db = TestDb::sqlite().await;
    let doubting = demo(dir.path(), &db.url, &url, None);
    book_for_kari(&doubting).await;
    let tried = "SELECT last_error FROM outbox \
                 WHERE kind = 'appointment.booked' AND sent_at IS NULL AND last_error IS NOT NULL";
    let mut error = String::new();
    wait_until(20, "the SMS was not tried", async || {
        use sqlx::Connection as _;
        let mut connection = sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("connect");
        let recorded: Option<String> = sqlx::query_scalar(tried)
            .fetch_optional(&mut connection)
            .await
            .expect("the outbox");
        recorded.map(|recorded| error = recorded).is_some()
    })
    .await;
    assert!(
        error.contains("SMS gateway") && error.contains("certificate"),
        "{error}"
    );
    assert_eq!(
        received.lock().expect("lock").len(),
        before,
        "a gateway whose certificate no root vouches for got a message"
    );
}
