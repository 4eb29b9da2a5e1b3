// Deployed sign-in (console/src/cognito.js) on fakes: the hosted UI's redirect, the code exchange with PKCE, the
// identity pool's credentials, and a sign-in answer that does not match its request refused.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { beforeEach, test } from "node:test";

const config = {
  region: "eu-west-1",
  cognito: {
    domain: "https://strongroom-111111111111.auth.eu-west-1.amazoncognito.com",
    clientId: "client123",
    userPoolId: "eu-west-1_pool",
    identityPoolId: "eu-west-1:identity-pool",
  },
};

class Storage {
  constructor() { this.items = new Map(); }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
  removeItem(key) { this.items.delete(key); }
}

let calls;
let assigned;

function browserAt(url) {
  const location = new URL(url);
  globalThis.window = {
    location: {
      origin: location.origin,
      pathname: location.pathname,
      search: location.search,
      hash: location.hash,
      assign: (to) => { assigned = to; },
    },
    history: { replaceState: (_state, _title, to) => { globalThis.window.location.search = ""; calls.push({ replaced: to }); } },
  };
}

// Cognito's token endpoint and Cognito Identity, as the page sees them
globalThis.fetch = async (url, init) => {
  calls.push({ url, init });
  const json = (body) => ({ ok: true, status: 200, json: async () => body });
  if (url.endsWith("/oauth2/token")) return json({ id_token: "the-id-token", access_token: "a", token_type: "Bearer" });
  const target = init.headers["X-Amz-Target"];
  if (target.endsWith(".GetId")) return json({ IdentityId: "eu-west-1:person" });
  if (target.endsWith(".GetCredentialsForIdentity")) {
    return json({
      IdentityId: "eu-west-1:person",
      Credentials: { AccessKeyId: "ASIAEXAMPLE", SecretKey: "secret", SessionToken: "token", Expiration: Date.now() / 1000 + 3600 },
    });
  }
  throw new Error(`unexpected call ${url}`);
};

const { cognitoCredentials, redirectToSignIn } = await import("../src/cognito.js");

beforeEach(() => {
  calls = [];
  assigned = null;
  globalThis.sessionStorage = new Storage();
});

test("sign-in goes to the hosted UI with a PKCE challenge of a verifier kept in the tab", async () => {
  browserAt("https://d111.cloudfront.net/#/plans");
  await redirectToSignIn(config);
  const to = new URL(assigned);
  assert.equal(`${to.origin}${to.pathname}`, `${config.cognito.domain}/oauth2/authorize`);
  assert.equal(to.searchParams.get("response_type"), "code");
  assert.equal(to.searchParams.get("client_id"), "client123");
  assert.equal(to.searchParams.get("redirect_uri"), "https://d111.cloudfront.net/");
  assert.equal(to.searchParams.get("code_challenge_method"), "S256");
  const verifier = sessionStorage.getItem("strongroom-pkce-verifier");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  assert.equal(to.searchParams.get("code_challenge"), challenge);
  assert.equal(to.searchParams.get("state"), sessionStorage.getItem("strongroom-pkce-state"));
});

test("the hosted UI's answer becomes the identity pool's credentials, and the code leaves the address bar", async () => {
  // Given a sign-in started in this tab, and Cognito's answer in the address bar
  browserAt("https://d111.cloudfront.net/#/plans");
  await redirectToSignIn(config);
  const state = sessionStorage.getItem("strongroom-pkce-state");
  const verifier = sessionStorage.getItem("strongroom-pkce-verifier");
  browserAt(`https://d111.cloudfront.net/?code=the-code&state=${state}#/plans`);
  // When the page reads its credentials
  const credentials = await cognitoCredentials(config);
  // Then the code was traded with its verifier, and the ID token logged in to the identity pool
  const [token, getId, getCredentials, replaced] = calls;
  const form = new URLSearchParams(token.init.body);
  assert.equal(form.get("code"), "the-code");
  assert.equal(form.get("code_verifier"), verifier);
  assert.equal(form.get("redirect_uri"), "https://d111.cloudfront.net/");
  const logins = { "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool": "the-id-token" };
  assert.deepEqual(JSON.parse(getId.init.body), { IdentityPoolId: "eu-west-1:identity-pool", Logins: logins });
  assert.equal(getId.url, "https://cognito-identity.eu-west-1.amazonaws.com/");
  assert.deepEqual(JSON.parse(getCredentials.init.body), { IdentityId: "eu-west-1:person", Logins: logins });
  // And the SDK gets temporary credentials, the code is gone from the address and the verifier is spent
  assert.equal(credentials.accessKeyId, "ASIAEXAMPLE");
  assert.equal(credentials.sessionToken, "token");
  assert.ok(credentials.expiration instanceof Date && credentials.expiration > new Date());
  assert.deepEqual(replaced, { replaced: "/#/plans" });
  assert.equal(sessionStorage.getItem("strongroom-pkce-verifier"), null);
  // And a reload in the same tab signs in without Cognito
  calls = [];
  assert.equal((await cognitoCredentials(config)).accessKeyId, "ASIAEXAMPLE");
  assert.deepEqual(calls, []);
});

test("an answer that does not match this tab's request is refused, and nothing is called", async () => {
  browserAt("https://d111.cloudfront.net/");
  await redirectToSignIn(config);
  browserAt("https://d111.cloudfront.net/?code=stolen&state=someone-elses");
  await assert.rejects(cognitoCredentials(config), /does not match/);
  assert.deepEqual(calls, []);
});

test("no saved credentials, or nearly expired ones, mean signing in again", async () => {
  browserAt("https://d111.cloudfront.net/");
  assert.equal(await cognitoCredentials(config), null);
  const soon = new Date(Date.now() + 30_000).toISOString();
  sessionStorage.setItem("strongroom-cognito-credentials", JSON.stringify({ accessKeyId: "A", expiration: soon }));
  assert.equal(await cognitoCredentials(config), null);
});
