//! A config you can run is one that has passed validation (the style of linfa's `ParamGuard`): [`Validate::check`]
//! turns a config into [`Checked`], and an analysis's run function takes `&Checked<Config>`, so it never sees an
//! unchecked config and never re-validates one.

use std::ops::Deref;

use crate::error::Result;

/// A config that checks itself: non-empty lists, sizes ≥ 1, values in range, each error naming the field.
pub trait Validate: Sized {
    /// `Ok(())` when the config can be run, else the first problem as a typed error.
    fn validate(&self) -> Result<()>;
    /// The config, checked: `Err` with the first problem, or a [`Checked`] the analysis can run.
    fn check(self) -> Result<Checked<Self>> {
        self.validate()?;
        Ok(Checked(self))
    }
}

/// A config that passed [`Validate::validate`]. Read it through `Deref`; there is no way to build one without the
/// check.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked<C>(C);

impl<C> Checked<C> {
    /// The config itself.
    pub fn inner(&self) -> &C {
        &self.0
    }
}

impl<C> Deref for Checked<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.0
    }
}
