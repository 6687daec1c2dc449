//! Announcements (공고): what agencies post and imports bring in, and what owners read.

pub mod api;
pub mod console;
pub mod editing;
pub mod jobs;
pub mod model;
pub mod query;
pub mod rules;
pub mod service;
pub mod store;
pub mod view;
pub mod web;
pub mod window;

pub use model::{Announcement, Status, WindowKind};
