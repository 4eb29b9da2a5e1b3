// Plans: each plan's rules (schedule in words, next runs, windows, lifecycle) and selections.
import {
  CreateBackupPlanCommand,
  GetBackupPlanFromTemplateCommand,
  ListBackupPlanTemplatesCommand,
} from "@aws-sdk/client-backup";
import { all, call, now } from "../api.js";
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

// The rule as CreateBackupPlan takes it (a template's rules also carry RuleId, which is the service's to give).
const ruleInput = (rule, vault) => ({
  RuleName: rule.RuleName,
  TargetBackupVaultName: vault,
  ScheduleExpression: rule.ScheduleExpression,
  ScheduleExpressionTimezone: rule.ScheduleExpressionTimezone,
  StartWindowMinutes: rule.StartWindowMinutes,
  CompletionWindowMinutes: rule.CompletionWindowMinutes,
  Lifecycle: rule.Lifecycle,
  RecoveryPointTags: rule.RecoveryPointTags,
  CopyActions: rule.CopyActions,
  EnableContinuousBackup: rule.EnableContinuousBackup,
});

function fromTemplateForm(templates, vaults) {
  if (!templates.length) return "";
  const options = (list, value, label) => list.map((x) => `<option value="${esc(x[value])}">${esc(x[label])}</option>`).join("");
  return `<h2>Create a plan from a template</h2>
    <form class="inline" id="from-template">
      <label>Template<select name="template">${options(templates, "BackupPlanTemplateId", "BackupPlanTemplateName")}</select></label>
      <label>Plan name<input name="name" required pattern="[a-zA-Z0-9_.\\-]{1,50}"></label>
      <label>Vault for its rules<select name="vault">${options(vaults, "BackupVaultName", "BackupVaultName")}</select></label>
      <button>Create plan</button>
    </form>
    <p id="plan-error" class="error" hidden></p>`;
}

export async function render(main, navigate) {
  const [at, planList, templates, vaults] = await Promise.all([
    now(),
    data.plans(),
    all("backup", ListBackupPlanTemplatesCommand, {}, "BackupPlanTemplatesList"),
    data.vaults(),
  ]);
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
      </section>`).join("") + fromTemplateForm(templates, vaults);
  main.querySelector("#from-template")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      const { BackupPlanDocument } = await call("backup", GetBackupPlanFromTemplateCommand, {
        BackupPlanTemplateId: form.template.value,
      });
      await call("backup", CreateBackupPlanCommand, {
        BackupPlan: {
          BackupPlanName: form.name.value,
          Rules: BackupPlanDocument.Rules.map((rule) => ruleInput(rule, form.vault.value)),
        },
      });
      navigate("#/plans", true);
    } catch (error) {
      const box = main.querySelector("#plan-error");
      box.hidden = false;
      box.textContent = `${error.name}: ${error.message}`;
    }
  });
}
