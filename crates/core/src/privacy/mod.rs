//! The council's duties about the data Doorstep holds: people's requests about their data.

pub mod request;
