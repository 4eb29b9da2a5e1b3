// Schedules in words and next runs, as the plans page and the RPO targets use them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { describe, nextRuns, period } from "../src/schedule.js";

const at = new Date("2026-05-01T10:00:00Z");

test("a daily 05:00 UTC rule reads as such and next runs tomorrow at 05:00", () => {
  assert.equal(describe("cron(0 5 ? * * *)"), "every day at 05:00 (UTC)");
  assert.deepEqual(nextRuns("cron(0 5 ? * * *)", "Etc/UTC", at, 2).map((d) => d.toISOString()),
    ["2026-05-02T05:00:00.000Z", "2026-05-03T05:00:00.000Z"]);
  assert.equal(period("cron(0 5 ? * * *)", "Etc/UTC", at), 86400000);
});

test("weekdays by name, day-of-week 1 is Sunday as in AWS cron", () => {
  assert.equal(describe("cron(30 22 ? * MON-FRI *)"), "on Monday, Tuesday, Wednesday, Thursday, Friday at 22:30 (UTC)");
  // 2026-05-01 is a Friday: next are Friday 22:30, then Monday 22:30
  assert.deepEqual(nextRuns("cron(30 22 ? * MON-FRI *)", "UTC", at, 2).map((d) => d.toISOString()),
    ["2026-05-01T22:30:00.000Z", "2026-05-04T22:30:00.000Z"]);
  assert.deepEqual(nextRuns("cron(0 1 ? * 1 *)", "UTC", at, 1).map((d) => d.toISOString()), ["2026-05-03T01:00:00.000Z"]);
  // the longest gap (Friday to Monday) is the RPO the rule promises
  assert.equal(period("cron(30 22 ? * MON-FRI *)", "UTC", at), 3 * 86400000);
});

test("a rule in a time zone runs at its wall-clock time, across a daylight-saving change", () => {
  // 02:00 in New York is 06:00 UTC in May (EDT)
  assert.equal(nextRuns("cron(0 2 ? * * *)", "America/New_York", at, 1)[0].toISOString(), "2026-05-02T06:00:00.000Z");
  // and 07:00 UTC after the clocks go back on 1 November
  const autumn = new Date("2026-11-01T12:00:00Z");
  assert.equal(nextRuns("cron(0 2 ? * * *)", "America/New_York", autumn, 1)[0].toISOString(), "2026-11-02T07:00:00.000Z");
});

test("steps, hours and monthly rules", () => {
  assert.equal(describe("cron(15 0/6 ? * * *)"), "every 6 hours at minute 15 (UTC)");
  assert.equal(period("cron(15 0/6 ? * * *)", "UTC", at), 6 * 3600000);
  assert.equal(describe("cron(0 3 1 * ? *)"), "on day 1 of the month at 03:00 (UTC)");
  assert.equal(nextRuns("cron(0 3 1 * ? *)", "UTC", at, 1)[0].toISOString(), "2026-06-01T03:00:00.000Z");
  assert.equal(period("rate(12 hours)", "UTC", at), 12 * 3600000);
});

test("what the console cannot compute gives no next runs rather than wrong ones", () => {
  assert.deepEqual(nextRuns("cron(0 3 L * ? *)", "UTC", at), []);
  assert.deepEqual(nextRuns("rate(1 day)", "UTC", at), []);
  assert.equal(period("cron(0 3 L * ? *)", "UTC", at), null);
  assert.equal(describe(undefined), "on demand only");
});
