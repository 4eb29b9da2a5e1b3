// Which plan covers which resource: AWS Backup's selection rule, as the engine applies it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { coverage, mergeEstate, resourceType, selects } from "../src/estate.js";

const volume = "arn:aws:ec2:us-east-1:123456789012:volume/vol-1";
const table = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";

test("resource types come from the ARN", () => {
  assert.equal(resourceType(volume), "EBS");
  assert.equal(resourceType(table), "DynamoDB");
  assert.equal(resourceType("arn:aws:s3:::bucket"), "S3");
  assert.equal(resourceType("arn:aws:sqs:us-east-1:123456789012:queue"), null);
});

test("(Resources OR ListOfTags) AND Conditions AND NOT NotResources", () => {
  const daily = { ListOfTags: [{ ConditionKey: "backup", ConditionValue: "daily" }] };
  assert.equal(selects(daily, { arn: volume, tags: { backup: "daily" } }), true);
  assert.equal(selects(daily, { arn: volume, tags: { backup: "weekly" } }), false);
  assert.equal(selects({ Resources: ["arn:aws:ec2:*:*:volume/*"] }, { arn: volume, tags: {} }), true);
  assert.equal(selects({ Resources: ["*"], NotResources: [volume] }, { arn: volume, tags: {} }), false);
  const onlyProd = { Resources: ["*"], Conditions: { StringEquals: [{ ConditionKey: "aws:ResourceTag/env", ConditionValue: "prod" }] } };
  assert.equal(selects(onlyProd, { arn: table, tags: { env: "prod" } }), true);
  assert.equal(selects(onlyProd, { arn: table, tags: { env: "dev" } }), false);
  const notLike = { Conditions: { StringNotLike: [{ ConditionKey: "aws:ResourceTag/env", ConditionValue: "te*" }] } };
  assert.equal(selects(notLike, { arn: table, tags: { env: "test" } }), false);
  assert.equal(selects(notLike, { arn: table, tags: {} }), true);
});

test("the estate merges tagged and protected resources, keeps supported types, and finds the uncovered", () => {
  const tagged = [
    { ResourceARN: volume, Tags: [{ Key: "Name", Value: "app" }, { Key: "backup", Value: "daily" }] },
    { ResourceARN: table, Tags: [{ Key: "Name", Value: "orders" }] },
  ];
  const protectedOnes = [{ ResourceArn: "arn:aws:s3:::logs", ResourceType: "S3", LastBackupTime: new Date() }];
  const estate = mergeEstate(tagged, protectedOnes, ["EBS", "DynamoDB"]);
  assert.deepEqual(estate.map((r) => r.name), ["app", "orders"]); // S3 is not a supported type here
  const plan = { BackupPlanName: "daily", rules: [], selections: [{ BackupSelection: { ListOfTags: [{ ConditionKey: "backup", ConditionValue: "daily" }] } }] };
  const covered = coverage(estate, [plan]);
  assert.deepEqual(covered.map((r) => r.plans.length), [1, 0]);
});
