//! Seeded randomness shared by the data generators and the initialisers ([`demystify_core::random`]: `rand`'s
//! `StdRng`, seeded explicitly: the same seed gives the same numbers).

pub(crate) use demystify_core::random::gaussian;
