//! The supervisor's My team screen (ui/src/test/team.test.ts): the figures and charts of a
//! laptop with the demo data, plans agreed and one fitted, for this quarter and the one
//! before; a period refused; a chart saved as CSV; and an officer refused.

use serde_json::json;

use super::recorder::{Recorder, Recording};
use super::today::{agreed_plan, fit};
use super::{OFFICER_PASSPHRASE, SUPERVISOR_PASSPHRASE, boot, id, set_up};

pub async fn team() -> Recording {
    let mut rec = Recorder::new();
    set_up(&mut rec).await;
    rec.quietly("load_demo_data", json!({})).await;
    for line_1 in [
        "2 Quillon Row",
        "4 Quillon Row",
        "6 Quillon Row",
        "8 Quillon Row",
        "10 Quillon Row",
    ] {
        agreed_plan(&mut rec, line_1).await;
    }
    let plan = agreed_plan(&mut rec, "12 Quillon Row").await;
    fit(&mut rec, &plan).await;
    let mut branches = Vec::new();

    // The supervisor: this quarter, the one before, a year not started, a chart's CSV.
    let mut b = rec.branch(SUPERVISOR_PASSPHRASE).await;
    boot(&mut b).await;
    let report = b.ok("team_report", json!({ "period": null })).await;
    let chart = id(&report, "/charts/0/id");
    let period = id(&report, "/period");
    let file = id(&report, "/charts/0/file_name");
    b.ok("team_report", json!({ "period": "2025-26 Q3" })).await;
    b.refused("team_report", json!({ "period": "2026-27" }))
        .await;
    let csv = b.document(&file);
    b.ok(
        "save_team_chart_csv",
        json!({ "period": period, "chartId": chart, "path": csv }),
    )
    .await;
    branches.push(b.into_branch("supervisor"));

    // An officer: refused, whatever the address bar says.
    let mut b = rec.branch(OFFICER_PASSPHRASE).await;
    boot(&mut b).await;
    b.refused("team_report", json!({ "period": null })).await;
    branches.push(b.into_branch("officer"));

    rec.finish(
        "team",
        "My team on a laptop with the demo data, five plans agreed and one fitted: the \
         supervisor's figures and charts for this quarter and the one before, a period not \
         started refused, a chart saved as CSV (branch supervisor); an officer refused \
         (branch officer).",
        branches,
    )
}
