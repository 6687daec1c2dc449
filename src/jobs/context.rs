//! What a job runs with: a connection pool, the clock, and the few services the worker
//! hands its jobs (the search engine, the alert channels switched off …), looked up by
//! type. The worker (`crate::worker`) fills it; each domain asks for what it put there
//! under its own type, so this module names no domain.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::clock::Clock;
use crate::db::{Pool, PooledConn};
use crate::error::{AppError, AppResult};

/// The narrow context every job gets: not the whole `AppState`.
pub struct WorkerContext {
    pool: Pool,
    clock: Arc<dyn Clock>,
    services: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl WorkerContext {
    pub fn new(pool: Pool, clock: Arc<dyn Clock>) -> WorkerContext {
        WorkerContext {
            pool,
            clock,
            services: HashMap::new(),
        }
    }

    /// Hand jobs a service, found again by its type with [`WorkerContext::get`].
    pub fn with<T: Any + Send + Sync>(mut self, service: T) -> WorkerContext {
        self.services.insert(TypeId::of::<T>(), Box::new(service));
        self
    }

    /// The service of type `T`; an error names it if the worker did not provide one.
    pub fn get<T: Any>(&self) -> AppResult<&T> {
        self.services
            .get(&TypeId::of::<T>())
            .and_then(|s| s.downcast_ref::<T>())
            .ok_or_else(|| {
                AppError::Internal(format!(
                    "the worker context has no {}",
                    std::any::type_name::<T>()
                ))
            })
    }

    pub fn conn(&self) -> AppResult<PooledConn> {
        Ok(self.pool.get()?)
    }

    pub fn now(&self) -> NaiveDateTime {
        self.clock.now()
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_found_by_type_and_a_missing_one_is_named() {
        let pool = crate::db::connect("sqlite://:memory:", 1).expect("pool");
        let clock: Arc<dyn Clock> = Arc::new(crate::clock::SystemClock);
        let ctx = WorkerContext::new(pool, clock).with(vec!["sms"]);
        assert_eq!(ctx.get::<Vec<&str>>().expect("present"), &vec!["sms"]);
        let err = ctx.get::<String>().expect_err("absent").to_string();
        assert!(err.contains("String"), "{err}");
    }
}
