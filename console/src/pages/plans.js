// Plans: each plan's rules (schedule in words, next runs, windows, lifecycle) and selections.
import { now } from "../api.js";
import * as data from "../data.js";
import { esc, table, when } from "../format.js";
import { describe, nextRuns } from "../schedule.js";

const lifecycle = (l = {}) =>
  [l.MoveToColdStorageAfterDays && `cold after ${l.MoveToColdStorageAfterDays} d`, l.DeleteAfterDays && `delete after ${l.DeleteAfterDays} d`]
    .filter(Boolean).join(", ") || "kept forever";

const selection = (s) => {
  const b = s.BackupSelection;
  const parts = [
    ...(b.Resources || []).map((r) => `resource ${r}`),
    ...(b.ListOfTags || []).map((t) => `tag ${t.ConditionKey}=${t.ConditionValue}`),
    ...(b.NotResources || []).map((r) => `not ${r}`),
  ];
  for (const [kind, list] of Object.entries(b.Conditions || {})) {
    for (const c of list || []) parts.push(`${kind} ${c.ConditionKey} ${c.ConditionValue}`);
  }
  return parts.map(esc).join("<br>");
};

export async function render(main) {
  const [at, planList] = await Promise.all([now(), data.plans()]);
  main.innerHTML = `<h1>Backup plans</h1><p class="note">Next runs are computed from each rule's schedule expression
    and time zone, from ${esc(when(at))}.</p>` +
    (planList.length ? "" : "<p>No backup plan yet.</p>") +
    planList.map((plan) => `
      <section data-plan="${esc(plan.BackupPlanId)}">
        <h2>${esc(plan.BackupPlanName)} <span class="note">${esc(plan.BackupPlanId)} · version ${esc(plan.VersionId)}</span></h2>
        ${table(["Rule", "Vault", "Schedule", "Next runs", "Start / completion window", "Lifecycle"],
          plan.rules.map((r) => [
            esc(r.RuleName),
            esc(r.TargetBackupVaultName),
            `${esc(describe(r.ScheduleExpression, r.ScheduleExpressionTimezone))}<br><code>${esc(r.ScheduleExpression)}</code>`,
            nextRuns(r.ScheduleExpression, r.ScheduleExpressionTimezone, at).map((d) => esc(when(d))).join("<br>") || "not computed",
            `${esc(r.StartWindowMinutes ?? "")} / ${esc(r.CompletionWindowMinutes ?? "")} min`,
            esc(lifecycle(r.Lifecycle)),
          ]), 'class="rules"')}
        ${table(["Selection", "Role", "Selects"],
          plan.selections.map((s) => [esc(s.BackupSelection.SelectionName), `<code>${esc(s.BackupSelection.IamRoleArn)}</code>`, selection(s)]),
          'class="selections"')}
      </section>`).join("");
}
