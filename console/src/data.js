// What the pages read, each from the Backup API operation named (docs/console.md says which number is which).
import {
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
  GetSupportedResourceTypesCommand,
  ListBackupJobsCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  ListBackupVaultsCommand,
  ListProtectedResourcesCommand,
  ListRecoveryPointsByBackupVaultCommand,
} from "@aws-sdk/client-backup";
import { GetResourcesCommand } from "@aws-sdk/client-resource-groups-tagging-api";
import { all, call } from "./api.js";
import { coverage, mergeEstate, taggingFilters } from "./estate.js";

// Plans with their rules (GetBackupPlan) and selections (ListBackupSelections + GetBackupSelection).
export async function plans() {
  const listed = await all("backup", ListBackupPlansCommand, {}, "BackupPlansList");
  return Promise.all(
    listed.map(async (summary) => {
      const [plan, selectionList] = await Promise.all([
        call("backup", GetBackupPlanCommand, { BackupPlanId: summary.BackupPlanId }),
        all("backup", ListBackupSelectionsCommand, { BackupPlanId: summary.BackupPlanId }, "BackupSelectionsList"),
      ]);
      const selections = await Promise.all(
        selectionList.map((s) =>
          call("backup", GetBackupSelectionCommand, { BackupPlanId: summary.BackupPlanId, SelectionId: s.SelectionId }),
        ),
      );
      return { ...summary, rules: plan.BackupPlan.Rules || [], selections };
    }),
  );
}

export async function supportedTypes() {
  return (await call("backup", GetSupportedResourceTypesCommand, {})).ResourceTypes || [];
}

// The estate (Tagging API's resources of supported types + ListProtectedResources), each with its covering plans.
export async function estate(planList) {
  const types = await supportedTypes();
  const [tagged, protectedResources] = await Promise.all([
    all("tagging", GetResourcesCommand, { ResourceTypeFilters: taggingFilters(types) }, "ResourceTagMappingList",
      "PaginationToken", "PaginationToken"),
    all("backup", ListProtectedResourcesCommand, {}, "Results"),
  ]);
  return coverage(mergeEstate(tagged, protectedResources, types), planList);
}

export const vaults = () => all("backup", ListBackupVaultsCommand, {}, "BackupVaultList");

export const recoveryPoints = (vaultName) =>
  all("backup", ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: vaultName }, "RecoveryPoints");

export const backupJobs = (filters = {}) => all("backup", ListBackupJobsCommand, filters, "BackupJobs");
