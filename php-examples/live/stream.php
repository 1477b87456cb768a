<?php
/**
 * The pages' event stream (Server-Sent Events): `amijson --format sse events` with the filters the
 * page needs, relayed as it comes. The browser chooses only which page it is: the wallboard's
 * events, or, with ?ext=NUMBER (digits), the screen pop's for that extension, passed to amijson
 * as an operand, never as an option or into a command line.
 *
 * No buffering and no compression on the way (each event must reach the browser at once), and
 * when the browser goes away, amijson is stopped: its process and its AMI session end with the
 * page. Past AMIJSON_LIVE_MAX_STREAMS streams at once, the answer is one `full` event and a retry
 * in 30 s, instead of one more AMI session.
 */

declare(strict_types=1);

require_once __DIR__ . '/live.php';

// The events that change what the wallboard shows.
const WALLBOARD_EVENTS = ['Newchannel', 'Newstate', 'Hangup', 'QueueCallerJoin', 'QueueCallerLeave',
                          'BridgeEnter', 'BridgeLeave'];
// A call ringing an extension: its channel enters the dialplan there and starts to ring.
const POPUP_EVENTS = ['Newchannel', 'Newstate'];

// Every layer that could hold events back: PHP's own buffers, zlib, a proxy (X-Accel-Buffering).
@ini_set('zlib.output_compression', '0');
@ini_set('output_buffering', '0');
@ini_set('implicit_flush', '1');
while (ob_get_level() > 0) {
    ob_end_flush();
}
if (function_exists('apache_setenv')) {
    @apache_setenv('no-gzip', '1');
}
header('Content-Type: text/event-stream; charset=utf-8');
header('Cache-Control: no-cache, no-transform');
header('X-Accel-Buffering: no');

$filters = [];
if (array_key_exists('ext', $_GET)) {
    $ext = live_extension($_GET['ext']);
    if ($ext === null) {
        http_response_code(400);
        echo "event: refused\ndata: {\"error\":\"ext must be 1 to " . LIVE_EXT_MAX . " digits\"}\n\n";
        exit;
    }
    foreach (POPUP_EVENTS as $event) {
        $filters[] = 'Event=' . $event;
    }
    $filters[] = 'Exten=' . $ext;
} else {
    foreach (WALLBOARD_EVENTS as $event) {
        $filters[] = 'Event=' . $event;
    }
}

$slots = live_setting_int('AMIJSON_LIVE_MAX_STREAMS', LIVE_DEFAULT_MAX_STREAMS, 1, 10000);
$slot = live_take_slot($slots);
if ($slot === null) {
    echo "retry: 30000\nevent: full\ndata: " . json_encode(['streams' => $slots]) . "\n\n";
    exit;
}
echo "retry: 3000\n: amijson live stream\n\n";
@flush();
try {
    amijson_relay(array_merge(['--format', 'sse', 'events'], $filters), [], [
        'idle' => ":\n\n",   // a comment each idle second: a closed page is noticed at once
        'stderr' => function (string $piece): void {
            error_log('amijson: ' . rtrim($piece));
        },
    ]);
} catch (AmijsonException $e) {
    // The error code only: a message may name the manager's address.
    echo "event: failed\ndata: " . json_encode(['error' => $e->getErrorCode()]) . "\n\n";
}
