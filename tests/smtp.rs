//! The SMTP client (`alerts::smtp` behind `alerts::email::SmtpMailer`) against a real SMTP
//! server (aiosmtpd, `tests/support/smtp_sink.py`): pooled connections from several
//! threads, dot-stuffing, Korean MIME, AUTH, and a relay that drops idle connections.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::smtp::SmtpSink;
use jiwon::alerts::email::{Email, Mailer, SmtpMailer};
use jiwon::alerts::ChannelError;

const FROM: &str = "지원 알림 <noreply@jiwon.kr>";

fn email(i: usize) -> Email {
    Email {
        to: format!("owner{i}@example.com"),
        subject: format!("[지원] 새 공고 {i}: 울산 소상공인 경영안정자금"),
        // a line that starts with a dot must arrive as written (RFC 5321 4.5.2)
        text: format!("안녕하세요, 사장님.\n.점으로 시작하는 줄 {i}\n.\n끝"),
        html: format!("<p>안녕하세요 {i}</p>"),
        unsubscribe_url: Some(format!("https://jiwon.kr/u/{i}")),
        message_id: format!("<d-{i}@jiwon.kr>"),
    }
}

#[test]
fn pooled_sends_from_many_threads_arrive_once_each_and_intact() {
    let Some(sink) = SmtpSink::start("smtp pooled sends") else {
        return;
    };
    let mailer = Arc::new(SmtpMailer::new(&sink.url(), 3, FROM, None).expect("mailer"));
    let per_thread = 40;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let mailer = mailer.clone();
            std::thread::spawn(move || {
                for k in 0..per_thread {
                    mailer.send(&email(t * per_thread + k)).expect("accepted");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total = 4 * per_thread;
    assert_eq!(sink.wait_for(total, Duration::from_secs(20)), total);
    let mails = sink.messages();
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "every message exactly once");
    let m = mails
        .iter()
        .find(|m| m.message_id == "<d-7@jiwon.kr>")
        .expect("message 7");
    assert_eq!(m.to, "owner7@example.com");
    assert_eq!(m.subject, "[지원] 새 공고 7: 울산 소상공인 경영안정자금");
    assert!(
        m.text
            .replace("\r\n", "\n")
            .contains("\n.점으로 시작하는 줄 7\n.\n끝"),
        "dot lines kept: {:?}",
        m.text
    );
    assert_eq!(m.header("List-Unsubscribe"), Some("<https://jiwon.kr/u/7>"));
}

#[test]
fn relay_that_closes_idle_connections_gets_the_next_message_on_a_fresh_one() {
    let Some(sink) = SmtpSink::start_with("smtp idle reconnect", &["--idle-timeout-s", "1"]) else {
        return;
    };
    let mailer = SmtpMailer::new(&sink.url(), 2, FROM, None).expect("mailer");
    mailer.send(&email(1)).expect("first");
    // the server hangs up on the pooled connection meanwhile
    std::thread::sleep(Duration::from_millis(2500));
    mailer
        .send(&email(2))
        .expect("second, over a new connection");
    mailer.send(&email(3)).expect("third, reusing it");
    assert_eq!(sink.wait_for(3, Duration::from_secs(10)), 3);
    let mut ids: Vec<_> = sink.messages().into_iter().map(|m| m.message_id).collect();
    ids.sort();
    assert_eq!(ids, ["<d-1@jiwon.kr>", "<d-2@jiwon.kr>", "<d-3@jiwon.kr>"]);
}

#[test]
fn auth_with_credentials_from_the_url() {
    let Some(sink) = SmtpSink::start_with("smtp auth", &["--auth", "jiwon@relay:s3cr:et"]) else {
        return;
    };
    let good = format!("smtp://jiwon%40relay:s3cr%3Aet@127.0.0.1:{}", sink.port);
    SmtpMailer::new(&good, 1, FROM, None)
        .expect("mailer")
        .send(&email(1))
        .expect("authenticated send");

    let wrong = format!("smtp://jiwon%40relay:nope@127.0.0.1:{}", sink.port);
    let err = SmtpMailer::new(&wrong, 1, FROM, None)
        .expect("mailer")
        .send(&email(2))
        .expect_err("wrong password is refused");
    assert!(
        matches!(err, ChannelError::Permanent(_)),
        "535 is permanent: {err:?}"
    );

    let none = format!("smtp://127.0.0.1:{}", sink.port);
    let err = SmtpMailer::new(&none, 1, FROM, None)
        .expect("mailer")
        .send(&email(3))
        .expect_err("no AUTH, no mail");
    assert!(
        matches!(err, ChannelError::Permanent(_)),
        "530 is permanent: {err:?}"
    );
    assert_eq!(sink.wait_for(1, Duration::from_secs(5)), 1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 1, "only the authenticated message arrived");
}

#[test]
fn unreachable_server_is_a_retry_not_a_loss() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // the listener is gone: nothing listens on that port now
    let mailer =
        SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), 1, FROM, None).expect("mailer");
    let err = mailer.send(&email(1)).expect_err("nobody there");
    assert!(matches!(err, ChannelError::Retry(_)), "{err:?}");
}

