//! A token bucket shared by the workers, so a clone need not starve production I/O.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(super) struct RateLimiter {
    rate: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimiter {
    /// `rate` bytes per second, with a burst of a quarter second.
    pub(super) fn new(rate: u64) -> Self {
        RateLimiter { rate: rate as f64, state: Mutex::new((rate as f64 / 4.0, Instant::now())) }
    }

    /// Takes `n` bytes from the bucket and returns how long the caller must wait first.
    pub(super) fn reserve(&self, n: u64) -> Duration {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let (tokens, last) = *st;
        let burst = self.rate / 4.0;
        let tokens = (tokens + now.duration_since(last).as_secs_f64() * self.rate).min(burst) - n as f64;
        *st = (tokens, now);
        if tokens >= 0.0 { Duration::ZERO } else { Duration::from_secs_f64(-tokens / self.rate) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debt_turns_into_wait_proportional_to_rate() {
        let rl = RateLimiter::new(1000);
        assert_eq!(rl.reserve(250), Duration::ZERO); // the burst
        let wait = rl.reserve(500);
        assert!(wait > Duration::from_millis(450) && wait <= Duration::from_millis(501), "{wait:?}");
    }
}
