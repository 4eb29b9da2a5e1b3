// Overview: the estate and its coverage, recent jobs, RPO per resource, storage; back up or protect a resource.
import { CreateBackupSelectionCommand, StartBackupJobCommand } from "@aws-sdk/client-backup";
import { call, current, now } from "../api.js";
import { grouped, stacked } from "../charts.js";
import * as data from "../data.js";
import { bytes, duration, esc, shortArn, table, when } from "../format.js";
import { period } from "../schedule.js";

const DAY = 86400000;
const HISTORY_DAYS = 14;

// The tightest RPO the resource's plans promise: the shortest of its rules' longest gaps between runs.
export function rpoTarget(resource, at) {
  const periods = resource.plans.flatMap(({ plan }) =>
    plan.rules.map((r) => period(r.ScheduleExpression, r.ScheduleExpressionTimezone, at)).filter((p) => p),
  );
  return periods.length ? Math.min(...periods) : null;
}

export function rpoState(resource, at) {
  const target = rpoTarget(resource, at);
  const age = resource.lastBackup ? at - new Date(resource.lastBackup) : null;
  if (!resource.plans.length) return { target, age, state: "no plan" };
  if (age === null) return { target, age, state: "no recovery point" };
  if (target === null) return { target, age, state: "no schedule" };
  return { target, age, state: age <= target ? "met" : "missed" };
}

export function defaultRole(arn) {
  const account = String(arn).split(":")[4] || current().config.account;
  return `arn:aws:iam::${account}:role/service-role/AWSBackupDefaultServiceRole`;
}

const count = (key, value) => `<div class="value" data-count="${key}">${value}</div>`;

function byState(jobs) {
  const states = {};
  for (const job of jobs) states[job.State] = (states[job.State] || 0) + 1;
  return states;
}

