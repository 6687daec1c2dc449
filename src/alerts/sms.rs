//! SMS channel (being written).
