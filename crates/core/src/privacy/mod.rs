//! The council's duties about the data Doorstep holds: what it holds, why, who sees it and
//! how long it is kept (the data map), and people's requests about their data.

pub mod data_map;
pub mod lookup;
pub mod request;
pub mod restriction;
pub mod retention;
