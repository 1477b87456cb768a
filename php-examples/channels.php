<?php
/**
 * Every active channel, as JSON for a web page.
 *
 *     php php-examples/channels.php
 *
 * One call: `amijson --records action CoreShowChannels` gives one record per channel (every
 * header of its CoreShowChannel event); this page keeps five fields and re-encodes them.
 * Settings come from the environment (AMIJSON_HOST, AMIJSON_USER, AMIJSON_SECRET, ...) or
 * amijson's config file; see README.md.
 */
require_once __DIR__ . '/amijson.php';

$args = ['--records', 'action', 'CoreShowChannels'];   // options first: amijson reads none after the verb
try {
    $records = amijson($args);
} catch (AmijsonException $e) {
    amijson_example_fail($e, 'amijson ' . implode(' ', $args));
}

$channels = [];
foreach ($records as $record) {
    $channels[] = [
        'channel' => $record['Channel'] ?? null,
        'state' => $record['ChannelStateDesc'] ?? null,
        'application' => $record['Application'] ?? null,
        'caller_id_num' => $record['CallerIDNum'] ?? null,
        'duration' => $record['Duration'] ?? null,
    ];
}

fwrite(STDERR, sprintf("ran: amijson %s -> %d channels\n", implode(' ', $args), count($channels)));
// A web page would send: header('Content-Type: application/json');
echo json_encode(['count' => count($channels), 'channels' => $channels],
                 JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
