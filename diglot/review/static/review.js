// diglot review: progressive enhancement of the plain forms (they work without this file).
// Saves and status changes go through the JSON API with the page's CSRF token and update the
// row in place; alignment changes reload the page at the bead; a 409 shows both versions.
"use strict";
(function () {
  const meta = document.querySelector('meta[name="csrf"]');
  const csrf = meta ? meta.content : "";

  function rows() { return Array.from(document.querySelectorAll("tr.bead")); }

  function setCurrent(row, focus) {
    rows().forEach((r) => r.classList.toggle("current", r === row));
    if (!row) return;
    row.scrollIntoView({ block: "nearest" });
    const area = row.querySelector('textarea[name="text"]');
    if (focus && area) area.focus({ preventScroll: true });
  }

  function current() {
    return document.querySelector("tr.bead.current") || rows()[0] || null;
  }

  function step(delta, onlyFlagged) {
    const all = rows();
    let i = all.indexOf(current());
    for (;;) {
      i += delta;
      if (i < 0 || i >= all.length) return null;
      if (!onlyFlagged || all[i].dataset.flagged) {
        setCurrent(all[i], true);
        return all[i];
      }
    }
  }

  function api(row, action) {
    return "/api/bitexts/" + row.dataset.bitext + "/beads/" + row.dataset.bead + "/" + action;
  }

  // The version of the bead next to this one in the document, or null when this page does not
  // show it (a filter, a page edge): then the plain form is posted and the server reads it.
  function neighbourVersion(row, delta, field) {
    const all = rows();
    const other = all[all.indexOf(row) + delta];
    const order = Number(row.dataset.order) + delta;
    if (other && Number(other.dataset.order) === order) return Number(other.dataset.version);
    const value = row.querySelector('input[name="' + field + '"]');
    return value && value.value ? Number(value.value) : null;
  }

  function element(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // `text` with <mark class="term"> around each span; spans count code points, as Python does
  function marked(text, spans) {
    const chars = Array.from(text);
    const out = document.createDocumentFragment();
    let at = 0;
    spans.slice().sort((a, b) => a[0] - b[0]).forEach(([start, end, violated]) => {
      if (start < at || end <= start || end > chars.length) return;  // as the server skips
      out.append(chars.slice(at, start).join(""));
      out.append(element("mark", "term" + (violated ? " violated" : ""),
        chars.slice(start, end).join("")));
      at = end;
    });
    out.append(chars.slice(at).join(""));
    return out;
  }

  // After a save: the bead's flags, its terms and their violations as the server re-checked them
  function refreshFindings(row, bead) {
    const cell = row.querySelector("td.target");
    // flags and marks go above the controls (the fieldset around the forms)
    const form = cell.querySelector("fieldset.controls") || cell.querySelector("form.edit");
    cell.querySelectorAll(".flags, .rendered").forEach((node) => node.remove());
    // flagged: a problem found on the current text (stale flags are the machine output's)
    const problem = bead.flags.some((f) => !f.stale &&
      (f.severity === "error" || f.severity === "warning"));
    row.classList.toggle("flagged", problem);
    if (problem) row.dataset.flagged = "1"; else delete row.dataset.flagged;
    if (bead.flags.length) {
      const flags = element("div", "flags");
      bead.flags.forEach((f) => {
        const badge = element("span", "flag severity-" + f.severity + (f.stale ? " stale" : ""),
          f.check);
        badge.dataset.check = f.check;
        badge.title = f.message;
        flags.append(badge, " ", element("span", "flag-message", f.message), " ");
      });
      cell.insertBefore(flags, form);
    }
    if (bead.terms.length) {
      const spans = [];
      bead.terms.forEach((t) => t.target_spans.forEach(([a, b]) => spans.push([a, b, false])));
      const rendered = element("div", "rendered");
      rendered.append(marked(bead.target, spans));
      cell.insertBefore(rendered, form);
    }
    // the source sentences' marks, as pages.source_html draws them over the joined source
    const spans = [];
    bead.terms.forEach((t) => t.source_spans.forEach(([a, b]) => spans.push([a, b, t.violated])));
    let at = 0;
    row.querySelectorAll("td.source span.sentence").forEach((sentence) => {
      const text = sentence.textContent;
      const end = at + Array.from(text).length;
      const local = spans.filter(([a, b]) => a < end && b > at)
        .map(([a, b, v]) => [Math.max(a, at) - at, Math.min(b, end) - at, v]);
      sentence.replaceChildren(marked(text, local));
      at = end + 1;  // the sentences are joined with one space
    });
    const list = row.querySelector("td.source ul.terms");
    if (list) {
      list.replaceChildren(...bead.terms.map((t) => {
        const item = element("li", t.violated ? "violated" : "");
        const target = element("span", "", t.targets.join(" / "));
        target.lang = cell.lang;
        item.append(element("mark", "term" + (t.violated ? " violated" : ""), t.source),
          " → ", target);
        return item;
      }));
    }
  }

  function show(row, message, cls) {
    let box = row.querySelector(".js-message");
    if (!box) {
      box = document.createElement("div");
      box.className = "js-message";
      row.querySelector("td.target").prepend(box);
    }
    box.replaceChildren();
    box.className = "js-message " + (cls || "");
    box.textContent = message;
    return box;
  }

  // kind: "edit", "status" (sent: whether the editor's text went with it) or an alignment change
  function showConflict(row, body, kind, sentText) {
    const box = show(row, "", "conflict");
    const title = document.createElement("p");
    title.className = "error";
    title.textContent = body.error;
    const theirs = document.createElement("div");
    theirs.className = "theirs";
    const th = document.createElement("h3");
    th.textContent = "Now in the store (version " + body.current.version +
      (body.current.updated_by ? ", by " + body.current.updated_by : "") + ")";
    const tp = document.createElement("p");
    tp.textContent = body.current.target;
    const ts = element("p", "muted", "status: " + body.current.status +
      (body.current.status_by ? " (by " + body.current.status_by + ")" : ""));
    theirs.append(th, tp, ts);
    const yours = document.createElement("div");
    yours.className = "yours";
    const yh = document.createElement("h3");
    yh.textContent = "Yours (not saved)";
    yours.append(yh);
    Object.entries(body.yours || {}).forEach(([key, value]) => {
      const p = document.createElement("p");
      p.textContent = key === "text" ? String(value) : key + ": " + String(value);
      yours.append(p);
    });
    const hint = document.createElement("p");
    hint.className = "hint";
    if (kind === "edit") {
      hint.textContent = "Your text stays in the editor, now based on the current version: " +
        "save again to replace theirs.";
    } else if (kind === "status" && sentText) {
      hint.textContent = "Neither your text nor the status was saved. Your text stays in the " +
        "editor, now based on the current version: Save & confirm again to replace theirs.";
    } else if (kind === "status") {
      hint.textContent = "The status was not changed: the bead changed meanwhile. Read its " +
        "text now (in the editor), then set the status again if it still holds.";
    } else {
      hint.textContent = "Nothing was changed: reload the page to see the beads as they are now.";
    }
    box.append(title, theirs, yours, hint);
    // the next change is based on what the user has now seen; an editor without unsaved
    // text shows the text now in the store (a confirm must confirm what is on screen)
    const area = row.querySelector('textarea[name="text"]');
    if (area && !dirty(area)) {
      area.value = body.current.target;
      saved(area, body.current.target);
    } else if (area) {
      area.dataset.saved = body.current.target;
    }
    updateVersion(row, body.current, false);
  }

  // Unsaved text: the editor differs from the text the server last gave (ends and CRLF aside)
  function normal(text) { return text.replace(/\r\n/g, "\n").trim(); }
  // the text in the store: a page that gives the editor the user's refused text back says it
  function baseline(area) {
    return area.dataset.saved !== undefined ? area.dataset.saved : area.defaultValue;
  }
  function dirty(area) { return normal(area.value) !== normal(baseline(area)); }
  function saved(area, text) {
    delete area.dataset.saved;
    area.defaultValue = text;
  }
  let leaving = null;  // a form posted the plain way: its own editor's text goes with it
  function unsaved() {
    return Array.from(document.querySelectorAll('tr.bead textarea[name="text"]'))
      .filter((area) => dirty(area) && !(leaving && leaving.contains(area)));
  }

  function label(row) {
    const area = row.querySelector('textarea[name="text"]');
    const confirm = row.querySelector('button[data-action="confirm"]');
    if (!area || !confirm) return;
    const changed = dirty(area);
    confirm.textContent = changed ? "Save & confirm" : "Confirm";
    confirm.title = changed ? "Alt+C: save your text and confirm it" : "Alt+C";
  }

  function updateVersion(row, bead, replaceText) {
    row.dataset.version = bead.version;
    row.dataset.status = bead.status;
    row.classList.remove("status-unreviewed", "status-confirmed", "status-needs-work");
    row.classList.add("status-" + bead.status);
    row.classList.toggle("edited", !!bead.edited);
    row.querySelectorAll('input[name="base_version"]').forEach((i) => { i.value = bead.version; });
    const status = row.querySelector("td.meta .status");
    if (status) status.textContent = bead.status;
    const area = row.querySelector('textarea[name="text"]');
    if (replaceText && area) area.value = bead.target;
    if (area) label(row);
    if (bead.flags && bead.terms) refreshFindings(row, bead);
    const cut = row.querySelector('input[name="target_at"]');
    if (cut) cut.max = bead.target.length;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = { error: response.statusText }; }
    return { status: response.status, data: data };
  }

  function bodyFor(row, action, form, submitter) {
    const version = Number(row.dataset.version);
    if (action === "save") {
      return ["edit", { text: form.querySelector('textarea[name="text"]').value,
        base_version: version }];
    }
    if (action === "confirm" || action === "needs-work") {
      const body = { status: action === "confirm" ? "confirmed" : "needs-work",
        base_version: version };
      // unsaved text goes with the status: what is on screen is what gets confirmed
      const area = form.querySelector('textarea[name="text"]');
      if (area && dirty(area)) body.text = area.value;
      return ["status", body];
    }
    if (action === "merge-next") {
      const next = neighbourVersion(row, 1, "next_version");
      return next === null ? null : ["merge-next", { base_version: version, next_version: next }];
    }
    if (action && action.startsWith("move-")) {
      const [, side, direction] = action.split("-");
      const delta = direction === "previous" ? -1 : 1;
      const other = neighbourVersion(row, delta, delta < 0 ? "prev_version" : "next_version");
      return other === null ? null : ["move", { side: side, direction: direction,
        base_version: version, other_version: other }];
    }
    if (action === "split") {
      return ["split", { source_count: Number(form.elements.source_count.value),
        target_at: Number(form.elements.target_at.value), base_version: version }];
    }
    return null;
  }

  async function run(row, action, form, submitter) {
    const request = bodyFor(row, action, form, submitter);
    if (!request) return false;
    const result = await post(api(row, request[0]), request[1]);
    const sentText = request[1].text !== undefined;
    if (result.status === 409) {
      showConflict(row, result.data, request[0], sentText);
    } else if (result.status >= 400) {
      show(row, result.data.error || ("error " + result.status), "error");
    } else if (request[0] === "edit" || request[0] === "status") {
      const area = row.querySelector('textarea[name="text"]');
      // the saved text is the editor's new baseline (the server may have trimmed it)
      if (area && sentText) {
        const typed = area.value;
        saved(area, result.data.target);
        area.value = normal(typed) === normal(result.data.target) ? result.data.target : typed;
      }
      updateVersion(row, result.data, false);
      show(row, request[0] === "edit" ? "saved" :
        (sentText ? "saved and " : "") + result.data.status, "saved");
    } else {
      // alignment changed: the rows around it are different now
      const here = new URL(window.location.href);
      here.hash = "bead-" + row.dataset.bead;
      window.location.replace(here.toString());
      window.location.reload();
    }
    return result.status < 400;
  }

  const ALIGNMENT = /^(merge-next|split|move-)/;
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const row = form.closest("tr.bead");
    const submitter = event.submitter;
    const action = submitter ? submitter.dataset.action : (form.classList.contains("edit") ? "save" : null);
    // an alignment change rebuilds the beads from the stored text: typed text would be lost
    const area = row && row.querySelector('textarea[name="text"]');
    if (area && ALIGNMENT.test(action || "") && dirty(area)) {
      event.preventDefault();
      setCurrent(row, false);
      show(row, "save your text first (Ctrl+Enter) or undo it: alignment changes use the " +
        "saved text", "error");
      return;
    }
    if (!row || !bodyFor(row, action, form, submitter)) {  // plain form post
      leaving = form;
      return;
    }
    event.preventDefault();
    setCurrent(row, false);
    run(row, action, form, submitter);
  });

  // the split form cuts the target where the cursor is
  ["click", "keyup", "select"].forEach((type) => document.addEventListener(type, (event) => {
    const area = event.target;
    if (!area.matches || !area.matches('tr.bead textarea[name="text"]')) return;
    // a shortcut's key-up lands in the editor it moved to, caret at 0: not a cut chosen
    if (event.type === "keyup" && (event.altKey || event.ctrlKey || event.metaKey ||
        ["Alt", "Control", "Meta", "Shift"].includes(event.key))) return;
    const cut = area.closest("tr.bead").querySelector('input[name="target_at"]');
    // the server counts code points; JavaScript counts UTF-16 units (an emoji is two)
    // the cut is into the stored text: while the editor holds unsaved text it stays where it
    // was (a cursor past the stored end made the form invalid, and the browser then silently
    // refused every button of it, the refusal message included)
    if (cut && !dirty(area)) cut.value = Array.from(area.value.slice(0, area.selectionStart)).length;
  }));

  document.addEventListener("input", (event) => {
    const area = event.target;
    if (area.matches && area.matches('tr.bead textarea[name="text"]')) label(area.closest("tr.bead"));
  });

  // leaving the page (a link, a reload, closing the tab) with unsaved text asks first
  window.addEventListener("beforeunload", (event) => {
    if (!unsaved().length) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers need a value to ask
  });
  // a plain post that was cancelled at the prompt, or came back: count every editor again
  window.addEventListener("pageshow", () => { leaving = null; });

  document.addEventListener("focusin", (event) => {
    const row = event.target.closest && event.target.closest("tr.bead");
    if (row && !row.classList.contains("current")) setCurrent(row, false);
  });

  document.addEventListener("keydown", async (event) => {
    const field = event.target.closest && event.target.closest("input, textarea, select");
    if (field && !field.closest("tr.bead")) return;  // a comment or glossary field: not ours
    const row = current();
    if (!row) return;
    const form = row.querySelector("form.edit");
    if (event.ctrlKey && event.key === "Enter") {
      event.preventDefault();
      setCurrent(row, false);
      if (await run(row, "save", form, null)) step(1, false);
    } else if (event.altKey && (event.key === "c" || event.key === "C" || event.code === "KeyC")) {
      event.preventDefault();
      run(row, "confirm", form, null);
    } else if (event.altKey && event.key === "ArrowDown") {
      event.preventDefault(); step(1, true);
    } else if (event.altKey && event.key === "ArrowUp") {
      event.preventDefault(); step(-1, true);
    } else if (event.altKey && (event.code === "KeyN" || event.key === "n")) {
      event.preventDefault(); step(1, false);
    } else if (event.altKey && (event.code === "KeyP" || event.key === "p")) {
      event.preventDefault(); step(-1, false);
    }
  });

  let target = window.location.hash && document.querySelector(window.location.hash.replace(/[^#\w-]/g, ""));
  // a section link lands on the section's header row: its first bead is the current one
  if (target && target.matches("tr.section")) target = target.nextElementSibling;
  rows().forEach(label);  // a reload may restore typed text into an editor
  if (target && target.matches("tr.bead")) setCurrent(target, false);
  else if (rows().length) rows()[0].classList.add("current");
})();
