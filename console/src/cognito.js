// Sign-in when deployed (config.json has `cognito`): Cognito's hosted UI with the authorization code flow and PKCE
// (the page keeps no secret and needs no server of ours), then the identity pool trades the ID token for
// credentials of its signed-in role, which the SDK signs the API calls with. Both Cognito calls are plain fetches:
// the token endpoint is OAuth 2.0, and GetId / GetCredentialsForIdentity are unsigned JSON 1.1 calls.
const VERIFIER = "strongroom-pkce-verifier";
const STATE = "strongroom-pkce-state";
const SAVED = "strongroom-cognito-credentials";

function randomText(bytes = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function redirectUri() {
  return `${window.location.origin}/`;
}

// To the hosted UI; it comes back to redirectUri() with ?code=...&state=...
export async function redirectToSignIn(config) {
  const verifier = randomText();
  const state = randomText(16);
  sessionStorage.setItem(VERIFIER, verifier);
  sessionStorage.setItem(STATE, state);
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.cognito.clientId,
    redirect_uri: redirectUri(),
    scope: "openid",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  window.location.assign(`${config.cognito.domain}/oauth2/authorize?${query}`);
}

async function identityCall(config, target, body) {
  const answer = await fetch(`https://cognito-identity.${config.region}.amazonaws.com/`, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityService.${target}` },
    body: JSON.stringify(body),
  });
  const result = await answer.json();
  if (!answer.ok) throw new Error(`${target}: ${result.__type || answer.status} ${result.message || ""}`);
  return result;
}

async function exchange(config, code, state) {
  const verifier = sessionStorage.getItem(VERIFIER);
  if (!verifier || state !== sessionStorage.getItem(STATE)) throw new Error("sign-in answer does not match its request");
  sessionStorage.removeItem(VERIFIER);
  sessionStorage.removeItem(STATE);
  const answer = await fetch(`${config.cognito.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: config.cognito.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: verifier,
    }),
  });
  const tokens = await answer.json();
  if (!answer.ok) throw new Error(`sign-in: ${tokens.error || answer.status}`);
  const logins = { [`cognito-idp.${config.region}.amazonaws.com/${config.cognito.userPoolId}`]: tokens.id_token };
  const { IdentityId } = await identityCall(config, "GetId", { IdentityPoolId: config.cognito.identityPoolId, Logins: logins });
  const { Credentials } = await identityCall(config, "GetCredentialsForIdentity", { IdentityId, Logins: logins });
  return {
    accessKeyId: Credentials.AccessKeyId,
    secretAccessKey: Credentials.SecretKey,
    sessionToken: Credentials.SessionToken,
    expiration: new Date(Credentials.Expiration * 1000).toISOString(),
  };
}

// The signed-in person's credentials: fresh from a sign-in answer in the URL, or saved in this tab; null when
// there are none (or they expire within a minute), so the caller offers the sign-in.
export async function cognitoCredentials(config) {
  const query = new URLSearchParams(window.location.search);
  if (query.has("code")) {
    const credentials = await exchange(config, query.get("code"), query.get("state"));
    sessionStorage.setItem(SAVED, JSON.stringify(credentials));
    window.history.replaceState(null, "", `${window.location.pathname}${window.location.hash}`);
  }
  const saved = JSON.parse(sessionStorage.getItem(SAVED) || "null");
  if (!saved || new Date(saved.expiration).getTime() < Date.now() + 60_000) return null;
  return { ...saved, expiration: new Date(saved.expiration) };
}
