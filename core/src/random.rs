//! Seeded randomness shared by the data generators and the initialisers (both draw from `rand`'s `StdRng`,
//! seeded explicitly: the same seed gives the same numbers, natively and in the browser).

use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// `n` i.i.d. `N(0, std²)` numbers drawn from `rng`.
pub fn gaussian(n: usize, std: f64, rng: &mut StdRng) -> Vec<f64> {
    (0..n)
        .map(|_| {
            let z: f64 = StandardNormal.sample(rng);
            std * z
        })
        .collect()
}
