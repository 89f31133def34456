// The interview panel of the campaign dashboard: a candidate's transcript (pasted and uploaded
// when there is none), the quality gate's verdict, and per competency the anchored scale, the
// rule's suggestion with its quotes (by sequence number), and the rater's own 1-5 rating, which
// alone makes the score. Also the campaign's inter-rater agreement table. Text goes in with
// textContent only (el()'s "text"); every POST carries the CSRF token through api().

import { api, el, showError } from "./api.js";

const LEVELS = [1, 2, 3, 4, 5];

function fmt(value) {
  if (value === null || value === undefined) return "–";
  return Number.isInteger(value) ? String(value) : Number(value).toFixed(2);
}

/**
 * Renders the interview of one candidate into ``container``.
 * options: candidateId, campaignId, canRate (recruiter or owner), me (the signed-in email),
 * error (the page's alert node), onRated (called after a rating is saved).
 */
export async function renderInterview(container, options) {
  const { candidateId } = options;
  const base = `/hiring/api/candidates/${candidateId}/interview`;
  const [view, hints, scales] = await Promise.all([
    api(base),
    api(`${base}/suggestions`),
    api(`/hiring/api/campaigns/${options.campaignId}/interview-scales`),
  ]);
  if (options.stale?.()) return;
  const parts = [];
  if (!view.interview_id) {
    parts.push(el("p", { class: "muted small", text: "No interview transcript yet." }));
    if (options.canRate) parts.push(uploadForm(container, options, base, "Upload the transcript"));
  } else if (!view.scored) {
    parts.push(el("p", { class: "notice warn", text: "This interview is not scored: the transcript did not pass the quality gate." }));
    const reasons = view.quality?.reasons ?? [];
    parts.push(el("ul", { class: "flags", "data-gate": "reasons" }, ...reasons.map((r) => el("li", { text: r }))));
    if (options.canRate) parts.push(uploadForm(container, options, base, "Upload a better transcript"));
  } else {
    const q = view.quality;
    parts.push(el("p", { class: "muted small", text: `Transcript of ${view.utterances.length} lines (${q.candidate_words} words from the candidate). Suggestions follow fixed rules and quote the transcript by line number (seq); only a rater's own rating makes the score.` }));
    const hintFor = new Map((hints.suggestions ?? []).map((s) => [s.competency, s]));
    const scaleFor = new Map((scales.scales ?? []).map((s) => [s.competency, s]));
    if (!view.scores.length) parts.push(el("p", { class: "muted small", text: "The campaign has no interview plan: no competency to rate." }));
    view.scores.forEach((entry, index) => {
      parts.push(competencyBlock(container, options, base, entry, index, hintFor.get(entry.competency), scaleFor.get(entry.competency)));
    });
  }
  container.replaceChildren(...parts);
}

function uploadForm(container, options, base, buttonText) {
  const status = el("p", { class: "small", role: "status" });
  const area = el("textarea", { id: "iv-transcript", rows: 8, required: true, maxlength: 200000, "aria-describedby": "iv-transcript-hint" });
  const form = el("form", { class: "grid-form", id: "iv-upload" },
    el("div", { class: "field" },
      el("label", { for: "iv-transcript", text: "Interview transcript" }),
      el("p", { class: "hint", id: "iv-transcript-hint", text: "Paste it one line per turn, each starting \"Interviewer:\" or \"Candidate:\" (or Q: / A:). A new upload replaces the earlier transcript and its ratings." }),
      area),
    el("div", { class: "actions" }, el("button", { class: "primary", type: "submit", id: "iv-upload-button", text: buttonText })),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    options.error.hidden = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    status.textContent = "Uploading…";
    try {
      await api(base, { method: "POST", body: { text: area.value } });
      await renderInterview(container, options);
      container.querySelector("h3")?.focus();
    } catch (failure) {
      status.textContent = "";
      button.disabled = false;
      showError(options.error, failure);
    }
  });
  return form;
}

function scaleList(scale) {
  const anchors = scale?.anchors ?? {};
  return el("dl", { class: "anchors" }, ...LEVELS.filter((n) => anchors[String(n)]).map((n) => [
    el("dt", { text: String(n) }), el("dd", { text: anchors[String(n)] }),
  ]));
}

function suggestionBlock(hint) {
  if (!hint || !hint.suggestion) {
    return el("div", { class: "suggestion" },
      el("p", { class: "small" }, el("strong", { text: "Suggested: none. " }), sentence(hint?.reason ?? "no suggestion")));
  }
  const s = hint.suggestion;
  return el("div", { class: "suggestion" },
    el("p", { class: "small" }, el("strong", { text: `Suggested: ${s.rating}` }), s.anchor ? ` (${s.anchor})` : ""),
    el("ul", { class: "evidence" }, ...s.evidence.map((e) => el("li", {},
      el("span", { class: "seq", text: `seq ${e.seq}` }), " ", el("span", { class: "shows", text: `${e.shows}: ` }),
      el("q", { text: e.quote })))),
    el("details", { class: "small" }, el("summary", { text: "Why this level" }), el("p", { text: s.why })));
}

