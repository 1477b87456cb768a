<?php
/**
 * A screen pop: popup.php?ext=NUMBER shows who is calling that extension, as the call rings:
 * the caller's number and name, from the event, with a link to look the number up
 * (AMIJSON_LIVE_LOOKUP). ext is checked (digits, at most 20) and reaches amijson as an operand
 * through stream.php; here it only names the page. Values from Asterisk are put in as text.
 */

declare(strict_types=1);

require_once __DIR__ . '/live.php';

$ext = live_extension($_GET['ext'] ?? null);
if ($ext === null) {
    http_response_code(400);
    header('Content-Type: text/html; charset=utf-8');
    echo "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Screen pop</title></head><body>"
        . "<p>Give the extension to watch as popup.php?ext=NUMBER (1 to " . LIVE_EXT_MAX . " digits).</p></body></html>";
    exit;
}
$lookup = getenv('AMIJSON_LIVE_LOOKUP');
if ($lookup === false || $lookup === '' || strpos($lookup, '{number}') === false
    || !preg_match('~^https?://~', $lookup)) {
    $lookup = 'https://duckduckgo.com/?q={number}';
}
live_page_headers();
?>
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Calls for <?= h($ext) ?></title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; }
  .pop { border: 2px solid #2a7; border-radius: 6px; padding: .6em 1em; margin: .5em 0; background: #efe; }
  .number { font-size: 1.4em; font-weight: bold; }
</style>
</head>
<body>
<h1>Calls for <?= h($ext) ?></h1>
<div id="status">waiting for a call…</div>
<div id="pops"></div>
<script>
"use strict";
const ext = <?= json_encode($ext) ?>;
const lookup = <?= json_encode($lookup, JSON_UNESCAPED_SLASHES | JSON_HEX_TAG | JSON_HEX_AMP) ?>;
const seen = new Set();
function pop(event) {
  const data = JSON.parse(event.data);
  if (data.Exten !== ext || seen.has(data.Uniqueid)) { return; }
  const number = data.CallerIDNum && data.CallerIDNum !== "<unknown>" ? data.CallerIDNum : "";
  const name = data.CallerIDName && data.CallerIDName !== "<unknown>" ? data.CallerIDName : "";
  if (!number && !name) { return; }  // its caller ID comes with a later event
  seen.add(data.Uniqueid);
  const box = document.createElement("div");
  box.className = "pop";
  box.dataset.uniqueid = data.Uniqueid;
  const line = document.createElement("div");
  line.className = "number";
  line.textContent = number || "(no number)";
  const who = document.createElement("div");
  who.className = "name";
  who.textContent = name;
  box.append(line, who);
  if (number) {
    const link = document.createElement("a");
    link.className = "lookup";
    link.textContent = "look up " + number;
    link.setAttribute("href", lookup.split("{number}").join(encodeURIComponent(number)));
    link.setAttribute("rel", "noopener noreferrer");
    link.setAttribute("target", "_blank");
    box.appendChild(link);
  }
  document.getElementById("pops").prepend(box);
  document.getElementById("status").textContent = "ringing " + new Date().toLocaleTimeString();
}
let stream = null;
function connect() {
  stream = new EventSource("stream.php?ext=" + encodeURIComponent(ext));
  stream.addEventListener("Newchannel", pop);
  stream.addEventListener("Newstate", pop);
  stream.addEventListener("full", () => {
    document.getElementById("status").textContent = "The live view is full on this server: trying again in 30 seconds.";
  });
}
window.addEventListener("pagehide", () => stream.close());  // see index.php
window.addEventListener("pageshow", event => { if (event.persisted) { connect(); } });
connect();
</script>
</body>
</html>