export async function render(main, navigate) {
  const at = await now();
  const [planList, vaultList, recent, history, failed] = await Promise.all([
    data.plans(),
    data.vaults(),
    data.backupJobs({ ByCreatedAfter: new Date(at - DAY) }),
    data.backupJobs({ ByCreatedAfter: new Date(at - HISTORY_DAYS * DAY) }),
    data.backupJobs({ ByState: "FAILED" }),
  ]);
  const resources = await data.estate(planList);
  const points = Object.fromEntries(
    await Promise.all(vaultList.map(async (v) => [v.BackupVaultName, await data.recoveryPoints(v.BackupVaultName)])),
  );
  const uncovered = resources.filter((r) => !r.plans.length);
  const protectedCount = resources.filter((r) => r.lastBackup).length;
  const share = resources.length ? Math.round((100 * uncovered.length) / resources.length) : 0;
  const recentStates = byState(recent);
  const rpo = resources.map((r) => ({ resource: r, ...rpoState(r, at) }));
  const missed = rpo.filter((r) => r.state === "missed").length;

  const vaultOptions = vaultList.map((v) => `<option>${esc(v.BackupVaultName)}</option>`).join("");
  const planOptions = planList.map((p) => `<option value="${esc(p.BackupPlanId)}">${esc(p.BackupPlanName)}</option>`).join("");
  const rows = rpo.map(({ resource: r, target, age, state }) => [
    `${esc(r.name || shortArn(r.arn))}<br><code>${esc(r.arn)}</code>`,
    esc(r.type),
    esc(Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(", ")),
    r.plans.length ? esc([...new Set(r.plans.map((p) => p.plan.BackupPlanName))].join(", ")) : "<span class=\"missed\">none</span>",
    esc(when(r.lastBackup)),
    esc(duration(age)),
    esc(duration(target)),
    `<span class="${state === "met" ? "met" : state === "missed" ? "missed" : ""}" data-rpo="${esc(r.arn)}">${esc(state)}</span>`,
    `<form class="inline" data-backup="${esc(r.arn)}"><select name="vault" aria-label="vault">${vaultOptions}</select>` +
      `<button>Back up now</button></form>` +
      (r.plans.length || !planList.length
        ? ""
        : `<form class="inline" data-protect="${esc(r.arn)}"><select name="plan" aria-label="plan">${planOptions}</select>` +
          `<button>Protect</button></form>`),
  ]);
  const failedRows = failed.map((j) => [
    `<a href="#/job/backup/${esc(j.BackupJobId)}">${esc(j.BackupJobId.slice(0, 8))}</a>`,
    esc(shortArn(j.ResourceArn)),
    esc(j.BackupVaultName),
    esc(when(j.CreationDate)),
    esc(j.StatusMessage),
  ]);

  main.innerHTML = `
    <h1>Overview</h1>
    <section class="cards">
      <div class="card">Resources in the estate${count("estate", resources.length)}</div>
      <div class="card">With a recovery point${count("protected", protectedCount)}</div>
      <div class="card">Covered by no plan${count("uncovered", uncovered.length)}<span data-count="uncovered-share">${share}%</span> of the estate</div>
      <div class="card">Backup jobs, last 24 h${count("jobs-24h", recent.length)}
        <span class="note">${Object.entries(recentStates).map(([s, n]) => `${esc(s)} <span data-state-24h="${esc(s)}">${n}</span>`).join(" · ")}</span></div>
      <div class="card">RPO missed${count("rpo-missed", missed)}</div>
      <div class="card">Failed backup jobs${count("failed", failed.length)}</div>
    </section>
    <h2>Charts</h2>
    <div class="charts">
      <div class="chart"><canvas id="chart-per-day" aria-label="backups per day by state"></canvas></div>
      <div class="chart"><canvas id="chart-storage" aria-label="storage by vault and tier"></canvas></div>
      <div class="chart"><canvas id="chart-rpo" aria-label="RPO per resource"></canvas></div>
    </div>
    <h2>Resources</h2>
    <p class="note">The estate: resources of the types Strongroom protects that the Resource Groups Tagging API lists
      (tagged ones, as on AWS), plus every resource with a recovery point. RPO: the age of its newest recovery point
      against the longest gap between its plan's runs.</p>
    ${table(["Resource", "Type", "Tags", "Plans", "Newest recovery point", "Age", "RPO target", "RPO", "Actions"], rows, 'id="resources"')}
    <h2>Storage by vault</h2>
    ${table(
      ["Vault", "Recovery points", "Warm", "Cold"],
      vaultList.map((v) => {
        const tier = (t) => (points[v.BackupVaultName] || []).filter((p) => (p.StorageClass || "WARM") === t)
          .reduce((sum, p) => sum + (p.BackupSizeInBytes || 0), 0);
        return [`<a href="#/vaults/${encodeURIComponent(v.BackupVaultName)}">${esc(v.BackupVaultName)}</a>`,
          `<span data-vault-points="${esc(v.BackupVaultName)}">${v.NumberOfRecoveryPoints ?? 0}</span>`, bytes(tier("WARM")), bytes(tier("COLD"))];
      }),
      'id="storage"',
    )}
    <h2>Failed jobs needing attention</h2>
    ${table(["Job", "Resource", "Vault", "Created", "Message"], failedRows, 'id="failed"')}
    <p id="action-error" class="error" hidden></p>`;

  const days = [...Array(HISTORY_DAYS).keys()].map((i) => new Date(at - (HISTORY_DAYS - 1 - i) * DAY).toISOString().slice(0, 10));
  const perDay = {};
  for (const job of history) {
    const day = new Date(job.CreationDate).toISOString().slice(0, 10);
    perDay[job.State] ??= days.map(() => 0);
    if (days.includes(day)) perDay[job.State][days.indexOf(day)] += 1;
  }
  stacked("chart-per-day", days.map((d) => d.slice(5)), perDay, "backup jobs per day");
  const storage = { WARM: [], COLD: [] };
  for (const v of vaultList) {
    for (const t of ["WARM", "COLD"]) {
      storage[t].push((points[v.BackupVaultName] || []).filter((p) => (p.StorageClass || "WARM") === t)
        .reduce((sum, p) => sum + (p.BackupSizeInBytes || 0), 0) / 2 ** 30);
    }
  }
  stacked("chart-storage", vaultList.map((v) => v.BackupVaultName), storage, "GiB by vault and tier");
  const charted = rpo.filter((r) => r.target !== null);
  grouped("chart-rpo", charted.map((r) => r.resource.name || shortArn(r.resource.arn)), {
    "newest point age (h)": charted.map((r) => (r.age === null ? null : r.age / 3600000)),
    "RPO target (h)": charted.map((r) => r.target / 3600000),
  }, "hours");

  const fail = (error) => {
    const box = main.querySelector("#action-error");
    box.hidden = false;
    box.textContent = `${error.name}: ${error.message}`;
  };
  for (const form of main.querySelectorAll("form[data-backup]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const arn = form.dataset.backup;
      try {
        const started = await call("backup", StartBackupJobCommand, {
          BackupVaultName: form.vault.value, ResourceArn: arn, IamRoleArn: defaultRole(arn),
        });
        navigate(`#/job/backup/${started.BackupJobId}`);
      } catch (error) {
        fail(error);
      }
    });
  }
  for (const form of main.querySelectorAll("form[data-protect]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const arn = form.dataset.protect;
      try {
        await call("backup", CreateBackupSelectionCommand, {
          BackupPlanId: form.plan.value,
          BackupSelection: {
            SelectionName: `console-${shortArn(arn).replace(/[^a-zA-Z0-9_.-]/g, "-")}`.slice(0, 50),
            IamRoleArn: defaultRole(arn),
            Resources: [arn],
          },
        });
        navigate("#/overview", true);
      } catch (error) {
        fail(error);
      }
    });
  }
}
