// A candidate's printable report: percentiles with their ranges, flags explained, the plan.

import { $, api, day, el, ordinal, requireMember, showError } from "./api.js";
import { percentileBar } from "./charts.js";

const error = $("error");
const candidateId = location.pathname.split("/").filter(Boolean)[2];

async function start() {
  const me = await requireMember();
  $("who").textContent = me.email;
  $("print").addEventListener("click", () => window.print());
  const r = await api(`/hiring/api/candidates/${candidateId}/report`);
  $("back").href = `/hiring/campaigns/${r.campaign.campaign_id}?candidate=${candidateId}`;
  document.title = `Report · ${r.name}`;
  $("name").textContent = r.name;
  $("meta").textContent = `${r.campaign.role} · ${r.campaign.name} · ${r.completed_at ? `completed ${day(r.completed_at)}` : "not completed"}`;
  $("instrument").textContent = `${r.instrument.title}: ${r.items_answered} of ${r.items_total} statements answered.`;
  if (r.scores) {
    $("scales").replaceChildren(...r.scores.scales.map((s) => el("div", { class: "scale-row" },
      el("span", { text: s.label }),
      percentileBar({ label: s.label, percentile: s.percentile, low: s.range?.percentile_low, high: s.range?.percentile_high }),
      el("span", { class: "value", text: s.percentile === null ? "–" : ordinal(s.percentile) }))));
    $("score-rows").replaceChildren(...r.scores.scales.map((s) => el("tr", {},
      el("th", { scope: "row", text: s.label }),
      el("td", { class: "num", text: s.raw ?? "–" }),
      el("td", { class: "num", text: `${s.items_answered}/${s.items_total}` }),
      el("td", { class: "num", text: ordinal(s.percentile) }),
      el("td", { class: "num", text: s.range ? `${ordinal(s.range.percentile_low)} – ${ordinal(s.range.percentile_high)}` : (s.reason ?? "–") }))));
    $("flags").replaceChildren(r.scores.flags.length
      ? el("ul", { class: "flags" }, ...r.scores.flags.map((f) => el("li", {}, el("span", { class: "flag-code", text: `${f.code.replaceAll("_", " ")}: ` }), f.message)))
      : el("p", { text: "No flag: nothing in the answers' pattern or timing makes them doubtful." }));
  } else {
    $("scales").replaceChildren(el("p", { text: "No scores: the questionnaire is not completed." }));
    $("flags").replaceChildren(el("p", { class: "muted", text: "–" }));
  }
  $("competencies").replaceChildren(...r.campaign.competencies.map((c) => el("li", { text: c.name })));
  $("plan").replaceChildren(...r.campaign.interview_plan.map((q) => el("li", {}, q.competency ? el("strong", { text: `${q.competency}: ` }) : null, q.question)));
  const norms = r.instrument.norms;
  $("norms").textContent = norms ? `Norms: ${norms.citation}` : "";
  $("report").hidden = false;
}

start().catch((failure) => showError(error, failure));
