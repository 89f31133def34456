// A campaign's dashboard: the funnel, each candidate's percentiles and flags, the distribution
// of each scale with the chosen candidate marked, reliability, the CSV export and invitations,
// and the chosen candidate's structured interview (interview-panel.js).

import { $, api, copyField, date, el, memberBar, ordinal, requireMember, showError, STATUS_TEXT } from "./api.js";
import { distribution, funnel } from "./charts.js";
import { renderAgreement, renderInterview } from "./interview-panel.js";

const error = $("error");
const campaignId = location.pathname.split("/").filter(Boolean)[2];
const RANK = { viewer: 0, recruiter: 1, owner: 2 };
let board = null;
let selectedId = null;
let selectedDetail = null;
let member = null;

async function start() {
  const me = await requireMember();
  member = me;
  await load();
  memberBar(me, board.campaign.org_id);
  if (RANK[board.role] >= RANK.recruiter) {
    $("invite-panel").hidden = false;
    const csv = $("csv");
    csv.hidden = false;
    csv.href = `/hiring/api/campaigns/${campaignId}/export.csv`;
    $("invite-form").addEventListener("submit", invite);
    $("copy-link").addEventListener("click", () => copyField($("cand-link"), $("copy-link")));
  }
  const wanted = new URLSearchParams(location.search).get("candidate");
  if (wanted) await select(wanted);
}

async function load() {
  board = await api(`/hiring/api/campaigns/${campaignId}/dashboard`);
  const c = board.campaign;
  document.title = `firstword hiring · ${c.name}`;
  $("title").textContent = c.name;
  $("subtitle").textContent = `Role: ${c.role} · questionnaire: ${board.instrument.title}`;
  $("funnel").replaceChildren(funnel(board.funnel));
  renderPeople();
  renderCharts();
  renderAlpha();
  renderPlan();
  renderAgreement($("agreement"), campaignId).catch((failure) => showError(error, failure));
}

function scales() {
  return board.instrument.scales;
}

function renderPeople() {
  $("people-head").replaceChildren(el("tr", {},
    el("th", { scope: "col", text: "Name" }),
    el("th", { scope: "col", text: "Status" }),
    ...scales().map((s) => el("th", { scope: "col", class: "num", text: s.label })),
    el("th", { scope: "col", text: "Flags" }),
    el("th", { scope: "col" }, el("span", { class: "visually-hidden", text: "Actions" }))));
  $("people").replaceChildren(...board.candidates.map((p) => el("tr", { "aria-selected": String(p.candidate_id === selectedId), "data-candidate": p.candidate_id },
    el("th", { scope: "row", text: p.name }),
    el("td", {}, el("span", { class: "pill", "data-status": p.status, text: STATUS_TEXT[p.status] ?? p.status })),
    ...scales().map((s) => el("td", { class: "num", text: p.scores ? ordinal(p.scores[s.name].percentile) : "–" })),
    el("td", { class: "small", text: p.flags.length ? p.flags.map((f) => f.replaceAll("_", " ")).join(", ") : (p.scores ? "none" : "") }),
    el("td", {}, el("div", { class: "row" },
      el("button", { type: "button", text: "Show", "aria-label": `Show ${p.name} on the distributions`, onclick: () => select(p.candidate_id) }),
      p.scores ? el("a", { href: `/hiring/candidates/${p.candidate_id}/report`, text: "Report" }) : null)))));
  $("no-people").hidden = board.candidates.length > 0;
}

function renderCharts() {
  const done = board.candidates.filter((p) => p.scores);
  $("dist-note").textContent = done.length
    ? `${done.length} completed candidate${done.length === 1 ? "" : "s"}; bars count candidates per band of 10 percentiles.`
    : "No completed questionnaire yet.";
  const chosen = board.candidates.find((p) => p.candidate_id === selectedId && p.scores);
  if (chosen) $("dist-note").textContent += ` The line marks ${chosen.name}; the shaded band is their 90 % range.`;
  $("charts").replaceChildren(...scales().map((s) => {
    const values = done.map((p) => p.scores[s.name].percentile).filter((v) => v !== null);
    const mine = chosen ? chosen.scores[s.name] : null;
    const selected = mine && mine.percentile !== null
      ? { name: chosen.name, percentile: mine.percentile, low: mine.range?.[0], high: mine.range?.[1] }
      : null;
    return el("div", { class: "chart" }, el("figure", {},
      el("figcaption", { text: s.label }),
      distribution({ label: s.label, values, selected })));
  }));
}

function renderAlpha() {
  $("alpha").replaceChildren(...board.reliability.scales.map((r) => el("tr", {},
    el("th", { scope: "row", text: scales().find((s) => s.name === r.scale)?.label ?? r.scale }),
    el("td", { class: "num", text: r.alpha === null ? "–" : r.alpha.toFixed(2) }),
    el("td", { class: "num", text: r.n }),
    el("td", { class: "num", text: r.published_alpha.toFixed(2) }),
    el("td", { class: r.warning ? "small warning" : "small", text: r.warning ?? "" }))));
}

