// Jobs with filters (type, state, vault, time), and one job's detail, refreshed until it ends.
import {
  DescribeBackupJobCommand,
  DescribeCopyJobCommand,
  DescribeRestoreJobCommand,
  ListCopyJobsCommand,
  ListRestoreJobsCommand,
} from "@aws-sdk/client-backup";
import { all, call, now } from "../api.js";
import * as data from "../data.js";
import { esc, shortArn, table, when } from "../format.js";

const STATES = {
  backup: ["CREATED", "PENDING", "RUNNING", "ABORTING", "ABORTED", "COMPLETED", "FAILED", "EXPIRED", "PARTIAL"],
  restore: ["PENDING", "RUNNING", "COMPLETED", "ABORTED", "FAILED"],
  copy: ["CREATED", "RUNNING", "COMPLETED", "FAILED", "PARTIAL"],
};
const TERMINAL = new Set(["COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"]);

// One list call per type, with the filters AWS Backup's List*Jobs take for it.
async function list(type, { state, vault, after }) {
  if (type === "backup") {
    return (await data.backupJobs({ ByState: state, ByBackupVaultName: vault, ByCreatedAfter: after })).map((j) => ({
      id: j.BackupJobId, state: j.State, resource: j.ResourceArn, vault: j.BackupVaultName, created: j.CreationDate,
      completed: j.CompletionDate, message: j.StatusMessage,
    }));
  }
  if (type === "restore") {
    return (await all("backup", ListRestoreJobsCommand, { ByStatus: state, ByCreatedAfter: after }, "RestoreJobs")).map((j) => ({
      id: j.RestoreJobId, state: j.Status, resource: j.CreatedResourceArn || j.RecoveryPointArn, vault: "",
      created: j.CreationDate, completed: j.CompletionDate, message: j.StatusMessage,
    }));
  }
  return (await all("backup", ListCopyJobsCommand, { ByState: state, ByCreatedAfter: after }, "CopyJobs")).map((j) => ({
    id: j.CopyJobId, state: j.State, resource: j.ResourceArn, vault: j.DestinationBackupVaultArn, created: j.CreationDate,
    completed: j.CompletionDate, message: j.StatusMessage,
  }));
}

export async function renderList(main, params, navigate) {
  const type = params.get("type") || "backup";
  const state = params.get("state") || undefined;
  const vault = (type === "backup" && params.get("vault")) || undefined;
  const hours = Number(params.get("hours") || 0);
  const at = await now();
  const [vaults, jobs] = await Promise.all([
    data.vaults(),
    list(type, { state, vault, after: hours ? new Date(at - hours * 3600000) : undefined }),
  ]);
  const option = (value, chosen, label = value) =>
    `<option value="${esc(value)}" ${value === chosen ? "selected" : ""}>${esc(label)}</option>`;
  main.innerHTML = `<h1>Jobs</h1>
    <form class="inline" id="filters">
      <label>Type<select name="type">${["backup", "restore", "copy"].map((t) => option(t, type)).join("")}</select></label>
      <label>State<select name="state">${option("", state || "", "any")}${STATES[type].map((s) => option(s, state)).join("")}</select></label>
      <label>Vault<select name="vault" ${type === "backup" ? "" : "disabled"}>${option("", vault || "", "any")}${vaults.map((v) => option(v.BackupVaultName, vault)).join("")}</select></label>
      <label>Created in the last<select name="hours">${[["0", "any time"], ["24", "24 hours"], ["168", "7 days"], ["720", "30 days"]].map(([v, l]) => option(v, String(hours), l)).join("")}</select></label>
      <button>Filter</button>
    </form>
    <p class="note"><span data-count="jobs">${jobs.length}</span> ${esc(type)} jobs</p>
    ${table(["Job", "State", "Resource", "Vault", "Created", "Completed", "Message"],
      jobs.map((j) => [
        `<a href="#/job/${type}/${esc(j.id)}">${esc(j.id.slice(0, 8))}</a>`,
        `<span class="${esc(j.state)}">${esc(j.state)}</span>`,
        esc(shortArn(j.resource)), esc(shortArn(j.vault) || j.vault), esc(when(j.created)), esc(when(j.completed)), esc(j.message),
      ]), 'id="jobs"')}`;
  main.querySelector("#filters").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const query = new URLSearchParams([...form.entries()].filter(([, v]) => v && v !== "0"));
    navigate(`#/jobs?${query}`);
  });
}

const DESCRIBE = {
  backup: [DescribeBackupJobCommand, "BackupJobId", "State"],
  restore: [DescribeRestoreJobCommand, "RestoreJobId", "Status"],
  copy: [DescribeCopyJobCommand, "CopyJobId", "State"],
};

// Returns a function that stops the refresh (called when the person leaves the page).
export async function renderJob(main, type, id, showError) {
  const [Command, key, stateKey] = DESCRIBE[type];
  let timer;
  const draw = async () => {
    const answer = await call("backup", Command, { [key]: id });
    const job = type === "copy" ? answer.CopyJob : answer;
    const state = job[stateKey];
    const rows = Object.entries(job)
      .filter(([k, v]) => k !== "$metadata" && v !== undefined && v !== null && typeof v !== "object" || v instanceof Date)
      .map(([k, v]) => [esc(k), `<span ${k === stateKey ? 'id="job-state"' : ""}>${esc(v instanceof Date ? when(v) : v)}</span>`]);
    main.innerHTML = `<h1>${esc(type)} job <code>${esc(id)}</code></h1>
      <p>State: <strong id="state" class="${esc(state)}">${esc(state)}</strong>
        ${job.StatusMessage ? ` · ${esc(job.StatusMessage)}` : ""}</p>
      ${table(["Field", "Value"], rows, 'id="job"')}
      <p class="note">${TERMINAL.has(state) ? "Finished." : "Refreshing every second until it ends."}</p>`;
    if (!TERMINAL.has(state)) timer = setTimeout(() => draw().catch(showError), 1000);
  };
  await draw();
  return () => clearTimeout(timer);
}
