//! Attachments: size and type are checked before anything is stored; files are kept
//! under generated names and served back with their original names.

mod common;

use common::{create_announcement, TestApp};

fn stored_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.dir.path().join("uploads"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn uploads_are_checked_stored_under_generated_names_and_served() {
    let app = TestApp::spawn_with(|c| c.max_upload_bytes = 64 * 1024);
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let c = app.client();
    c.login(&email, &pw);
    let id = create_announcement(&c, &[]);
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    let path = format!("/console/announcements/{id}/attachments");

    // A real PDF.
    let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let r = c.post_multipart(&path, &[("csrf_token", &csrf)], ("2027 공고문.pdf", &pdf));
    assert_eq!(r.status, 303);
    assert_eq!(stored_files(&app), 1);
    let name = std::fs::read_dir(app.dir.path().join("uploads"))
        .expect("dir")
        .next()
        .expect("file")
        .expect("entry")
        .file_name();
    assert!(
        !name.to_string_lossy().contains("공고문"),
        "stored under a generated name, not the client's"
    );

    // Oversized: refused, nothing stored.
    let big = [b"%PDF-1.4\n".to_vec(), vec![b'a'; 70 * 1024]].concat();
    let r = c.post_multipart(&path, &[("csrf_token", &csrf)], ("big.pdf", &big));
    assert_eq!(r.status, 303);
    c.get(r.location()).assert_contains("파일이 너무 큽니다");
    // Disguised: a PNG named .pdf, a Windows program named .hwp, an .exe.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let r = c.post_multipart(&path, &[("csrf_token", &csrf)], ("공고문.pdf", &png));
    c.get(r.location())
        .assert_contains("파일 내용이 확장자(.pdf)와 다릅니다");
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    let r = c.post_multipart(&path, &[("csrf_token", &csrf)], ("신청서.hwp", &exe));
    c.get(r.location())
        .assert_contains("파일 내용이 확장자(.hwp)와 다릅니다");
    let r = c.post_multipart(&path, &[("csrf_token", &csrf)], ("setup.exe", &exe));
    c.get(r.location())
        .assert_contains("'exe' 파일은 올릴 수 없습니다");
    assert_eq!(stored_files(&app), 1, "refused files are never stored");
    // Without the CSRF token: refused.
    let r = c.post_multipart(&path, &[("csrf_token", "forged")], ("a.pdf", &pdf));
    assert_eq!(r.status, 403);
    assert_eq!(stored_files(&app), 1);

    // Not downloadable while the announcement is a draft, except by its agency.
    let manage = c.get(&format!("/console/announcements/{id}"));
    manage.assert_contains("2027 공고문.pdf");
    let page = c.get(&format!("/announcements/{id}")).text();
    let start =
        page.find("href=\"/attachments/").expect("attachment link") + "href=\"/attachments/".len();
    let aid: String = page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string();
    let public = app.client();
    assert_eq!(public.get(&format!("/attachments/{aid}")).status, 404);
    let mine = c.get(&format!("/attachments/{aid}"));
    assert_eq!(mine.status, 200);

    // Published: anyone downloads the same bytes, with the original name.
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    c.post_form(
        &format!("/console/announcements/{id}/publish"),
        &[("csrf_token", &csrf)],
    );
    let dl = public.get(&format!("/attachments/{aid}"));
    assert_eq!(dl.status, 200);
    assert_eq!(dl.header("content-type"), Some("application/pdf"));
    assert!(dl
        .header("content-disposition")
        .unwrap_or("")
        .contains(&urlencoding::encode("2027 공고문.pdf").to_string()));
    assert!(dl.body.starts_with("%PDF-1.4"));

    // Deleting removes the row and the file.
    let csrf = c.csrf(&format!("/console/announcements/{id}"));
    let r = c.post_form(
        &format!("/console/announcements/{id}/attachments/{aid}/delete"),
        &[("csrf_token", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert_eq!(stored_files(&app), 0);
    assert_eq!(public.get(&format!("/attachments/{aid}")).status, 404);
}

#[test]
fn another_agencys_editor_is_refused_before_the_upload_or_the_form_is_looked_at() {
    let app = TestApp::spawn_with(|c| c.max_upload_bytes = 64 * 1024);
    let (_, email, pw) = app.staff("울산광역시", "editor");
    let owner = app.client();
    owner.login(&email, &pw);
    let id = create_announcement(&owner, &[]);
    let (_, email_b, pw_b) = app.staff("부산광역시", "editor");
    let other = app.client();
    other.login(&email_b, &pw_b);
    let csrf = other.csrf("/console");

    // A file the type check would refuse, and one too large: before, both answered with
    // a redirect to the other agency's page; now the announcement is refused first.
    let path = format!("/console/announcements/{id}/attachments");
    let exe = b"MZ\x90\x00not a pdf".to_vec();
    let r = other.post_multipart(&path, &[("csrf_token", &csrf)], ("공고.pdf", &exe));
    assert_eq!(r.status, 403);
    let big = vec![b'%'; 70 * 1024];
    let r = other.post_multipart(&path, &[("csrf_token", &csrf)], ("big.pdf", &big));
    assert_eq!(r.status, 403);
    assert_eq!(stored_files(&app), 0);

    // A schedule with a date that does not parse: refused, not sent back with an error.
    let r = other.post_form(
        &format!("/console/announcements/{id}/schedule"),
        &[("csrf_token", &csrf), ("date", "내일"), ("time", "09:00")],
    );
    assert_eq!(r.status, 403);
}
