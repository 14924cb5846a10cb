//! The council's privacy work: what Doorstep holds, why, who sees it and how long it is kept.

pub mod data_map;
