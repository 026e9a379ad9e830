// The console's only script: CSV uploads with a live progress bar (server-sent events) and
// the template editor's live counts. Pages work without it, except these live parts.
"use strict";

const csrf = () => document.body.dataset.csrf;

function postJson(url, body) {
  return fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(), Accept: "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
}

// --- CSV upload with progress ---------------------------------------------------------

function showProgress(box, job) {
  box.hidden = false;
  box.querySelector("progress").value = job.percent;
  box.querySelector("[data-import-state]").textContent =
    `${job.state} · ${job.completed} of ${job.total} rows · ${job.imported} imported · ${job.rejected} refused` +
    (job.failure ? ` · ${job.failure}` : "");
  box.querySelector("[data-rejects]").hidden = !(job.state === "COMPLETE" && job.rejected > 0);
  box.dataset.state = job.state;
}

function follow(form, box) {
  const events = new EventSource(form.dataset.progress);
  events.onmessage = (event) => {
    const job = JSON.parse(event.data);
    showProgress(box, job);
    if (job.state !== "IN_PROGRESS") events.close();
  };
  events.onerror = () => events.close();
}

function setUpUpload(form) {
  const box = document.querySelector("[data-import]");
  if (box && box.dataset.state === undefined) {
    const state = box.querySelector("[data-import-state]").textContent;
    if (state.startsWith("IN_PROGRESS")) follow(form, box);
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRF-Token": csrf(), Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!answer.ok) {
      box.hidden = false;
      const text = await answer.text();
      const message = new DOMParser().parseFromString(text, "text/html").querySelector(".error");
      box.querySelector("[data-import-state]").textContent =
        `Refused: ${message ? message.textContent : answer.status}`;
      box.dataset.state = "REFUSED";
      return;
    }
    showProgress(box, await answer.json());
    follow(form, box);
  });
}

// --- template editor ------------------------------------------------------------------

function setUpEditor(root) {
  const body = root.querySelector("[data-body]");
  const subject = root.querySelector("[data-subject]");
  const type = root.querySelector("[data-type]");
  const list = root.querySelector("[data-contact-list]");
  const contact = root.querySelector("[data-contact-id]");
  const field = (name) => root.querySelector(`[data-${name}]`);
  let timer = null;
  let asked = 0;

  async function analyse() {
    const ticket = ++asked;
    const isEmail = type.value === "CampaignEmailTemplate";
    field("subject-field").hidden = !isEmail;
    const answer = await postJson("/templates/analysis", {
      body: body.value,
      subject: subject.value,
      response_type: type.value,
      contact_list_id: list.value,
      contact_id: contact.value.trim(),
    });
    if (ticket !== asked) return; // a newer keystroke's answer will come
    const warnings = field("warnings");
    warnings.replaceChildren();
    if (!answer.ok) {
      const text = await answer.text();
      const message = new DOMParser().parseFromString(text, "text/html").querySelector(".error");
      const item = document.createElement("li");
      item.textContent = message ? message.textContent : `Error ${answer.status}`;
      warnings.append(item);
      return;
    }
    const result = await answer.json();
    const facts = result.template;
    field("encoding").textContent = facts ? facts.encoding : "–";
    field("characters").textContent = facts ? facts.characters : body.value.length;
    field("segments").textContent = facts ? facts.segments : "–";
    const preview = result.preview;
    field("preview").textContent = preview ? (preview.subject ? `${preview.subject}\n\n` : "") + preview.body : "";
    field("preview-facts").textContent = preview && preview.sms
      ? `For this contact: ${preview.sms.encoding}, ${preview.sms.characters} characters, ${preview.sms.segments} segment(s)`
      : "";
    for (const warning of result.warnings) {
      const item = document.createElement("li");
      item.dataset.code = warning.code;
      item.textContent = warning.message;
      warnings.append(item);
    }
  }

  const soon = () => { clearTimeout(timer); timer = setTimeout(analyse, 150); };
  for (const input of [body, subject, contact]) input.addEventListener("input", soon);
  for (const input of [type, list]) input.addEventListener("change", soon);
  analyse();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-upload]").forEach(setUpUpload);
  document.querySelectorAll("[data-editor]").forEach(setUpEditor);
});

// --- column chooser -------------------------------------------------------------------
// A table's cells carry data-col; the chooser's checkboxes hide or show a column, and the
// hidden ones are remembered in localStorage under the chooser's key (one per user).

function setUpColumnChooser(chooser) {
  const key = chooser.dataset.storageKey;
  const boxes = [...chooser.querySelectorAll("input[type=checkbox]")];
  let hidden = [];
  try { hidden = JSON.parse(localStorage.getItem(key) || "[]"); } catch { hidden = []; }
  const apply = () => {
    const off = new Set(boxes.filter((box) => !box.checked).map((box) => box.value));
    document.querySelectorAll("[data-col]").forEach((cell) => { cell.hidden = off.has(cell.dataset.col); });
    localStorage.setItem(key, JSON.stringify([...off]));
  };
  for (const box of boxes) {
    box.checked = !hidden.includes(box.value);
    box.addEventListener("change", apply);
  }
  apply();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-column-chooser]").forEach(setUpColumnChooser);
});
