//! Publication: the clinic's recurring templates (`templates.rs`) and its slots, one by one
//! (`slots.rs`).

mod rules;
mod slots;
mod templates;

pub use slots::Slots;
pub use templates::Templates;

/// Everything a clinic publishes.
pub trait Publication: Templates + Slots {}

impl<T: Templates + Slots> Publication for T {}
