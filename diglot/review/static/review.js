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
    const form = cell.querySelector("form.edit");
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

  function showConflict(row, body) {
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
    theirs.append(th, tp);
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
    hint.textContent = "Your text stays in the editor, now based on the current version: " +
      "save again to replace theirs.";
    box.append(title, theirs, yours, hint);
    // the next save is based on what the user has now seen
    updateVersion(row, body.current, false);
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
      return ["status", { status: action === "confirm" ? "confirmed" : "needs-work",
        base_version: version }];
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
    if (result.status === 409) {
      showConflict(row, result.data);
    } else if (result.status >= 400) {
      show(row, result.data.error || ("error " + result.status), "error");
    } else if (request[0] === "edit" || request[0] === "status") {
      updateVersion(row, result.data, false);
      show(row, request[0] === "edit" ? "saved" : result.data.status, "saved");
    } else {
      // alignment changed: the rows around it are different now
      const here = new URL(window.location.href);
      here.hash = "bead-" + row.dataset.bead;
      window.location.replace(here.toString());
      window.location.reload();
    }
    return result.status < 400;
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const row = form.closest("tr.bead");
    const submitter = event.submitter;
    const action = submitter ? submitter.dataset.action : (form.classList.contains("edit") ? "save" : null);
    if (!row || !bodyFor(row, action, form, submitter)) return;  // plain form post
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
    if (cut) cut.value = Array.from(area.value.slice(0, area.selectionStart)).length;
  }));

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

  const target = window.location.hash && document.querySelector(window.location.hash.replace(/[^#\w-]/g, ""));
  if (target && target.matches("tr.bead")) setCurrent(target, false);
  else if (rows().length) rows()[0].classList.add("current");
})();
