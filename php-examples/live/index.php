<?php
/**
 * A live wallboard: current calls, and each queue with its waiting callers. The picture comes
 * from state.php (amijson's named queries), and is fetched again whenever stream.php (amijson's
 * events, as Server-Sent Events) says something changed; EventSource reconnects by itself. Plain
 * HTML, CSS and JavaScript: no build step. Every value from Asterisk is put in the page as text
 * (textContent), never as HTML.
 */

declare(strict_types=1);

require_once __DIR__ . '/live.php';

live_page_headers();
?>
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Wallboard</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
  h1 { font-size: 1.4em; margin: 0 0 .3em; }
  h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
  table { border-collapse: collapse; min-width: 40em; background: #fff; }
  th, td { text-align: left; padding: .3em .8em; border-bottom: 1px solid #ddd; }
  th { background: #eee; }
  .empty { color: #888; font-style: italic; }
  #status { font-size: .9em; color: #666; }
  #status.down, #notice { color: #a00; }
  .queue { margin-bottom: 1em; }
</style>
</head>
<body>
<h1>Wallboard</h1>
<div id="status">connecting…</div>
<div id="notice" hidden></div>
<h2>Calls</h2>
<table id="calls">
  <thead><tr><th>Channel</th><th>State</th><th>Caller</th><th>Extension</th><th>Application</th><th>Seconds</th></tr></thead>
  <tbody></tbody>
</table>
<h2>Queues</h2>
<div id="queues"></div>
<script>
"use strict";
// Every value is text: put in with textContent, never innerHTML.
function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  row.appendChild(td);
}
function caller(record) {
  return [record.caller_id_name, record.caller_id_num].filter(Boolean).join(" ");
}
function render(state) {
  const body = document.querySelector("#calls tbody");
  body.replaceChildren();
  for (const call of state.calls) {
    const row = document.createElement("tr");
    row.className = "call";
    row.dataset.channel = call.channel;
    [call.channel, call.state, caller(call), call.extension, call.application, call.duration].forEach(v => cell(row, v));
    body.appendChild(row);
  }
  if (!state.calls.length) {
    const row = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 6; td.className = "empty"; td.textContent = "no calls";
    row.appendChild(td); body.appendChild(row);
  }
  const queues = document.getElementById("queues");
  queues.replaceChildren();
  for (const queue of state.queues) {
    const box = document.createElement("div");
    box.className = "queue";
    box.dataset.queue = queue.queue;
    const title = document.createElement("h3");
    title.textContent = queue.queue + " (" + queue.callers.length + " waiting)";
    box.appendChild(title);
    const list = document.createElement("ol");
    for (const waiting of queue.callers) {
      const item = document.createElement("li");
      item.className = "caller";
      item.textContent = [caller(waiting) || waiting.channel, waiting.wait === null ? "" : "waiting " + waiting.wait + " s"]
        .filter(Boolean).join(", ");
      list.appendChild(item);
    }
    box.appendChild(list);
    queues.appendChild(box);
  }
}

let pending = null;
let fetching = false;
let again = false;
async function refresh() {
  if (fetching) { again = true; return; }
  fetching = true;
  try {
    const answer = await fetch("state.php", {cache: "no-store"});
    const state = await answer.json();
    if (state.error) { throw new Error(state.error); }
    render(state);
    document.getElementById("status").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("status").textContent = "could not read the PBX (" + e.message + ")";
  } finally {
    fetching = false;
    if (again) { again = false; refresh(); }
  }
}
function soon() {  // a burst of events (a call's setup) makes one fetch
  if (pending === null) { pending = setTimeout(() => { pending = null; refresh(); }, 150); }
}

let stream = null;
function connect() {
  stream = new EventSource("stream.php");
  for (const name of ["Newchannel", "Newstate", "Hangup", "QueueCallerJoin", "QueueCallerLeave", "BridgeEnter", "BridgeLeave"]) {
    stream.addEventListener(name, soon);
  }
  stream.addEventListener("open", () => {
    document.getElementById("status").classList.remove("down");
    document.getElementById("notice").hidden = true;
    refresh();  // whatever happened while the stream was down
  });
  stream.addEventListener("full", event => {
    const notice = document.getElementById("notice");
    notice.textContent = "The live view is full (" + JSON.parse(event.data).streams
      + " viewers at once on this server): this page tries again in 30 seconds.";
    notice.hidden = false;
  });
  stream.addEventListener("error", () => {
    document.getElementById("status").classList.add("down");
  });
}
// A page left for another (even one the browser keeps to go back to) closes its stream, so
// that its amijson and AMI session end at once; coming back opens a new one.
window.addEventListener("pagehide", () => stream.close());
window.addEventListener("pageshow", event => { if (event.persisted) { connect(); } });
connect();
refresh();
</script>
</body>
</html>
