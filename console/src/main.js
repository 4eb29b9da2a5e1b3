// The console's shell: sign in (local credentials pre-filled when `serve` hosts it), a hash router over the pages,
// and the virtual clock in the header when local.
import { current, loadConfig, now, signIn } from "./api.js";
import { destroyAll } from "./charts.js";
import { cognitoCredentials, redirectToSignIn } from "./cognito.js";
import { esc } from "./format.js";
import * as jobs from "./pages/jobs.js";
import * as overview from "./pages/overview.js";
import * as plans from "./pages/plans.js";
import * as vaults from "./pages/vaults.js";

const main = document.getElementById("page");
let leave = () => {};
let rendering = 0;

function showError(error) {
  console.warn(error); // a warning, not an error: the page shows it, and the browser tests fail on console errors
  main.insertAdjacentHTML("beforeend", `<p class="error" role="alert">${esc(error.name)}: ${esc(error.message)}</p>`);
}

function navigate(hash, force = false) {
  if (window.location.hash === hash && force) route();
  else window.location.hash = hash;
}

async function route() {
  leave();
  leave = () => {};
  destroyAll();
  const ticket = ++rendering;
  const [path, query = ""] = (window.location.hash.slice(1) || "/overview").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  for (const link of document.querySelectorAll("header nav a")) {
    link.classList.toggle("active", path.startsWith(link.getAttribute("href").slice(1)));
  }
  main.dataset.loaded = "false";
  main.innerHTML = "<p class=\"note\">Loading...</p>";
  try {
    if (parts[0] === "plans") await plans.render(main, navigate);
    else if (parts[0] === "vaults" && parts[1]) await vaults.renderVault(main, parts[1], navigate);
    else if (parts[0] === "vaults") await vaults.renderList(main);
    else if (parts[0] === "restore") await vaults.renderRestore(main, parts[1], parts[2], navigate);
    else if (parts[0] === "jobs") await jobs.renderList(main, params, navigate);
    else if (parts[0] === "job") leave = await jobs.renderJob(main, parts[1], parts[2], showError);
    else await overview.render(main, navigate);
  } catch (error) {
    showError(error);
  }
  if (ticket === rendering) main.dataset.loaded = "true"; // what the browser tests wait for
  await showClock();
}

async function showClock() {
  if (!current().config.local) return;
  const at = await now();
  document.getElementById("clock").textContent = `virtual clock ${at.toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

function signInForm(config) {
  const saved = JSON.parse(sessionStorage.getItem("strongroom-credentials") || "null");
  const prefill = saved || config.credentials || {};
  main.innerHTML = `<h1>Sign in</h1>
    <form class="panel" id="sign-in">
      <p class="note">${config.local ? "The local runtime's credentials are filled in." : "Credentials that may call the Backup API."}</p>
      <label>Access key<input name="accessKeyId" value="${esc(prefill.accessKeyId || "")}" autocomplete="off"></label>
      <label>Secret key<input name="secretAccessKey" type="password" value="${esc(prefill.secretAccessKey || "")}" autocomplete="off"></label>
      <button>Sign in</button>
    </form>`;
  main.dataset.loaded = "true";
  main.querySelector("#sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const credentials = { accessKeyId: form.accessKeyId.value.trim(), secretAccessKey: form.secretAccessKey.value.trim() };
    sessionStorage.setItem("strongroom-credentials", JSON.stringify(credentials));
    start(config, credentials);
  });
}

function start(config, credentials) {
  signIn(config, credentials);
  // the virtual clock moves when a test or a person advances it: keep the header current
  if (config.local) setInterval(() => showClock().catch(showError), 2000);
  document.getElementById("who").textContent = `${config.region} · ${credentials.accessKeyId}`;
  window.addEventListener("hashchange", route);
  route();
}

// Deployed: Cognito's hosted UI, then the identity pool's credentials (cognito.js); the form only says where to go.
async function cognitoSignIn(config) {
  const credentials = await cognitoCredentials(config);
  if (credentials) return start(config, credentials);
  main.innerHTML = `<h1>Sign in</h1>
    <form class="panel" id="sign-in"><p class="note">Sign in with your Strongroom console account.</p><button>Sign in</button></form>`;
  main.dataset.loaded = "true";
  main.querySelector("#sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    redirectToSignIn(config).catch(showError);
  });
}

loadConfig().then(
  (config) => {
    if (config.cognito) return cognitoSignIn(config).catch(showError);
    const saved = JSON.parse(sessionStorage.getItem("strongroom-credentials") || "null");
    if (saved) start(config, saved);
    else signInForm(config);
  },
  (error) => showError(error),
);
