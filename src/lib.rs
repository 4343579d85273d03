//! staticflow