function scoreLine(entry, me) {
  const mine = entry.ratings.find((r) => r.rater === me);
  const others = entry.ratings.filter((r) => r.rater !== me);
  if (entry.score === null || entry.score === undefined) {
    return el("p", { class: "score muted small", text: `Score: none (${entry.reason ?? "not rated"})` });
  }
  const bits = [];
  if (mine) bits.push(`your rating ${mine.rating}`);
  for (const r of others) bits.push(`${r.rater}: ${r.rating}`);
  return el("p", { class: "score" },
    el("strong", { text: `Score: ${fmt(entry.score)}` }), ` (${bits.join("; ")})`,
    ...entry.ratings.filter((r) => r.note).map((r) => el("span", { class: "small muted note", text: ` Note by ${r.rater === me ? "you" : r.rater}: ${r.note}` })));
}

function ratingForm(container, options, base, entry, index) {
  const mine = entry.ratings.find((r) => r.rater === options.me);
  const prefix = `iv-${index}`;
  const status = el("p", { class: "small", role: "status" });
  const form = el("form", { class: "rate-form", "data-competency": entry.competency },
    el("fieldset", { class: "item" },
      el("legend", { text: `Your rating of ${entry.competency}` }),
      el("div", { class: "choices five" }, ...LEVELS.map((n) => el("label", {},
        el("input", { type: "radio", name: `${prefix}-rating`, value: n, id: `${prefix}-r${n}`, required: true, checked: mine?.rating === n }),
        el("span", { text: String(n) }))))),
    el("div", { class: "field" },
      el("label", { for: `${prefix}-note`, text: "Note (optional)" }),
      el("textarea", { id: `${prefix}-note`, rows: 2, maxlength: 4000 })),
    el("div", { class: "actions" }, el("button", { type: "submit", id: `${prefix}-submit`, text: mine ? "Change my rating" : "Submit my rating" })),
    status);
  if (mine?.note) form.querySelector("textarea").value = mine.note;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    options.error.hidden = true;
    const chosen = form.querySelector("input[type=radio]:checked");
    if (!chosen) {
      status.textContent = "Choose a rating from 1 to 5 first.";
      return;
    }
    try {
      await api(`${base}/ratings`, { method: "POST", body: {
        competency: entry.competency, rating: Number(chosen.value), note: form.querySelector("textarea").value,
      } });
      await renderInterview(container, options);
      container.querySelector(`#${prefix}-title`)?.focus();
      options.onRated?.();
    } catch (failure) {
      showError(options.error, failure);
    }
  });
  return form;
}

function competencyBlock(container, options, base, entry, index, hint, scale) {
  return el("article", { class: "competency", "data-competency": entry.competency, "aria-labelledby": `iv-${index}-title` },
    el("h3", { id: `iv-${index}-title`, tabindex: "-1", text: entry.competency }),
    hint?.question ? el("p", { class: "small muted" }, "Question", hint.question_seq ? ` (seq ${hint.question_seq})` : "", `: ${hint.question}`) : null,
    el("h4", { text: "Anchored scale" }),
    scaleList(scale),
    suggestionBlock(hint),
    scoreLine(entry, options.me),
    options.canRate ? ratingForm(container, options, base, entry, index) : null);
}

/** The campaign's inter-rater agreement on interview ratings, as a small table. */
export async function renderAgreement(container, campaignId) {
  const data = await api(`/hiring/api/campaigns/${campaignId}/interview-agreement`);
  const parts = [el("p", { class: "muted small", text: "Agreement between raters on the same candidates' competencies (scored interviews only): quadratic weighted kappa, exact and within-one-point agreement." })];
  if (!data.overall) {
    parts.push(el("p", { class: "small", text: `No agreement yet: ${data.reason}.` }));
  } else {
    const o = data.overall;
    const note = (n, notes) => (notes?.length ? notes.join("; ") : (n < 10 ? `only ${n} items rated by both (under 10): kappa is imprecise` : ""));
    const overallNote = data.pairs.length === 1 ? note(o.n, data.pairs[0].notes) : note(o.n, []);
    const row = (label, r, noteText) => el("tr", {},
      el("th", { scope: "row", text: label }),
      el("td", { class: "num", text: r.kappa_quadratic === null ? "–" : r.kappa_quadratic.toFixed(2) }),
      el("td", { class: "num", text: r.exact_pct === null ? "–" : `${r.exact_pct} %` }),
      el("td", { class: "num", text: r.adjacent_pct === null ? "–" : `${r.adjacent_pct} %` }),
      el("td", { class: "num", text: String(r.n) }),
      el("td", { class: noteText ? "small warning" : "small", text: noteText }));
    parts.push(el("div", { class: "table-wrap" }, el("table", { id: "agreement-table" },
      el("caption", { class: "visually-hidden", text: "Interview rater agreement" }),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: "Raters" }), el("th", { scope: "col", class: "num", text: "kappa" }),
        el("th", { scope: "col", class: "num", text: "exact" }), el("th", { scope: "col", class: "num", text: "adjacent" }),
        el("th", { scope: "col", class: "num", text: "n" }), el("th", { scope: "col", text: "Note" }))),
      el("tbody", {},
        row(`All (${data.raters} raters, ${o.method})`, o, overallNote),
        ...(data.pairs.length > 1 ? data.pairs.map((p) => row(p.raters.join(" & "), p, note(p.n, p.notes))) : [])))));
  }
  container.replaceChildren(...parts);
}

// The API's reasons are clauses ("the plan's question was not found …"); shown after a full stop
// they start with a capital.
function sentence(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
