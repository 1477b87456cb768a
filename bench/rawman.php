<?php
// Baseline for scripts/bench: what a PHP user writes for Asterisk's HTTP manager.
// file_get_contents logs in at /rawman, keeps the session cookie from
// $http_response_header, asks for the action with it, cuts the body into
// messages and lines with preg_split, keeps the list's events and json_encodes
// them. Settings come from AMIJSON_HOST, AMIJSON_HTTP_PORT, AMIJSON_USER,
// AMIJSON_SECRET; the action from argv.
$action = $argv[1] ?? 'CoreShowChannels';
$base = 'http://' . (getenv('AMIJSON_HOST') ?: '127.0.0.1') . ':' . (getenv('AMIJSON_HTTP_PORT') ?: '8088') . '/rawman';
$login = file_get_contents($base . '?' . http_build_query([
    'action' => 'Login', 'username' => getenv('AMIJSON_USER'), 'secret' => getenv('AMIJSON_SECRET'),
    'events' => 'off']));
if ($login === false || stripos($login, 'Response: Success') === false) { fwrite(STDERR, "login failed\n"); exit(2); }
$cookie = '';
foreach ($http_response_header as $header) {
    if (stripos($header, 'Set-Cookie:') === 0) { $cookie = trim(explode(';', substr($header, 11))[0]); }
}
$context = stream_context_create(['http' => ['header' => "Cookie: $cookie\r\n"]]);
$body = file_get_contents($base . '?' . http_build_query(['action' => $action]), false, $context);
$records = [];
foreach (preg_split('/\r\n\r\n/', $body, -1, PREG_SPLIT_NO_EMPTY) as $block) {
    $msg = [];
    foreach (preg_split('/\r\n/', $block) as $line) {
        $parts = explode(': ', $line, 2);
        $msg[$parts[0]] = $parts[1] ?? '';
    }
    if (isset($msg['Event']) && strcasecmp($msg['EventList'] ?? '', 'Complete') !== 0) { $records[] = $msg; }
}
file_get_contents($base . '?action=Logoff', false, $context);
echo json_encode(['records' => $records]), "\n";
