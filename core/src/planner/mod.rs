//! The clone planner: a pure function from a [`CloneRequest`] to a [`Plan`].
//!
//! It replaces LINSTOR's `StorageLayer#getCloneStrategy` and
//! `DeviceHandlerImpl#fixupCloneStrategyQuirks`: every strategy is checked against the rules in
//! [`rules`]; the usable ones are ordered by priority, each with the steps from [`steps`]. The
//! `linstor_stock` option reproduces LINSTOR 1.34's choice instead ([`stock`]).

mod rules;
mod stock;
mod steps;

pub use steps::{TEMP_SUFFIX, clone_snapshot_name, clone_snapshot_properties};

use crate::error::Result;
use crate::plan::{Candidate, PLAN_VERSION, Plan, PlanMode, Rejection};
use crate::request::CloneRequest;
use crate::strategy::Strategy;

/// Plans a clone from a validated request. Never fails for a valid request: a plan with no
/// usable strategy has `chosen: None` and a reason for each rejection.
pub fn plan(req: &CloneRequest) -> Plan {
    if let Some(e) = req.names_error() {
        // Planned, as 0.1.0 did, but nothing may run with such a name.
        let reason = format!("no command can be given this request's names: {}", e.to_string().trim_start_matches("invalid request: "));
        let rejected = Strategy::ALL.iter().map(|&strategy| Rejection { strategy, reason: reason.clone() }).collect();
        let mode = if req.options.linstor_stock { PlanMode::LinstorStock } else { PlanMode::Volclone };
        return Plan { version: PLAN_VERSION, mode, chosen: None, candidates: Vec::new(), rejected };
    }
    if req.options.linstor_stock {
        return stock::plan(req);
    }
    let mut candidates = Vec::new();
    let mut rejected = Vec::new();
    for strategy in Strategy::ALL {
        match rules::check(strategy, req) {
            Err(reason) => rejected.push(Rejection { strategy, reason }),
            Ok(_) if req.options.forbid.contains(&strategy) => rejected.push(Rejection {
                strategy,
                reason: "usable, but forbidden by options.forbid".into(),
            }),
            Ok(reason) => candidates.push(candidate(strategy, reason, req)),
        }
    }
    candidates.sort_by_key(|c| c.priority);
    Plan { version: PLAN_VERSION, mode: PlanMode::Volclone, chosen: candidates.first().map(|c| c.strategy), candidates, rejected }
}

/// The plan of the `zfs` shim's takeover: `req`'s ZFS_COPY (its source the snapshot the stream
/// carries, its target the pre-created one) with the stream read from standard input (a sender
/// already runs), and the received snapshot left on the target, as a stock `zfs receive -F`
/// leaves it (LINSTOR destroys `<target>@%` itself). The rules still decide: `Err` says why
/// ZFS_COPY cannot be used, and the shim then leaves the command to the real `zfs`.
pub fn receive_plan(req: &CloneRequest) -> std::result::Result<Plan, String> {
    if let Some(e) = req.names_error() {
        return Err(e.to_string());
    }
    let reason = rules::check(Strategy::ZfsCopy, req)?;
    let mut c = candidate(Strategy::ZfsCopy, reason, req);
    let received = req.source.snapshot_name().map(|snap| format!("{}@{snap}", req.target.volume));
    c.steps.retain(|st| !matches!(&st.op, crate::plan::StepOp::ZfsDestroySnapshot { snapshot } if Some(snapshot) == received.as_ref()));
    for st in &mut c.steps {
        if let crate::plan::StepOp::ZfsSendReceive { from_stdin, .. } = &mut st.op {
            *from_stdin = true;
        }
        *st = crate::plan::Step::from(st.op.clone());
    }
    Ok(Plan { version: PLAN_VERSION, mode: PlanMode::Volclone, chosen: Some(Strategy::ZfsCopy), candidates: vec![c], rejected: Vec::new() })
}

/// Parses, validates and plans a JSON request.
pub fn plan_json(request_json: &str) -> Result<Plan> {
    Ok(plan(&CloneRequest::from_json(request_json)?))
}

fn candidate(strategy: Strategy, reason: String, req: &CloneRequest) -> Candidate {
    Candidate {
        strategy,
        linstor_name: strategy.linstor_name().into(),
        priority: strategy.priority(),
        needs_open_devices: strategy.needs_open_devices(),
        reason,
        steps: steps::steps(strategy, req),
        warning: None,
    }
}

/// Why volclone's rules reject `strategy` for `req`, if they do (used to annotate stock plans).
pub fn rule_rejection(strategy: Strategy, req: &CloneRequest) -> Option<String> {
    rules::check(strategy, req).err()
}

#[cfg(test)]
mod tests;
