//! Cross-file tests of the checkpoint module: real TF files, round trips, atomic saves,
//! corruption and a seeded mutation loop. Unit tests of single files live beside them.

mod atomicity;
mod corruption;
mod fixture;
mod fuzz;
mod round_trip;
pub(crate) mod util;
