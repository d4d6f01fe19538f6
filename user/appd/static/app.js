// SPDX-License-Identifier: GPL-2.0-only
// appd's page: lists notes, posts one, shows which web server and which database server
// answered. Everything from the server goes into the DOM as text (textContent), never as
// markup: a note may hold anything.
"use strict";

const $ = (id) => document.getElementById(id);

async function api(path, options) {
  const r = await fetch(path, options);
  let body = null;
  try {
    body = await r.json();
  } catch (e) {
    body = { error: `HTTP ${r.status}` };
  }
  if (!r.ok)
    throw new Error(body && body.error ? body.error : `HTTP ${r.status}`);
  return body;
}

async function whoami() {
  try {
    const w = await api("/api/whoami");
    $("whoami").textContent = `web server ${w.server}, database server_id ${w.db_server_id}` +
      (w.db_read_only ? " (a read-only replica)" : " (the primary)");
  } catch (e) {
    $("whoami").textContent = `whoami failed: ${e.message}`;
  }
}

function noteItem(n) {
  const li = document.createElement("li");
  const text = document.createElement("p");
  const meta = document.createElement("small");

  text.textContent = n.text;
  meta.textContent = `#${n.id}` + (n.author ? ` by ${n.author}` : "") +
    (n.created ? `, ${new Date(n.created).toLocaleString()}` : "");
  li.append(text, meta);
  return li;
}

async function loadNotes() {
  const list = $("notes");
  try {
    const r = await api("/api/notes");
    list.replaceChildren(...r.notes.map(noteItem));
    $("source").textContent = `read by ${r.server} from database server_id ${r.db_server_id}`;
  } catch (e) {
    $("source").textContent = `cannot load the notes: ${e.message}`;
  }
}

$("post").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const note = { text: $("text").value };
  if ($("author").value)
    note.author = $("author").value;
  $("status").textContent = "posting…";
  try {
    const n = await api("/api/notes", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(note),
    });
    $("status").textContent = `stored as #${n.id}`;
    $("text").value = "";
    await loadNotes();
  } catch (e) {
    $("status").textContent = `not stored: ${e.message}`;
  }
});

$("reload").addEventListener("click", () => {
  whoami();
  loadNotes();
});

whoami();
loadNotes();
