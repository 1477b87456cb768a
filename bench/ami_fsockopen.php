<?php
// Baseline for scripts/bench: what a careful PHP page does by hand. fsockopen,
// log in, send one action, read lines and collect the events carrying our
// ActionID until the list completes, then json_encode them. Settings come from
// AMIJSON_HOST, AMIJSON_PORT, AMIJSON_USER, AMIJSON_SECRET; the action from argv.
$action = $argv[1] ?? 'CoreShowChannels';
$fp = fsockopen(getenv('AMIJSON_HOST') ?: '127.0.0.1', (int) (getenv('AMIJSON_PORT') ?: 5038), $errno, $errstr, 3);
if (!$fp) { fwrite(STDERR, "connect: $errstr\n"); exit(3); }
fgets($fp); // banner
fwrite($fp, "Action: Login\r\nUsername: " . getenv('AMIJSON_USER') . "\r\nSecret: " . getenv('AMIJSON_SECRET')
    . "\r\nEvents: off\r\nActionID: 1\r\n\r\nAction: $action\r\nActionID: 2\r\n\r\n");
$records = [];
$msg = [];
$done = false;
while (!$done && ($line = fgets($fp)) !== false) {
    $line = rtrim($line, "\r\n");
    if ($line === '') {
        if (($msg['ActionID'] ?? '') === '2') {
            if (isset($msg['Event'])) {
                if (strcasecmp($msg['EventList'] ?? '', 'Complete') === 0) { $done = true; }
                else { $records[] = $msg; }
            } elseif (strcasecmp($msg['Response'] ?? '', 'Error') === 0
                      || strcasecmp($msg['EventList'] ?? '', 'start') !== 0) {
                $done = true;
            }
        }
        $msg = [];
        continue;
    }
    $parts = explode(': ', $line, 2);
    $msg[$parts[0]] = $parts[1] ?? '';
}
fwrite($fp, "Action: Logoff\r\nActionID: 3\r\n\r\n");
fclose($fp);
echo json_encode(['records' => $records]), "\n";
