// Sign in, sign up (while the server allows it) and join by a member's invitation (#invite=).

import { $, api, dropFragment, fragment, preSession, showError } from "./api.js";

const error = $("error");

function next() {
  const wanted = new URLSearchParams(location.search).get("next") ?? "";
  // Only back into the hiring pages of this very site (no open redirect).
  return /^\/hiring(\/|\?|$)/.test(wanted) && !wanted.startsWith("//") ? wanted : "/hiring";
}

function submitting(form, run) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await run();
      location.assign(next());
    } catch (failure) {
      showError(error, failure);
      button.disabled = false;
    }
  });
}

async function start() {
  const invite = fragment("invite");
  const { signup_open: signupOpen } = await preSession();
  if (invite) {
    dropFragment();
    $("join-panel").hidden = false;
    $("auth-forms").hidden = true;
    submitting($("join-form"), () =>
      api("/hiring/api/join", { method: "POST", body: { token: invite, password: $("join-password").value } }));
    $("join-password").focus();
    return;
  }
  $("signup-panel").hidden = !signupOpen;
  submitting($("login-form"), () =>
    api("/hiring/api/login", { method: "POST", body: { email: $("login-email").value, password: $("login-password").value } }));
  submitting($("signup-form"), () =>
    api("/hiring/api/signup", {
      method: "POST",
      body: { organisation: $("signup-org").value, email: $("signup-email").value, password: $("signup-password").value },
    }));
}

start().catch((failure) => showError(error, failure));
