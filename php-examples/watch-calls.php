<?php
/**
 * Calls as they start and end, for SECONDS (default 10): amijson_events() over amijson's stream.
 *
 *     php php-examples/watch-calls.php 30
 *
 * Each channel that starts (Newchannel) or ends (Hangup) is told on standard error as it
 * happens; standard output gets them all as JSON at the end, with the stream's summary
 * (docs/events.md). SECONDS is passed as the value of --for: amijson checks it.
 */
require_once __DIR__ . '/amijson.php';

$seconds = $argv[1] ?? '10';
$seen = [];
try {
    $events = amijson_events(['Event=Newchannel', 'Event=Hangup'], ['--for', $seconds]);
    foreach ($events as $event) {
        if (isset($event['gap'])) {   // events dropped, or the connection lost: said, not hidden
            fwrite(STDERR, 'gap: ' . json_encode($event['gap']) . "\n");
            continue;
        }
        $row = [
            'what' => $event['Event'] === 'Hangup' ? 'ended' : 'started',
            'channel' => $event['Channel'] ?? null,
            'caller_id_num' => $event['CallerIDNum'] ?? null,
            'cause' => $event['Cause-txt'] ?? null,
        ];
        fwrite(STDERR, sprintf("%s %s\n", $row['what'], $row['channel']));
        $seen[] = $row;
    }
    $summary = $events->getReturn();
} catch (AmijsonException $e) {
    amijson_example_fail($e, 'amijson --for ' . $seconds . ' --format ndjson events Event=Newchannel Event=Hangup');
}

echo json_encode(['seconds' => (float) $seconds, 'events' => $seen, 'summary' => $summary],
                 JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
