//! Aggregation: imports from 기업마당 (bizinfo, JSON and RSS) and K-Startup, from a file
//! or a URL, once (`jiwon import`) or polled on a schedule (`JIWON_IMPORT_SOURCES`).

pub mod jobs;
pub mod parse;
pub mod service;
