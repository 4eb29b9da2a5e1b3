// Vaults: lock, access policy, notifications, recovery points with their lifecycle; restore from a point.
import {
  DescribeBackupVaultCommand,
  DescribeRecoveryPointCommand,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  GetRecoveryPointRestoreMetadataCommand,
  StartRestoreJobCommand,
  UpdateRecoveryPointLifecycleCommand,
} from "@aws-sdk/client-backup";
import { call } from "../api.js";
import * as data from "../data.js";
import { bytes, esc, shortArn, table, when } from "../format.js";
import { defaultRole } from "./overview.js";

// A vault with no policy or no notifications answers ResourceNotFoundException: that is "none", not an error.
async function optional(Command, input) {
  try {
    return await call("backup", Command, input);
  } catch (error) {
    if (error.name === "ResourceNotFoundException") return null;
    throw error;
  }
}

export async function renderList(main) {
  const vaults = await data.vaults();
  main.innerHTML = `<h1>Backup vaults</h1>${table(
    ["Vault", "Recovery points", "Locked", "Min / max retention (days)", "Created"],
    vaults.map((v) => [
      `<a href="#/vaults/${encodeURIComponent(v.BackupVaultName)}">${esc(v.BackupVaultName)}</a>`,
      `<span data-vault-points="${esc(v.BackupVaultName)}">${v.NumberOfRecoveryPoints ?? 0}</span>`,
      v.Locked ? "yes" : "no",
      `${esc(v.MinRetentionDays ?? "")} / ${esc(v.MaxRetentionDays ?? "")}`,
      esc(when(v.CreationDate)),
    ]),
    'id="vaults"',
  )}`;
}

// Days the point's lifecycle keeps it warm and in all, editable (UpdateRecoveryPointLifecycle); blank is "never".
function lifecycleForm(p) {
  const l = p.Lifecycle || {};
  return `<form class="inline" data-lifecycle="${esc(p.RecoveryPointArn)}">
    <label>cold after<input name="cold" type="number" min="1" size="4" value="${esc(l.MoveToColdStorageAfterDays ?? "")}"></label>
    <label>delete after<input name="delete" type="number" min="1" size="4" value="${esc(l.DeleteAfterDays ?? "")}"></label>
    <button>Update</button></form>`;
}

export async function renderVault(main, name, navigate) {
  const [vault, policy, notifications, points] = await Promise.all([
    call("backup", DescribeBackupVaultCommand, { BackupVaultName: name }),
    optional(GetBackupVaultAccessPolicyCommand, { BackupVaultName: name }),
    optional(GetBackupVaultNotificationsCommand, { BackupVaultName: name }),
    data.recoveryPoints(name),
  ]);
  const lifecycle = (p) => {
    const c = p.CalculatedLifecycle || {};
    return [c.MoveToColdStorageAt && `cold ${when(c.MoveToColdStorageAt)}`, c.DeleteAt && `delete ${when(c.DeleteAt)}`]
      .filter(Boolean).map(esc).join("<br>") || "kept forever";
  };
  main.innerHTML = `<h1>Vault ${esc(name)}</h1>
    <p>Locked: ${vault.Locked ? `yes (min ${esc(vault.MinRetentionDays)} d, max ${esc(vault.MaxRetentionDays ?? "-")} d)` : "no"} ·
      Encryption key: <code>${esc(vault.EncryptionKeyArn)}</code></p>
    <p>Access policy: ${policy?.Policy ? `<code>${esc(policy.Policy)}</code>` : "none"}</p>
    <p>Notifications: ${notifications ? `${esc((notifications.BackupVaultEvents || []).join(", "))} to <code>${esc(notifications.SNSTopicArn)}</code>` : "none"}</p>
    <h2>Recovery points</h2>
    ${table(["Recovery point", "Resource", "Created", "Status", "Tier", "Size", "Lifecycle", "Change lifecycle (days)", ""],
      points.map((p) => [
        `<code>${esc(shortArn(p.RecoveryPointArn))}</code>`,
        `${esc(p.ResourceType)} ${esc(p.ResourceName || shortArn(p.ResourceArn))}`,
        esc(when(p.CreationDate)),
        `<span class="${esc(p.Status)}">${esc(p.Status)}</span>`,
        esc(p.StorageClass),
        bytes(p.BackupSizeInBytes),
        `<span data-calculated="${esc(p.RecoveryPointArn)}">${lifecycle(p)}</span>`,
        p.Status === "COMPLETED" ? lifecycleForm(p) : "",
        p.Status === "COMPLETED"
          ? `<a href="#/restore/${encodeURIComponent(name)}/${encodeURIComponent(p.RecoveryPointArn)}">Restore</a>`
          : "",
      ]), 'id="recovery-points"')}
    <p id="vault-error" class="error" hidden></p>`;
  for (const form of main.querySelectorAll("form[data-lifecycle]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const days = (input) => (input.value ? Number(input.value) : undefined);
      try {
        await call("backup", UpdateRecoveryPointLifecycleCommand, {
          BackupVaultName: name,
          RecoveryPointArn: form.dataset.lifecycle,
          Lifecycle: { MoveToColdStorageAfterDays: days(form.cold), DeleteAfterDays: days(form.delete) },
        });
        navigate(window.location.hash, true);
      } catch (error) {
        const box = main.querySelector("#vault-error");
        box.hidden = false;
        box.textContent = `${error.name}: ${error.message}`;
      }
    });
  }
}

// The restore form is the point's restore metadata (GetRecoveryPointRestoreMetadata), each key editable.
export async function renderRestore(main, vaultName, pointArn, navigate) {
  const [metadata, point] = await Promise.all([
    call("backup", GetRecoveryPointRestoreMetadataCommand, { BackupVaultName: vaultName, RecoveryPointArn: pointArn }),
    call("backup", DescribeRecoveryPointCommand, { BackupVaultName: vaultName, RecoveryPointArn: pointArn }),
  ]);
  const fields = Object.entries(metadata.RestoreMetadata || {});
  main.innerHTML = `<h1>Restore ${esc(point.ResourceType)} ${esc(shortArn(point.ResourceArn))}</h1>
    <p class="note">From <code>${esc(pointArn)}</code>, created ${esc(when(point.CreationDate))}. The fields are the
      recovery point's restore metadata; change what the restored resource should differ in.</p>
    <form class="panel" id="restore">
      ${fields.map(([k, v]) => `<label>${esc(k)}<input name="meta:${esc(k)}" value="${esc(v)}"></label>`).join("")}
      <label>IAM role<input name="role" value="${esc(point.IamRoleArn || defaultRole(point.ResourceArn))}"></label>
      <button>Start restore job</button>
      <p id="restore-error" class="error" hidden></p>
    </form>`;
  const form = main.querySelector("#restore");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const Metadata = Object.fromEntries(
      [...form.querySelectorAll("input[name^='meta:']")].map((input) => [input.name.slice(5), input.value]),
    );
    try {
      const started = await call("backup", StartRestoreJobCommand, {
        RecoveryPointArn: pointArn, Metadata, IamRoleArn: form.role.value, ResourceType: point.ResourceType,
      });
      navigate(`#/job/restore/${started.RestoreJobId}`);
    } catch (error) {
      const box = form.querySelector("#restore-error");
      box.hidden = false;
      box.textContent = `${error.name}: ${error.message}`;
    }
  });
}