#[test]
fn starttls_required_is_encrypted_verified_and_never_falls_back_to_clear_text() {
    let certs = tempfile::tempdir().expect("tempdir");
    let cert_dir = certs.path().to_string_lossy().to_string();
    let Some(sink) = SmtpSink::start_with("smtp starttls", &["--starttls", &cert_dir]) else {
        return;
    };
    let ca = std::fs::read(sink.ca.as_ref().expect("sink wrote its CA")).expect("read CA");
    let url = format!("smtp://localhost:{}?tls=required", sink.port);

    // With the relay's CA trusted: sent over TLS.
    SmtpMailer::new(&url, 1, FROM, Some(&ca))
        .expect("mailer")
        .send(&email(1))
        .expect("sent over STARTTLS");
    assert_eq!(sink.wait_for(1, Duration::from_secs(5)), 1);
    let m = &sink.messages()[0];
    assert!(
        m.header("X-Sink-TLS")
            .is_some_and(|v| v.starts_with("TLSv1.")),
        "the server saw TLS: {:?}",
        m.header("X-Sink-TLS")
    );
    assert_eq!(m.message_id, "<d-1@jiwon.kr>");

    // An unknown CA: refused before anything is sent, and retried later (not lost).
    let err = SmtpMailer::new(&url, 1, FROM, None)
        .expect("mailer")
        .send(&email(2))
        .expect_err("untrusted certificate");
    assert!(matches!(err, ChannelError::Retry(_)), "{err:?}");

    // Clear text to a server that demands STARTTLS: the server refuses the mail.
    let clear = format!("smtp://localhost:{}", sink.port);
    let err = SmtpMailer::new(&clear, 1, FROM, None)
        .expect("mailer")
        .send(&email(3))
        .expect_err("530 must issue STARTTLS first");
    assert!(matches!(err, ChannelError::Permanent(_)), "{err:?}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 1, "only the encrypted message arrived");
    assert!(SmtpMailer::new(&url, 1, FROM, Some(b"not a certificate")).is_err());
}

#[test]
fn tls_required_against_a_server_without_starttls_sends_nothing() {
    let Some(sink) = SmtpSink::start("smtp no starttls") else {
        return;
    };
    let url = format!("smtp://localhost:{}?tls=required", sink.port);
    let err = SmtpMailer::new(&url, 1, FROM, None)
        .expect("mailer")
        .send(&email(1))
        .expect_err("no STARTTLS offered");
    assert!(!matches!(err, ChannelError::Gone(_)), "{err:?}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 0, "nothing went out in clear text");
}

#[test]
fn a_refused_recipient_is_permanent_and_not_asked_again_on_a_new_connection() {
    let Some(sink) = SmtpSink::start_with(
        "smtp refused recipient",
        &["--reject-rcpt", "owner2@example.com"],
    ) else {
        return;
    };
    let mailer = SmtpMailer::new(&sink.url(), 1, FROM, None).expect("mailer");
    mailer
        .send(&email(1))
        .expect("first, which leaves a pooled connection");
    let err = mailer
        .send(&email(2))
        .expect_err("550 for owner2@example.com");
    assert!(matches!(err, ChannelError::Permanent(_)), "{err:?}");
    let asked = std::fs::read_to_string(sink.dir.join("rejected.log")).unwrap_or_default();
    assert_eq!(asked.lines().count(), 1, "the server answered: asked once");
    mailer
        .send(&email(3))
        .expect("the next message goes through");
    assert_eq!(sink.wait_for(2, Duration::from_secs(5)), 2);
}
