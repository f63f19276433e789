//! The network side: fetching with bounds, politeness, robots.txt, sitemaps, scope and the
//! frontier. It yields pages; it knows nothing of rules.

pub mod decode;
pub mod fetch;
pub mod frontier;
pub mod normalize;
pub mod robots;
pub mod scope;
pub mod sitemap;

pub use fetch::{ErrorKind, FetchError, Fetched, Http, Want};
pub use frontier::{Entry, Frontier, Source};
pub use robots::Robots;
pub use scope::Scope;
