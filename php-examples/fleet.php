<?php
/**
 * Channels and calls on every PBX of a fleet, as one table.
 *
 *     php php-examples/fleet.php [PROFILES]      (comma-separated profile names; default: all)
 *
 * One call: `amijson --profiles all command "core show channels count"` asks every PBX named in
 * amijson's config file at once, under one deadline. A PBX that is down is one row with its error,
 * not a failed page: amijson exits 9 ('partial') and the library returns the fleet document, in
 * which each PBX has its own document ('pbx' names it). Rows come in the config file's order.
 */
require_once __DIR__ . '/amijson.php';

$profiles = $argv[1] ?? 'all';
// Options first (amijson reads none after the verb): the profile list is an option's value.
$args = ['--profiles', $profiles, 'command', 'core show channels count'];
try {
    $fleet = amijson($args);
} catch (AmijsonException $e) {
    amijson_example_fail($e, 'amijson ' . implode(' ', $args));
}

$rows = [];
foreach ($fleet['pbxes'] as $pbx) {
    $count = $pbx['records'][0] ?? [];
    $rows[] = [
        'pbx' => $pbx['pbx'],
        'ok' => $pbx['ok'],
        'channels' => $pbx['ok'] ? ($count['active_channels'] ?? null) : null,
        'calls' => $pbx['ok'] ? ($count['active_calls'] ?? null) : null,
        'error' => $pbx['error']['code'] ?? null,
    ];
}

fwrite(STDERR, sprintf("%-16s %8s %6s  %s\n", 'PBX', 'CHANNELS', 'CALLS', 'ERROR'));
foreach ($rows as $row) {
    fwrite(STDERR, sprintf("%-16s %8s %6s  %s\n", $row['pbx'], $row['channels'] ?? '-', $row['calls'] ?? '-',
                           $row['error'] ?? ''));
}
echo json_encode(['pbxes' => $rows, 'summary' => $fleet['summary']],
                 JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
