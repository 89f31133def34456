// The organisation's home: campaigns (and a new one, with suggested competencies and an
// interview plan), members and invitations, retention and the audit log (owners).

import { $, api, copyField, date, el, memberBar, requireMember, showError } from "./api.js";

const error = $("error");
const RANK = { viewer: 0, recruiter: 1, owner: 2 };
const chosen = [];
let lexicon = [];

function pickOrg(me) {
  const wanted = new URLSearchParams(location.search).get("org");
  return me.organisations.find((o) => o.org_id === wanted) ?? me.organisations[0] ?? null;
}

async function start() {
  const me = await requireMember();
  const org = pickOrg(me);
  memberBar(me, org?.org_id);
  if (!org) {
    $("org-name").textContent = "No organisation";
    $("org-role").textContent = "Ask an owner to invite you.";
    return;
  }
  if (me.organisations.length > 1) {
    const select = $("org-select");
    select.hidden = false;
    for (const o of me.organisations) select.append(el("option", { value: o.org_id, selected: o.org_id === org.org_id, text: o.name }));
    select.addEventListener("change", () => location.assign(`/hiring?org=${encodeURIComponent(select.value)}`));
  }
  $("org-name").textContent = org.name;
  $("org-role").textContent = `You are ${org.role === "owner" ? "an" : "a"} ${org.role} here.`;
  const base = `/hiring/api/orgs/${org.org_id}`;
  await showCampaigns(base);
  if (RANK[org.role] >= RANK.recruiter) setUpNewCampaign(base);
  await showMembers(base, org.role === "owner");
  if (org.role === "owner") {
    await setUpRetention(base);
    await showAudit(base);
  }
}

async function showCampaigns(base) {
  const campaigns = await api(`${base}/campaigns`);
  const body = $("campaigns");
  body.replaceChildren(...campaigns.map((c) => el("tr", {},
    el("td", {}, el("a", { href: `/hiring/campaigns/${c.campaign_id}`, text: c.name })),
    el("td", { text: c.role }),
    el("td", { class: "num", text: c.funnel.invited }),
    el("td", { class: "num", text: c.funnel.started }),
    el("td", { class: "num", text: c.funnel.completed }))));
  $("no-campaigns").hidden = campaigns.length > 0;
}

function renderCompetencies() {
  $("competencies").replaceChildren(...chosen.map((c, index) => el("li", {},
    el("span", { text: c.name, title: c.evidence?.length ? `found: ${c.evidence.join(", ")}` : "added by you" }),
    el("button", { type: "button", "aria-label": `Remove ${c.name}`, text: "×", onclick: () => { chosen.splice(index, 1); renderCompetencies(); } }))));
  $("no-competencies").hidden = chosen.length > 0;
}

function addQuestion(competency = "", question = "") {
  const list = $("questions");
  const number = list.children.length + 1;
  const id = `q-${Date.now()}-${number}`;
  const item = el("li", {},
    el("div", { class: "q-head" },
      el("label", { for: id, text: competency ? `${competency}` : `Question ${number}` }),
      el("button", { type: "button", class: "small", "aria-label": `Remove the question on ${competency || number}`, text: "Remove", onclick: () => item.remove() })),
    el("textarea", { id, rows: 2, maxlength: 1000, "data-competency": competency }, question));
  item.querySelector("textarea").value = question;
  list.append(item);
}

function addCompetency(entry) {
  if (chosen.some((c) => c.name.toLowerCase() === entry.name.toLowerCase())) return;
  chosen.push(entry);
  const known = lexicon.find((c) => c.name.toLowerCase() === entry.name.toLowerCase());
  // A competency of one's own gets a behavioural question to start from, edited like the rest.
  addQuestion(entry.name, entry.question ?? known?.question ?? `Tell me about a time that called for ${entry.name.toLowerCase()}. What did you do?`);
  renderCompetencies();
}

