// The console's only doors: Strongroom's AWS Backup API (the operations the CLI uses, signed with SigV4 by the
// AWS SDK, as any AWS client signs) and, for the estate the Backup API cannot list, the Resource Groups Tagging
// API through the same endpoint. Locally, /_strongroom/clock adds the virtual clock.
import { BackupClient } from "@aws-sdk/client-backup";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";

let session = null;

// /console/config.json: written by `serve` locally (endpoint, Region, the local credentials to pre-fill).
export async function loadConfig() {
  const answer = await fetch("config.json", { cache: "no-store" });
  if (!answer.ok) throw new Error(`config.json: HTTP ${answer.status}`);
  return answer.json();
}

export function signIn(config, credentials) {
  const common = {
    region: config.region,
    endpoint: config.endpoint || window.location.origin,
    credentials,
    maxAttempts: 3,
  };
  // A deployed Strongroom's API Gateway takes signatures for `execute-api` (clients/strongroom_backup.py does the
  // same for boto3); config.json names it there. Without it the SDK signs for `backup`, as locally.
  const signedFor = config.signingName ? { signingName: config.signingName } : {};
  session = {
    config,
    backup: new BackupClient({ ...common, ...signedFor }),
    // Deployed, the Tagging API is AWS's own (the signed-in role may call tag:GetResources); locally, the edge's.
    tagging: new ResourceGroupsTaggingAPIClient(config.cognito ? { ...common, endpoint: undefined } : common),
  };
  return session;
}

export function current() {
  if (!session) throw new Error("not signed in");
  return session;
}

export async function call(client, Command, input = {}) {
  return current()[client].send(new Command(input));
}

// Every page of a List* call: the console shows totals, so it never stops at the first page.
export async function all(client, Command, input, key, tokenIn = "NextToken", tokenOut = "NextToken") {
  const found = [];
  let token;
  do {
    const page = await call(client, Command, token ? { ...input, [tokenIn]: token } : input);
    found.push(...(page[key] || []));
    token = page[tokenOut];
  } while (token);
  return found;
}

// "Now" for ages, RPO and next runs: the virtual clock when local (the engine's own time), the wall clock else.
export async function now() {
  const config = current().config;
  if (!config.local) return new Date();
  const answer = await fetch(new URL("/_strongroom/clock", config.endpoint || window.location.origin));
  if (!answer.ok) throw new Error(`virtual clock: HTTP ${answer.status}`);
  return new Date((await answer.json()).now);
}
