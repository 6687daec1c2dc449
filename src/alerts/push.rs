//! Web push channel (being written).
