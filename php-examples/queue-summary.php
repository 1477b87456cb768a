<?php
/**
 * Queues with their members and the callers waiting in them, as JSON.
 *
 *     php php-examples/queue-summary.php            every queue
 *     php php-examples/queue-summary.php support    one queue
 *
 * One call: `amijson --records action QueueStatus [Queue=NAME]`. Its records are, per queue, one
 * QueueParams event, then a QueueMember event per member and a QueueEntry event per waiting
 * caller; they are grouped here by their Queue header.
 */
require_once __DIR__ . '/amijson.php';

// Asterisk's device states, as QueueMember's Status reports them.
const DEVICE_STATES = [
    '0' => 'unknown', '1' => 'not in use', '2' => 'in use', '3' => 'busy', '4' => 'invalid',
    '5' => 'unavailable', '6' => 'ringing', '7' => 'ringing, in use', '8' => 'on hold',
];

$args = ['--records', 'action', 'QueueStatus'];
if (isset($argv[1]) && $argv[1] !== '') {
    $args[] = 'Queue=' . $argv[1];
}
try {
    $records = amijson($args);
} catch (AmijsonException $e) {
    amijson_example_fail($e, 'amijson ' . implode(' ', $args));
}

$queues = [];
$queue = function (string $name) use (&$queues): void {
    if (!isset($queues[$name])) {
        $queues[$name] = ['name' => $name, 'strategy' => null, 'calls' => 0, 'holdtime' => null,
                          'completed' => null, 'abandoned' => null, 'members' => [], 'callers' => []];
    }
};
foreach ($records as $r) {
    $name = $r['Queue'] ?? null;
    if ($name === null) {
        continue;
    }
    $queue($name);
    switch ($r['Event'] ?? '') {
        case 'QueueParams':
            $queues[$name]['strategy'] = $r['Strategy'] ?? null;
            $queues[$name]['calls'] = (int) ($r['Calls'] ?? 0);
            $queues[$name]['holdtime'] = (int) ($r['Holdtime'] ?? 0);
            $queues[$name]['completed'] = (int) ($r['Completed'] ?? 0);
            $queues[$name]['abandoned'] = (int) ($r['Abandoned'] ?? 0);
            break;
        case 'QueueMember':
            $status = (string) ($r['Status'] ?? '');
            $queues[$name]['members'][] = [
                'name' => $r['Name'] ?? ($r['MemberName'] ?? null),
                'location' => $r['Location'] ?? null,
                'membership' => $r['Membership'] ?? null,
                'status' => DEVICE_STATES[$status] ?? $status,
                'paused' => ($r['Paused'] ?? '0') === '1',
                'in_call' => ($r['InCall'] ?? '0') === '1',
                'calls_taken' => (int) ($r['CallsTaken'] ?? 0),
            ];
            break;
        case 'QueueEntry':
            $queues[$name]['callers'][] = [
                'position' => (int) ($r['Position'] ?? 0),
                'channel' => $r['Channel'] ?? null,
                'caller_id_num' => $r['CallerIDNum'] ?? null,
                'caller_id_name' => $r['CallerIDName'] ?? null,
                'wait' => (int) ($r['Wait'] ?? 0),
            ];
            break;
    }
}
ksort($queues);
foreach ($queues as &$q) {
    usort($q['members'], function ($a, $b) { return strcmp((string) $a['location'], (string) $b['location']); });
    usort($q['callers'], function ($a, $b) { return $a['position'] <=> $b['position']; });
}
unset($q);

fwrite(STDERR, sprintf("ran: amijson %s -> %d records, %d queues\n", implode(' ', $args), count($records),
                       count($queues)));
echo json_encode(['count' => count($queues), 'queues' => (object) $queues],
                 JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR), "\n";
