<?php
// Baseline for scripts/bench --events: what a PHP page watching events does by hand.
// fsockopen, log in with every event class, then fgets lines, strpos to split each
// at ": ", and on the blank line json_encode the event and echo it (one write per
// event, PHP's CLI does not buffer), until killed. Settings from AMIJSON_HOST, AMIJSON_PORT,
// AMIJSON_USER, AMIJSON_SECRET.
$fp = fsockopen(getenv('AMIJSON_HOST') ?: '127.0.0.1', (int) (getenv('AMIJSON_PORT') ?: 5038), $errno, $errstr, 3);
if (!$fp) { fwrite(STDERR, "connect: $errstr\n"); exit(3); }
fgets($fp); // banner
fwrite($fp, "Action: Login\r\nUsername: " . getenv('AMIJSON_USER') . "\r\nSecret: " . getenv('AMIJSON_SECRET')
    . "\r\nEvents: on\r\nActionID: 1\r\n\r\n");
$msg = [];
while (($line = fgets($fp)) !== false) {
    $line = rtrim($line, "\r\n");
    if ($line === '') {
        if (isset($msg['Event'])) { echo json_encode($msg), "\n"; }
        $msg = [];
        continue;
    }
    $colon = strpos($line, ': ');
    if ($colon === false) { $msg[$line] = ''; } else { $msg[substr($line, 0, $colon)] = substr($line, $colon + 2); }
}
