// The assistant's chat: a question goes out as a POST (with the CSRF token) and the answer comes
// back as Server-Sent Events on the same response, read with fetch's stream (EventSource can
// only GET, which would put the question, and any candidate's name in it, into the URL).
// Answers are built from their parts with textContent and links only: nothing from the data is
// ever parsed as HTML.

import { $, api, el, memberBar, requireMember, showError } from "./api.js";

let csrf = null;
const error = $("error");

async function start() {
  const me = await requireMember();
  csrf = me.csrf_token;
  const params = new URLSearchParams(location.search);
  const orgs = me.organisations ?? [];
  const wanted = params.get("org") ?? orgs[0]?.org_id;
  $("org").replaceChildren(...orgs.map((o) => el("option", { value: o.org_id, selected: o.org_id === wanted, text: o.name })));
  memberBar(me, wanted);
  await loadCampaigns(params.get("campaign"));
  $("org").addEventListener("change", () => loadCampaigns(null));
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    ask($("question").value);
  });
  for (const button of document.querySelectorAll("button.example")) {
    button.addEventListener("click", () => {
      $("question").value = button.textContent;
      $("question").focus();
    });
  }
}

async function loadCampaigns(selected) {
  const orgId = $("org").value;
  if (!orgId) return;
  const list = await api(`/hiring/api/orgs/${orgId}/campaigns`);
  $("campaign").replaceChildren(el("option", { value: "", text: "Any campaign" }),
    ...list.map((c) => el("option", { value: c.campaign_id, selected: c.campaign_id === selected, text: c.name })));
}

function render(parts) {
  return parts.map((part) => {
    let node = part.kind === "data" ? el("q", { text: part.text }) : document.createTextNode(part.text);
    if (part.kind === "period") node = el("span", { class: "muted", text: part.text });
    // Server-made links only ever point into /hiring; anything else is shown as plain text.
    if (part.href && /^\/hiring(\/|\?|#|$)/.test(part.href)) {
      const link = el("a", { href: part.href, title: part.record ? `${part.record.type} ${part.record.id}` : undefined });
      link.append(node);
      return link;
    }
    return node;
  });
}

function* frames(buffer) {
  let end;
  while ((end = buffer.text.indexOf("\n\n")) >= 0) {
    const block = buffer.text.slice(0, end);
    buffer.text = buffer.text.slice(end + 2);
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) name = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    yield [name, JSON.parse(data.join("\n") || "null")];
  }
}

async function ask(question) {
  error.hidden = true;
  const orgId = $("org").value;
  const entry = el("li", {}, el("p", {}, el("strong", { text: "You: " }), question));
  const answer = el("div", { "aria-busy": "true" }, el("p", { class: "muted", text: "Looking it up…" }));
  entry.append(answer);
  $("log").prepend(entry);
  $("ask").disabled = true;
  try {
    const body = { question };
    if ($("campaign").value) body.campaign_id = $("campaign").value;
    const response = await fetch(`/hiring/api/orgs/${orgId}/assistant`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const payload = await response.json().catch(() => null);
      throw new Error(payload?.error?.message ?? `${response.status} ${response.statusText}`);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const buffer = { text: "" };
    let first = true;
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buffer.text += decoder.decode(value, { stream: true });
      for (const [name, data] of frames(buffer)) {
        if (name === "sentence") {
          if (first) answer.replaceChildren();
          first = false;
          answer.append(el("p", {}, ...render(data.parts)));
        } else if (name === "error") {
          throw new Error(data.message);
        } else if (name === "done") {
          answer.removeAttribute("aria-busy");
        }
      }
      if (done) break;
    }
  } catch (failure) {
    answer.replaceChildren();
    showError(error, failure);
  } finally {
    answer.removeAttribute("aria-busy");
    $("ask").disabled = false;
  }
}

start().catch((failure) => showError(error, failure));
