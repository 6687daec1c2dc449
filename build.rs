//! Rebuild when a migration is added, renamed or changed: `embed_migrations!` reads the
//! `migrations/` directories at compile time.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