function renderPlan() {
  const c = board.campaign;
  $("competency-list").replaceChildren(...c.competencies.map((k) => el("li", { title: k.evidence.length ? `found: ${k.evidence.join(", ")}` : "added" }, el("span", { text: k.name }))));
  $("plan-list").replaceChildren(...c.interview_plan.map((q) => el("li", {}, q.competency ? el("strong", { text: `${q.competency}: ` }) : null, q.question)));
  const norms = board.instrument.norms;
  $("norms").textContent = norms ? `Norms (${norms.population} population): ${norms.citation}` : "";
}

async function select(candidateId) {
  error.hidden = true;
  try {
    selectedDetail = await api(`/hiring/api/candidates/${candidateId}`);
  } catch (failure) {
    showError(error, failure);
    return;
  }
  selectedId = candidateId;
  const url = new URL(location.href);
  url.searchParams.set("candidate", candidateId);
  history.replaceState(null, "", url);
  renderPeople();
  renderCharts();
  renderSelected();
  showInterview(candidateId);
}

function showInterview(candidateId) {
  const section = $("interview");
  section.hidden = false;
  $("interview-title").textContent = `Interview: ${selectedDetail.name}`;
  const body = $("interview-body");
  body.replaceChildren(el("p", { class: "muted small", text: "Loading the interview…" }));
  renderInterview(body, {
    candidateId,
    campaignId,
    canRate: RANK[board.role] >= RANK.recruiter,
    me: member?.email,
    error,
    stale: () => selectedId !== candidateId,
    onRated: () => renderAgreement($("agreement"), campaignId).catch((failure) => showError(error, failure)),
  }).catch((failure) => showError(error, failure));
}

function renderSelected() {
  const d = selectedDetail;
  const panel = $("selected");
  panel.hidden = false;
  $("selected-title").textContent = d.name;
  const parts = [
    el("p", { class: "muted small", text: `${STATUS_TEXT[d.status] ?? d.status} · invited ${date(d.invited_at)}${d.completed_at ? ` · completed ${date(d.completed_at)}` : ""} · ${d.items_answered} of ${d.items_total} statements answered` }),
  ];
  if (d.scores) {
    parts.push(el("div", { class: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: "Scale" }), el("th", { scope: "col", class: "num", text: "Raw (10-50)" }),
        el("th", { scope: "col", class: "num", text: "Percentile" }), el("th", { scope: "col", class: "num", text: "90 % range" }))),
      el("tbody", {}, ...d.scores.scales.map((s) => el("tr", {},
        el("th", { scope: "row", text: s.label }),
        el("td", { class: "num", text: s.raw ?? "–" }),
        el("td", { class: "num", text: ordinal(s.percentile) }),
        el("td", { class: "num", text: s.range ? `${ordinal(s.range.percentile_low)} – ${ordinal(s.range.percentile_high)}` : (s.reason ?? "–") })))))));
    parts.push(el("h3", { text: "Response quality" }));
    parts.push(d.scores.flags.length
      ? el("ul", { class: "flags" }, ...d.scores.flags.map((f) => el("li", {}, el("span", { class: "flag-code", text: `${f.code.replaceAll("_", " ")}: ` }), f.message)))
      : el("p", { class: "small", text: "No flag: nothing in the answers' pattern or timing makes them doubtful." }));
    parts.push(el("p", {}, el("a", { href: `/hiring/candidates/${d.candidate_id}/report`, text: "Printable report" })));
  } else {
    parts.push(el("p", { text: "No scores until the questionnaire is completed." }));
  }
  if (RANK[board.role] >= RANK.recruiter && d.status !== "completed") {
    parts.push(el("button", { type: "button", text: "Issue a new link", onclick: async () => {
      const fresh = await api(`/hiring/api/candidates/${d.candidate_id}/link`, { method: "POST" }).catch((f) => showError(error, f));
      if (fresh) showLink(d.name, fresh.invite_url);
    } }));
  }
  if (board.role === "owner") {
    parts.push(el("button", { type: "button", class: "danger", text: "Delete this candidate's data", onclick: async (event) => {
      const button = event.currentTarget;
      if (button.dataset.armed !== "1") {
        button.dataset.armed = "1";
        button.textContent = "Press again to delete for good";
        return;
      }
      try {
        await api(`/hiring/api/candidates/${d.candidate_id}`, { method: "DELETE" });
        selectedId = null;
        panel.hidden = true;
        $("interview").hidden = true;
        await load();
      } catch (failure) {
        showError(error, failure);
      }
    } }));
  }
  $("selected-body").replaceChildren(...parts);
}

function showLink(name, url) {
  $("link-for").textContent = `Send this link to ${name}:`;
  $("cand-link").value = url;
  $("link-result").hidden = false;
  $("cand-link").focus();
  $("cand-link").select();
}

async function invite(event) {
  event.preventDefault();
  error.hidden = true;
  const name = $("cand-name").value;
  try {
    const made = await api(`/hiring/api/campaigns/${campaignId}/candidates`, {
      method: "POST", body: { name, email: $("cand-email").value || null },
    });
    $("invite-form").reset();
    showLink(name, made.invite_url);
    await load();
  } catch (failure) {
    showError(error, failure);
  }
}

start().catch((failure) => showError(error, failure));
