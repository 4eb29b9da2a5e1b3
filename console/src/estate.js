// The estate and which plan covers what. AWS Backup's API lists only resources that already have a recovery
// point (ListProtectedResources); the rest of the estate comes from the Resource Groups Tagging API, which (as on
// AWS) lists resources that are or were tagged. Coverage is AWS Backup's selection rule, as the engine applies it
// (lambdas/domain/selections.py): (in Resources OR tagged as ListOfTags) AND Conditions AND NOT in NotResources.

// ARN -> AWS Backup's resource type name, and the Tagging API's filter for it.
const TYPES = [
  { type: "EBS", filter: "ec2:volume", test: /^arn:[^:]+:ec2:[^:]*:[^:]*:volume\// },
  { type: "EC2", filter: "ec2:instance", test: /^arn:[^:]+:ec2:[^:]*:[^:]*:instance\// },
  { type: "DynamoDB", filter: "dynamodb:table", test: /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/[^/]+$/ },
  { type: "RDS", filter: "rds:db", test: /^arn:[^:]+:rds:[^:]*:[^:]*:db:/ },
  { type: "Aurora", filter: "rds:cluster", test: /^arn:[^:]+:rds:[^:]*:[^:]*:cluster:/ },
  { type: "S3", filter: "s3", test: /^arn:[^:]+:s3:::[^/]+$/ },
  { type: "EFS", filter: "elasticfilesystem:file-system", test: /^arn:[^:]+:elasticfilesystem:[^:]*:[^:]*:file-system\// },
  { type: "FSx", filter: "fsx:file-system", test: /^arn:[^:]+:fsx:[^:]*:[^:]*:file-system\// },
  { type: "Redshift", filter: "redshift:cluster", test: /^arn:[^:]+:redshift:[^:]*:[^:]*:cluster:/ },
];

export function resourceType(arn) {
  return TYPES.find((t) => t.test.test(arn))?.type ?? null;
}

export function taggingFilters(supportedTypes) {
  return TYPES.filter((t) => supportedTypes.includes(t.type)).map((t) => t.filter);
}

function wildcard(pattern, value) {
  if (pattern === "*") return true;
  if (!pattern.includes("*") && !pattern.includes("?")) return pattern === value;
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "s").test(value);
}

function tag(tags, key) {
  if (key in tags) return tags[key];
  const plain = key.startsWith("aws:ResourceTag/") ? key.slice("aws:ResourceTag/".length) : null;
  return plain !== null && plain in tags ? tags[plain] : undefined;
}

function meetsConditions(tags, conditions = {}) {
  const is = (c) => tag(tags, c.ConditionKey) === c.ConditionValue;
  const like = (c) => tag(tags, c.ConditionKey) !== undefined && wildcard(c.ConditionValue, tag(tags, c.ConditionKey));
  return (
    (conditions.StringEquals || []).every(is) &&
    (conditions.StringNotEquals || []).every((c) => !is(c)) &&
    (conditions.StringLike || []).every(like) &&
    (conditions.StringNotLike || []).every((c) => !like(c))
  );
}

export function selects(selection, resource) {
  const tags = resource.tags || {};
  if ((selection.NotResources || []).some((p) => wildcard(p, resource.arn))) return false;
  const byArn = (selection.Resources || []).some((p) => wildcard(p, resource.arn));
  const byTag = (selection.ListOfTags || []).some((c) => tags[c.ConditionKey] === c.ConditionValue);
  const onlyConditions = !(selection.Resources || []).length && !(selection.ListOfTags || []).length;
  return (byArn || byTag || onlyConditions) && meetsConditions(tags, selection.Conditions);
}

// Each resource with the plans whose selections pick it: [{ ...resource, plans: [{ plan, selection }] }].
export function coverage(resources, plans) {
  return resources.map((resource) => ({
    ...resource,
    plans: plans.flatMap((plan) =>
      plan.selections.filter((s) => selects(s.BackupSelection, resource)).map((s) => ({ plan, selection: s })),
    ),
  }));
}

// Tagged resources (Tagging API) and protected ones (Backup API) merged by ARN, only of the supported types.
export function mergeEstate(tagged, protectedResources, supportedTypes) {
  const byArn = new Map();
  for (const item of tagged) {
    const tags = Object.fromEntries((item.Tags || []).map((t) => [t.Key, t.Value]));
    byArn.set(item.ResourceARN, { arn: item.ResourceARN, type: resourceType(item.ResourceARN), tags, name: tags.Name });
  }
  for (const p of protectedResources) {
    const known = byArn.get(p.ResourceArn) || { arn: p.ResourceArn, type: p.ResourceType, tags: {} };
    byArn.set(p.ResourceArn, {
      ...known,
      type: p.ResourceType || known.type,
      name: known.name || p.ResourceName,
      lastBackup: p.LastBackupTime,
      lastVault: p.LastBackupVaultArn,
    });
  }
  return [...byArn.values()].filter((r) => r.type && supportedTypes.includes(r.type));
}