function setUpNewCampaign(base) {
  $("new-campaign").hidden = false;
  $("suggest").addEventListener("click", async () => {
    error.hidden = true;
    try {
      const answer = await api(`${base}/competencies/suggest`, { method: "POST", body: { job_description: $("c-job").value } });
      lexicon = answer.lexicon;
      $("lexicon").replaceChildren(...lexicon.map((c) => el("option", { value: c.name })));
      for (const s of answer.suggestions) addCompetency({ name: s.name, source: "suggested", evidence: s.evidence, question: s.question });
      if (!answer.suggestions.length) showError(error, "No competency of the list was found in the text: add your own.");
    } catch (failure) {
      showError(error, failure);
    }
  });
  const add = () => {
    const name = $("add-competency").value.trim();
    if (name) addCompetency({ name, source: "added", evidence: [] });
    $("add-competency").value = "";
    $("add-competency").focus();
  };
  $("add-competency-button").addEventListener("click", add);
  $("add-competency").addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); add(); } });
  $("add-question").addEventListener("click", () => { addQuestion(); $("questions").lastElementChild.querySelector("textarea").focus(); });
  $("campaign-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const plan = [...$("questions").querySelectorAll("textarea")]
      .filter((t) => t.value.trim())
      .map((t) => ({ competency: t.dataset.competency ?? "", question: t.value.trim() }));
    try {
      const made = await api(`${base}/campaigns`, {
        method: "POST",
        body: {
          name: $("c-name").value, role: $("c-role").value, job_description: $("c-job").value, instrument: "ipip-50",
          competencies: chosen.map(({ name, source, evidence }) => ({ name, source, evidence: evidence ?? [] })),
          interview_plan: plan,
        },
      });
      location.assign(`/hiring/campaigns/${made.campaign_id}`);
    } catch (failure) {
      showError(error, failure);
    }
  });
}

async function showMembers(base, isOwner) {
  const members = await api(`${base}/members`);
  $("members").replaceChildren(...members.map((m) => el("tr", {},
    el("td", { text: m.email }),
    el("td", { text: m.role }),
    el("td", {}, isOwner ? el("button", { type: "button", class: "danger", text: "Remove", "aria-label": `Remove ${m.email}`,
      onclick: async () => {
        try { await api(`${base}/members/${m.user_id}`, { method: "DELETE" }); await showMembers(base, isOwner); }
        catch (failure) { showError(error, failure); }
      } }) : null))));
  if (!isOwner) return;
  const form = $("invite-form");
  form.hidden = false;
  if (form.dataset.ready) return;
  form.dataset.ready = "1";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const invite = await api(`${base}/invites`, { method: "POST", body: { email: $("invite-email").value, role: $("invite-role").value } });
      $("invite-url").value = invite.invite_url;
      $("invite-result").hidden = false;
      $("invite-url").focus();
      $("invite-url").select();
    } catch (failure) {
      showError(error, failure);
    }
  });
  $("copy-invite").addEventListener("click", () => copyField($("invite-url"), $("copy-invite")));
}

async function setUpRetention(base) {
  const org = await api(base);
  $("settings").hidden = false;
  $("retention").value = org.retention_days;
  $("retention-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const saved = await api(base, { method: "PATCH", body: { retention_days: Number($("retention").value) } });
      $("retention-saved").textContent = `Saved: ${saved.retention_days} days.`;
    } catch (failure) {
      showError(error, failure);
    }
  });
}

const ACTIONS = {
  "candidate.viewed": "viewed a candidate",
  "candidate.report_viewed": "opened a candidate's report",
  "candidate.deleted": "deleted a candidate's data",
  "candidate.invited": "invited a candidate",
  "candidate.link_reissued": "issued a new link",
  "candidate.exported_own_data": "downloaded their own data",
  "campaign.exported_csv": "exported a campaign as CSV",
  "campaign.dashboard_viewed": "viewed a campaign's dashboard",
  "campaign.created": "created a campaign",
  "campaign.updated": "changed a campaign",
  "member.invited": "invited a member",
  "member.joined": "joined",
  "member.removed": "removed a member",
  "organisation.created": "created the organisation",
  "organisation.retention_changed": "changed the retention",
};

async function showAudit(base) {
  const { entries } = await api(`${base}/audit`);
  $("audit").hidden = false;
  $("audit-rows").replaceChildren(...entries.map((e) => el("tr", {},
    el("td", { text: date(e.at) }),
    el("td", { text: e.actor.label }),
    el("td", { text: ACTIONS[e.action] ?? e.action }),
    el("td", { class: "small", text: `${e.target.type} ${e.target.id ? e.target.id.slice(0, 8) : ""}${e.detail?.reason ? ` (${e.detail.reason})` : ""}` }))));
}

start().catch((failure) => showError(error, failure));
